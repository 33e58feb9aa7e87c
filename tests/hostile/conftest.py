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


# Generated (hypothesis) cases: a few per test in the default run, many more with
# APOPHENIC_FUZZ=slow (e.g. `APOPHENIC_FUZZ=slow python -m pytest -q tests/hostile -k fuzz`).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("hostile", max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("hostile-slow", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
