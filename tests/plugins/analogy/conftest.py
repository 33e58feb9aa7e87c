"""Fixtures for the analogy plugin: small real vectors and a CLI runner."""

from __future__ import annotations

import numpy as np
import pytest

from apophenic.plugins.analogy.vectors import WordVectors


@pytest.fixture
def small_vectors() -> WordVectors:
    """Eight words with an exact gender/royalty structure plus noise words (deterministic)."""
    rng = np.random.default_rng(0)
    male, female, royal, base = (rng.normal(size=16) for _ in range(4))
    words = {
        "man": base + male,
        "woman": base + female,
        "king": base + male + royal,
        "queen": base + female + royal,
        "boy": base + male + 0.3 * rng.normal(size=16),
        "apple": rng.normal(size=16),
        "car": rng.normal(size=16),
        "tree": rng.normal(size=16),
    }
    return WordVectors(list(words), np.stack(list(words.values())).astype(np.float32), source="small")


@pytest.fixture
def run_cli(capsys):
    """Run ``apophenic ARGS`` in-process: (exit code, stdout, stderr)."""
    from apophenic.cli import main

    def run(args: list[str]) -> tuple[int, str, str]:
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
