"""Example for ``register_commands``: an ``apophenic kinds`` command."""

# --8<-- [start:example]
import typer

from apophenic import hookimpl


@hookimpl
def register_commands(cli: typer.Typer):
    @cli.command("kinds")
    def kinds(kind: str = typer.Option(None, "--kind", help="Only this kind, e.g. generator.")) -> None:
        """Count the registered components of each kind."""
        from apophenic.registry import KINDS, get_registry

        registry = get_registry()
        for name in KINDS:
            if kind in (None, name):
                typer.echo(f"{name}: {len(registry.components[name])}")
# --8<-- [end:example]
