"""``apophenic plugins``: what is installed, with versions, hooks and errors."""

from __future__ import annotations

import typer

plugins_app = typer.Typer(help="List installed plugins.", invoke_without_command=True)


def install(app: typer.Typer) -> None:
    app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
def list_plugins(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
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
    if as_json:
        rows = [{"name": i.name, "version": i.version, "hooks": i.hooks, "error": i.error} for i in registry.plugins.values()]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("plugin", "version", "hooks", "status")
    for info in registry.plugins.values():
        status = f"[red]broken: {escape(info.error)}[/]" if info.broken else "ok"
        table.add_row(info.name, info.version or "-", ", ".join(info.hooks), status)
    Console(soft_wrap=True).print(table)
