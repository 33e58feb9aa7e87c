"""The ``sentiment`` plugin: a byte-level review model that discovers sentiment.

Radford, Jozefowicz & Sutskever 2017: a recurrent network trained only to
predict the next byte of reviews comes to represent sentiment in a single
unit; an L1 logistic probe finds it, and clamping it steers what the model
writes. Commands live under ``apophenic sentiment``.
"""

from __future__ import annotations

import apophenic


@apophenic.hookimpl
def register_commands(cli) -> None:
    """Add ``apophenic sentiment ...`` (train, probe, generate, card, classify, export, presets)."""
    from apophenic.plugins.sentiment.cli import install

    install(cli)
