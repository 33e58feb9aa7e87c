"""``apophenic presets``: list presets and show one."""

from __future__ import annotations

import typer

presets_app = typer.Typer(help="List the presets, or show one.", invoke_without_command=True, no_args_is_help=False)


def install(app: typer.Typer) -> None:
    app.add_typer(presets_app, name="presets")


@presets_app.callback()
def list_presets(ctx: typer.Context) -> None:
    """List every preset with its one-line description and the plugin it comes from."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from apophenic.preset_loader import read_toml
    from apophenic.registry import get_registry

    registry = get_registry()
    table = Table("preset", "description", "from")
    for name, (path, plugin) in sorted(registry.presets.items()):
        try:
            description = str(read_toml(path).get("description", ""))
        except Exception as exc:  # a broken preset is listed, not fatal
            description = f"[red]unreadable: {exc}[/]"
        table.add_row(name, description, plugin)
    Console().print(table)


@presets_app.command("show")
def show(
    name: str = typer.Argument(..., help="Preset name or path."),
    resolved: bool = typer.Option(False, "--resolved", help="Print the result of `extends` and `set` merged, as TOML."),
) -> None:
    """Print a preset's TOML (as written, or fully merged with --resolved)."""
    from apophenic.preset_loader import load_data, locate

    if not resolved:
        typer.echo(locate(name).read_text(), nl=False)
        return
    import tomli_w

    data, _ = load_data(name)
    typer.echo(tomli_w.dumps(data), nl=False)
