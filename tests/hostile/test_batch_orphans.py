"""``kill -9`` of a batch leaves no worker process behind, and a restart finds none of the old ones running.

A real batch runs in a subprocess with two pool workers mid-render; it is killed with
SIGKILL (no cleanup code of ours runs), and every process it had started (pool workers,
multiprocessing's resource tracker) must be gone within seconds — each one held about
330 MB before, forever.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from batch_presets import write_tiny

SURVIVAL_SECONDS = 10


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _workers_rendering(batch: subprocess.Popen, out: Path, workers: int, deadline: float) -> list[psutil.Process]:
    """Wait until the batch's pool workers are all rendering (each has a staging folder in ``out``)."""
    while time.monotonic() < deadline:
        if batch.poll() is not None:
            pytest.fail(f"the batch ended before it was killed: {batch.stderr.read().decode()[-2000:]}")
        if len(list(out.glob(".tmp-*"))) >= workers:
            return _descendants(batch.pid)
        time.sleep(0.2)
    pytest.fail("the batch's workers never started rendering")


@pytest.mark.slow
def test_batch_kill9_leaves_no_worker_running(tmp_path: Path) -> None:
    from apophenic.batch.journal import clean_leftovers
    from apophenic.output import staging_pid

    runs = "".join(f'[[runs]]\npreset = "tiny.toml"\nseed = {seed}\nset = ["optimizer.steps=100000"]\n' for seed in (1, 2))
    manifest = write_tiny(tmp_path, runs)
    out = tmp_path / "out"
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    batch = subprocess.Popen([sys.executable, "-m", "apophenic.cli", "batch", str(manifest), "--out", str(out), "-w", "2", "-q"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started: list[psutil.Process] = []
    try:
        started = _workers_rendering(batch, out, 2, time.monotonic() + 240)
        assert len(started) >= 2, started  # two pool workers (and the resource tracker)
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(10)
        _, alive = psutil.wait_procs(started, timeout=SURVIVAL_SECONDS)
        held = sum(p.memory_info().rss for p in alive if p.is_running()) / 2**20 if alive else 0
        assert not alive, f"{len(alive)} processes outlived the killed batch ({held:.0f} MB): {alive}"
        # A restarted batch: none of the old writers runs, so their half-written folders go.
        leftovers = list(out.glob(".tmp-*"))
        assert all(not psutil.pid_exists(staging_pid(p)) for p in leftovers), leftovers
        assert sorted(clean_leftovers(out)) == sorted(leftovers)
    finally:  # never leave a failing case's processes running
        for process in [*_descendants(batch.pid), *started]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        if batch.poll() is None:
            batch.kill()
            batch.wait(10)
