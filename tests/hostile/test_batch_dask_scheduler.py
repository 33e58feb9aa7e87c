"""Dask with a bad ``--scheduler`` or ``--timeout``: one line, exit 2, no stray traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from contract import assert_handled

from batch_presets import write_tiny

RUN = '[[runs]]\npreset = "tiny.toml"\n'


@pytest.mark.parametrize("address", ["garbage", "::::", "tcp://[::1", "tcp://127.0.0.1:0", "tcp://host:99999",
                                     "ucx://host:1", "tcp://:8786", ""])
def test_batch_malformed_scheduler(hostile, tmp_path: Path, address: str) -> None:
    manifest = write_tiny(tmp_path, RUN)
    out = tmp_path / "out"
    verdict = hostile(f"batch-scheduler-{address!r}", ["batch", str(manifest), "--out", str(out), "--scheduler", address],
                      watch=[tmp_path])
    assert_handled(verdict)
    assert not out.exists()


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "1e309", "100000"])
def test_batch_bad_timeout(hostile, tmp_path: Path, timeout: str) -> None:
    manifest = write_tiny(tmp_path, RUN)
    verdict = hostile(f"batch-timeout-{timeout}", ["batch", str(manifest), "--out", str(tmp_path / "out"),
                                                   "--scheduler", "tcp://127.0.0.1:1", "--timeout", timeout],
                      watch=[tmp_path])
    assert_handled(verdict)


def test_batch_unreachable_scheduler_leaves_no_lock(hostile, tmp_path: Path) -> None:
    """A well-formed address nobody answers: bounded by --timeout, and no out folder or .batch.lock appears."""
    manifest = write_tiny(tmp_path, RUN)
    out = tmp_path / "out"
    verdict = hostile("batch-scheduler-unreachable", ["batch", str(manifest), "--out", str(out),
                                                       "--scheduler", "tcp://127.0.0.1:1", "--timeout", "1"],
                      watch=[tmp_path])
    assert_handled(verdict)
    assert "no answer within 1 s" in verdict.err


@pytest.mark.parametrize("address", ["garbage", "tcp://127.0.0.1:1"])
def test_batch_bad_scheduler_prints_one_line_in_a_real_process(tmp_path: Path, address: str) -> None:
    """The stray traceback came from a Client's __del__ at interpreter exit: only a real process shows it."""
    manifest = write_tiny(tmp_path, RUN)
    result = subprocess.run([sys.executable, "-m", "apophenic.cli", "batch", str(manifest), "--out", str(tmp_path / "out"),
                             "--scheduler", address, "--timeout", "1"],
                            capture_output=True, text=True, timeout=120, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert not (tmp_path / "out").exists()
