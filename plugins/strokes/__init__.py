"""The `strokes` plugin: a constrained stroke/blob/rectangle drawing as a generator.

Registers the ``strokes`` generator (:class:`StrokesConfig` -> :class:`StrokesGenerator`),
rendered by :mod:`apophenic.renderers` and exported as SVG plus a print PNG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apophenic import hookimpl

if TYPE_CHECKING:
    from apophenic.plugins.strokes.config import StrokesConfig
    from apophenic.plugins.strokes.generator import StrokesGenerator

__all__ = ["StrokesConfig", "StrokesGenerator"]


def __getattr__(name: str) -> Any:
    # Both modules import torch; loading the plugin (`apophenic --help`, `apophenic presets`) must not.
    if name == "StrokesConfig":
        from apophenic.plugins.strokes.config import StrokesConfig

        return StrokesConfig
    if name == "StrokesGenerator":
        from apophenic.plugins.strokes.generator import StrokesGenerator

        return StrokesGenerator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def register_generators(register):
    from apophenic.plugins.strokes.config import StrokesConfig

    register(StrokesConfig)


@hookimpl
def register_presets(register):
    from pathlib import Path

    register(Path(__file__).parent / "presets")
