"""What every generated hostile input must do: refuse in one line with exit 2, or work (exit 0);
never a traceback, never code run, never files left beside the inputs."""

from __future__ import annotations

import os

from hypothesis import settings

FUZZ = settings.get_profile("hostile-slow" if os.environ.get("APOPHENIC_FUZZ") == "slow" else "hostile")


def assert_contract_or_success(verdict) -> None:
    """A generated input may happen to be valid; what it must never do is crash, run code or leave files."""
    if verdict.code == 0:
        assert "code_executed" not in verdict.problems, verdict.explain()
        assert "traceback" not in verdict.problems, verdict.explain()
        return
    assert verdict.handled, verdict.explain()
