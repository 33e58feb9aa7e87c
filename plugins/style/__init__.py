"""The ``style`` plugin: cross-domain synthesis.

Gatys content + Gram-matrix style objectives on any perceiver (VGG-19, random-weight
shallow networks, EfficientNet-Lite), colour preservation, style scale, blended styles,
region masks; ``apophenic style transfer`` adds coarse-to-fine passes and seamless
tiling; ``apophenic style audio`` does style transfer on spectrograms (Ulyanov & Lebedev).
"""

from __future__ import annotations

from pathlib import Path

from apophenic import hookimpl

PRESETS = Path(__file__).parent / "presets"
DATA = Path(__file__).parent / "data"

# Presets that `apophenic run` can run; style-audio.toml is the `apophenic style audio` command's own format.
RUN_PRESETS = ("style-transfer", "style-random-net", "style-strokes")


@hookimpl
def register_generators(register):
    from apophenic.plugins.style.generator import StyleImageConfig

    register(StyleImageConfig)


@hookimpl
def register_objectives(register):
    from apophenic.plugins.style.objectives import ContentConfig, StyleConfig

    register(ContentConfig)
    register(StyleConfig)


@hookimpl
def register_presets(register):
    for name in RUN_PRESETS:
        path = PRESETS / f"{name}.toml"
        if path.is_file():
            register(path)


@hookimpl
def register_commands(cli):
    from apophenic.plugins.style.cli import app

    cli.add_typer(app, name="style")
