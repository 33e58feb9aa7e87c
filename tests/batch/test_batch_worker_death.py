"""A local worker process that dies mid-run (OOM killer, kill -9) costs only that run's time."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from apophenic.batch.executors import LocalExecutor
from apophenic.batch.journal import is_complete
from apophenic.batch.manifest import load_manifest
from apophenic.batch.plan import plan
from apophenic.batch.runner import _task
from apophenic.registry import get_registry
from batch_support import write_tiny


@pytest.mark.slow
def test_killed_worker_is_replaced_and_its_run_retried(tmp_path: Path) -> None:
    manifest = write_tiny(tmp_path, '[[runs]]\npreset = "tiny.toml"\nset = ["optimizer.steps=30"]\n')
    (planned,) = plan(load_manifest(manifest), manifest, get_registry())
    out = tmp_path / "out"
    out.mkdir()
    outcomes = []
    with LocalExecutor(1) as pool:
        pool.submit(_task(planned, out))
        killed = False
        deadline = time.monotonic() + 300
        while not outcomes and time.monotonic() < deadline:
            for event in pool.poll(0.2):
                if event[0] == "step" and not killed:
                    os.kill(int(event[1].split()[-1]), signal.SIGKILL)  # the worker is mid-optimization
                    killed = True
                elif event[0] == "done":
                    outcomes.append(event[1])
    assert killed
    assert outcomes and outcomes[0]["state"] == "done", outcomes
    assert is_complete(out / planned.name)
    assert not list(out.glob(".tmp-*"))  # the retry removed the dead worker's half-written folder
