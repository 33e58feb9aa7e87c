"""The ``apophenic`` command line: one module per command group.

Exit codes scripts can trust: 0 success, 1 a bug (traceback), 2 bad input
(one line on stderr, nothing written), 130 interrupted.
"""

from __future__ import annotations

import functools
import os
import sys

# Torch's spinning thread pool stalls badly when another process loads the
# cores (see shared/MODELS.md); this must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer  # noqa: E402

from apophenic.errors import ApophenicError  # noqa: E402


def build_app() -> typer.Typer:
    """The root Typer app with the built-in commands and every plugin's."""
    from apophenic.cli import batch_cmd, info, plugins_cmd, presets_cmd, run_cmd, view_cmd
    from apophenic.registry import get_registry

    app = typer.Typer(
        name="apophenic",
        help="A generative art engine: networks make images by perceiving them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    run_cmd.install(app)
    presets_cmd.install(app)
    plugins_cmd.install(app)
    info.install(app)
    batch_cmd.install(app)
    view_cmd.install(app)
    registry = get_registry()
    built_in = len(app.registered_commands), len(app.registered_groups)
    registry.hook.register_commands(cli=app)
    # Every plugin's command keeps a run's work on the first Ctrl-C, as `apophenic run` does.
    for info in app.registered_commands[built_in[0]:]:
        info.callback = keeping_work_on_signals(info.callback)
    for group in app.registered_groups[built_in[1]:]:
        _wrap_group(group.typer_instance)
    return app


def _wrap_group(group: typer.Typer | None) -> None:
    if group is None:
        return
    for info in group.registered_commands:
        info.callback = keeping_work_on_signals(info.callback)
    for sub in group.registered_groups:
        _wrap_group(sub.typer_instance)


def keeping_work_on_signals(callback):
    """A command whose first Ctrl-C, SIGTERM or SIGHUP lets a running run finish its step and keep
    its folder (:mod:`apophenic.interrupt`), then says where the work is and exits 130."""
    if callback is None or getattr(callback, "_keeps_work", False):
        return callback

    @functools.wraps(callback)
    def command(*args, **kwargs):
        from apophenic.interrupt import RunInterrupted, graceful

        try:
            with graceful():
                return callback(*args, **kwargs)
        except RunInterrupted as exc:
            stopped(exc)  # here: typer turns a KeyboardInterrupt into its own exit before main() sees it
            raise SystemExit(130) from None

    command._keeps_work = True
    return command


def one_line(message: str) -> str:
    """``message`` with every character that would break or hide a line (newlines, control
    characters from a user's value) written as its escape, so the error stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def fail(message: str) -> None:
    """Print a one-line error and exit 2."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {escape(one_line(message))}")
    raise SystemExit(2)


def split_set_hint(message: str, argv: list[str]) -> str | None:
    """The one-line hint for ``--set key=electric fan`` unquoted: the shell split the value at the space.

    ``message`` is the usage error ("Got unexpected extra argument (fan)"); the hint is given
    only when the first extra word directly follows a ``--set`` value.
    """
    import re

    found = re.search(r"unexpected extra argument(?:s|\(s\))? \((.+)\)", message)
    if not found:
        return None
    extra = found.group(1).split()[0]
    for i, arg in enumerate(argv[:-1]):
        flag, eq, inline = arg.partition("=")
        if flag in ("--set", "-s") and not eq and i + 2 < len(argv):
            value, following = argv[i + 1], argv[i + 2]
        elif flag == "--set" and eq:
            value, following = inline, argv[i + 1]
        else:
            continue
        if "=" in value and following == extra:
            key, _, start = value.partition("=")
            return (f"--set {value} {following}: the shell split the value at the space; quote it: "
                    f"--set '{key}=\"{start} {following}\"'")
    return None


def _click_exceptions():
    """Click's exceptions as typer raises them (newer typer vendors click as ``typer._click``)."""
    try:
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    click = _click_exceptions()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app = build_app()
        # Not standalone, so a usage error reaches us and can get a hint before it is shown.
        code = app(args=args, prog_name="apophenic", standalone_mode=False)
    except ApophenicError as exc:
        fail(str(exc))
    except click.ClickException as exc:
        hint = split_set_hint(exc.format_message(), args) if isinstance(exc, click.UsageError) else None
        if hint:
            fail(hint)
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:  # typer's own (its vendored click has none)
        print("Aborted!", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt as exc:
        stopped(exc)
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def stopped(exc: KeyboardInterrupt) -> None:
    """Say where an interrupted run's work is (one line on stderr); a plain Ctrl-C says nothing more."""
    from apophenic.interrupt import RunInterrupted

    if isinstance(exc, RunInterrupted):
        where = f"at step {exc.step}/{exc.steps}" if exc.steps else "between stages"
        if not exc.folder.is_dir():  # the run sat inside a command's own folder, which was not finished
            print(f"interrupted {where}: nothing was kept", file=sys.stderr, flush=True)
            return
        then = f"continue: apophenic run --resume {exc.folder}" if exc.resumable else "it cannot be resumed; rerun to finish"
        print(f"interrupted {where}: the work so far is in {exc.folder}/ ({then})", file=sys.stderr, flush=True)
