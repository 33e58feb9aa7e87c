"""The `dream` plugin: DeepDream on photos and activation maximization from noise.

Registers the `photo` generator, the `deepdream` optimizer (octaves, jitter,
normalized gradient steps, tiled gradients), the `diversity` and `unit` objectives, the
presets `dream-shallow`, `dream-deep`, `visualize-channel`, `visualize-class`,
and the `apophenic dream PHOTO` command.
"""

from __future__ import annotations

from pathlib import Path

from apophenic import hookimpl

PRESETS = Path(__file__).parent / "presets"


@hookimpl
def register_generators(register):
    from apophenic.plugins.dream.photo import PhotoConfig

    register(PhotoConfig)


@hookimpl
def register_optimizers(register):
    from apophenic.plugins.dream.deepdream import DeepDreamConfig

    register(DeepDreamConfig)


@hookimpl
def register_objectives(register):
    from apophenic.plugins.dream.diversity import DiversityConfig
    from apophenic.plugins.dream.unit import UnitConfig

    register(DiversityConfig)
    register(UnitConfig)


@hookimpl
def register_presets(register):
    register(PRESETS)


@hookimpl
def register_commands(cli):
    from apophenic.plugins.dream.cli import install

    install(cli)
