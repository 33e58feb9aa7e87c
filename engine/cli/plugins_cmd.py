"""``apophenic plugins``: what is installed, with versions, hooks and errors."""

from __future__ import annotations

from pathlib import Path

import typer

plugins_app = typer.Typer(help="List installed plugins, or start a new one (apophenic plugins new NAME).", invoke_without_command=True)


def install(app: typer.Typer) -> None:
    app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
def list_plugins(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    check: bool = typer.Option(False, "--check", help="Also run the built-in plugins' component hooks (imports torch, about a second) to report a broken installation."),
) -> None:
    """List plugins: name, version, the hooks each provides, and why a broken one is broken."""
    if ctx.invoked_subcommand is not None:
        return
    import json

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from apophenic.registry import get_registry

    registry = get_registry()
    # A third-party plugin can clash with a built-in or raise in a component hook, which only
    # running the hooks shows (and they import torch). With only the built-ins installed, whose
    # registrations the test suite covers, the listing answers from loading alone, without torch.
    if check or registry.third_party_components_pending():
        registry.collect_components()
    plugins = registry.loaded_plugins
    if as_json:
        rows = [{"name": i.name, "version": i.version, "hooks": i.hooks, "error": i.error} for i in plugins.values()]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("plugin", "version", "hooks", "status")
    for info in plugins.values():
        status = f"[red]broken: {escape(info.error)}[/]" if info.broken else "ok"
        table.add_row(info.name, info.version or "-", ", ".join(info.hooks), status)
    Console(soft_wrap=True).print(table)


@plugins_app.command("new")
def new_plugin(
    name: str = typer.Argument(..., help="Plugin name: lowercase words joined by '-', e.g. demo or soft-blobs."),
    kind: str = typer.Option("generator", "--kind", "-k", help="What the plugin adds: generator, perceiver or objective."),
    directory: Path = typer.Option(Path("."), "--dir", help="Folder in which the package folder NAME is created."),
) -> None:
    """Write a ready plugin package NAME/ (pyproject, module, preset, test) that passes its own test."""
    from apophenic.registry import get_registry
    from apophenic.scaffold import files, module_name, scaffold

    folder = scaffold(name, kind.lower(), directory, registry=get_registry())
    typer.echo(f"wrote {folder}/ with a working {kind.lower()} {name!r}:")
    for rel in files(name, kind.lower()):
        typer.echo(f"  {folder / rel}")
    steps = [(f"pip install -e {folder}", f"registers the plugin (entry point {name} = {module_name(name)})"),
             (f"apophenic run {name}", "renders its preset into apophenic-out/"),
             (f"python -m pytest {folder / 'tests'}", "runs its own tests")]
    width = max(len(cmd) for cmd, _ in steps)
    typer.echo("next:")
    for cmd, why in steps:
        typer.echo(f"  {cmd.ljust(width)}   # {why}")
