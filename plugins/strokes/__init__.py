"""The `strokes` plugin: a constrained stroke/blob/rectangle drawing as a generator.

Registers the ``strokes`` generator (:class:`StrokesConfig` -> :class:`StrokesGenerator`),
rendered by :mod:`apophenic.renderers` and exported as SVG plus a print PNG.
"""

from __future__ import annotations

from apophenic import hookimpl
from apophenic.plugins.strokes.config import StrokesConfig
from apophenic.plugins.strokes.generator import StrokesGenerator

__all__ = ["StrokesConfig", "StrokesGenerator"]


@hookimpl
def register_generators(register):
    register(StrokesConfig)


@hookimpl
def register_presets(register):
    from pathlib import Path

    register(Path(__file__).parent / "presets")
