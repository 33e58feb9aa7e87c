"""The ``analogy`` plugin: analogy and metaphor by vector arithmetic.

Word vectors (CBOW, Mikolov et al. 2013) answer A : B :: C : ? by
``B − A + C``; the same arithmetic on an image classifier's embedding
(Ha & Eck 2017 did it on sketch latents) makes a picture D that relates to C
as B relates to A. Commands live under ``apophenic analogy``; the
``embedding`` objective drives image analogies in any run.
"""

from __future__ import annotations

from pathlib import Path

import apophenic


@apophenic.hookimpl
def register_commands(cli) -> None:
    """Add ``apophenic analogy ...`` (train, query, evaluate, plot, classes, draw, image)."""
    from apophenic.plugins.analogy.cli import install

    install(cli)


@apophenic.hookimpl
def register_presets(register) -> None:
    """The analogy presets (image analogies, words to pictures)."""
    register(Path(__file__).parent / "presets")


@apophenic.hookimpl
def register_objectives(register) -> None:
    """The ``embedding`` objective: cosine of a perceiver's embedding to a target (image analogies)."""
    from apophenic.plugins.analogy.objective import EmbeddingConfig

    register(EmbeddingConfig)
