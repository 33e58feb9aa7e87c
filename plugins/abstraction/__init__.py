"""The ``abstraction`` plugin: Perception Engines (White 2018).

A constrained drawing (strokes, rectangles, blobs) is optimized until an ensemble of
ImageNet classifiers sees a chosen class, then scored on classifiers that were held
out of the optimization. Contributes transforms (perspective, colour jitter, blur),
presets (``perception-engine``, ``mondrian``, ``ink``, ``blobs``) and the commands
``apophenic abstraction sweep`` and ``apophenic abstraction leave-one-out``.
"""

from __future__ import annotations

from pathlib import Path

import apophenic

PRESETS = Path(__file__).parent / "presets"


@apophenic.hookimpl
def register_transforms(register) -> None:
    """Perspective, colour jitter and blur: views that make a drawing robust rather than adversarial."""
    from apophenic.plugins.abstraction import transforms

    register(transforms.PerspectiveConfig)
    register(transforms.ColorJitterConfig)
    register(transforms.BlurConfig)


@apophenic.hookimpl
def register_presets(register) -> None:
    """``perception-engine``, ``mondrian``, ``ink``, ``blobs``."""
    if PRESETS.is_dir():
        register(PRESETS)


@apophenic.hookimpl
def register_commands(cli) -> None:
    """Add ``apophenic abstraction sweep`` and ``apophenic abstraction leave-one-out``."""
    from apophenic.plugins.abstraction.cli import install

    install(cli)
