"""``apophenic layers`` and ``apophenic classes``: what perceivers can be asked about."""

from __future__ import annotations

from typing import Optional

import typer


def install(app: typer.Typer) -> None:
    app.command("layers")(layers)
    app.command("classes")(classes)


def layers(
    perceiver: str = typer.Argument(..., help="Perceiver type, e.g. efficientnet-lite0 or random-cnn."),
    size: Optional[int] = typer.Option(None, "--size", help="Input side used to compute output shapes."),
) -> None:
    """List a perceiver's layer names, their output shapes and aliases."""
    from rich.console import Console
    from rich.table import Table

    from apophenic.component import BuildContext
    from apophenic.registry import get_registry

    config_cls = get_registry().config("perceiver", perceiver)
    built = config_cls(type=perceiver).build(BuildContext())
    shapes = built.layer_shapes(size)
    alias_of = {}
    for alias, exact in built.aliases.items():
        alias_of.setdefault(exact, []).append(alias)
    table = Table("layer", "output shape", "alias")
    for name, shape in shapes.items():
        table.add_row(name, "×".join(map(str, shape)), ", ".join(alias_of.get(name, [])))
    Console().print(table)


def classes(query: Optional[str] = typer.Argument(None, help="Words that must all appear in the class name.")) -> None:
    """Search the 1000 ImageNet class names (index and full name)."""
    from apophenic.imagenet import search

    hits = search(query or "")
    for index, name in hits:
        typer.echo(f"{index:4d}  {name}")
    if not hits:
        from apophenic.errors import ApophenicError
        from apophenic.imagenet import match_class

        try:  # the same suggestions `run` gives for a misspelled target
            match_class(query or "")
        except ApophenicError as exc:
            hint = str(exc).partition("; ")[2]
            raise ApophenicError(f"no ImageNet class matches {query!r}" + (f"; {hint}" if hint.startswith("did you mean") else "")) from None
        raise ApophenicError(f"no ImageNet class matches {query!r}")
