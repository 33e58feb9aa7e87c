"""Fixtures for the hostile-input suite: a canary for code execution, a judge for the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import CANARY_NAME, Verdict, judge


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """Where a malicious payload in a test writes; it must never exist after a case."""
    return tmp_path / CANARY_NAME


@pytest.fixture
def hostile(capsys, canary):
    """``hostile(case, argv, watch=[...], keep=[...])`` runs the CLI and returns its Verdict."""

    def run(case: str, argv: list[str], **kwargs) -> Verdict:
        kwargs.setdefault("canary", canary)
        return judge(case, argv, capsys, **kwargs)

    return run


@pytest.fixture
def evil_pickle(canary: Path):
    """``evil_pickle(path)`` writes a pickle whose loading writes the canary file."""
    import pickle

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (canary, "pwned"))

    def write(path: Path, protocol: int = 2) -> Path:
        path.write_bytes(pickle.dumps(Payload(), protocol=protocol))
        return path

    return write
