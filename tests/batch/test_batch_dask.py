"""The Dask executor against a real LocalCluster on loopback, and a scheduler that does not answer."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from apophenic.batch import run_batch
from apophenic.batch.journal import Journal, is_complete
from apophenic.errors import ApophenicError
from batch_support import write_tiny

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")

TWO_RUNS = """\
[[grid]]
presets = ["tiny.toml"]
seeds = [0, 1]

[[runs]]
preset = "tiny.toml"
set = ['perceivers[0]={type = "random-cnn", kernels = [4]}']
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_local_cluster_renders_the_batch(tmp_path: Path) -> None:
    manifest = write_tiny(tmp_path, TWO_RUNS)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        report = run_batch(manifest, out, executor="dask", scheduler=cluster.scheduler_address, progress=False)
    assert report.counts == {"pending": 0, "running": 0, "done": 2, "failed": 1}
    runs = Journal.read(out)["runs"]
    done = [e for e in runs if e["state"] == "done"]
    assert all(is_complete(out / e["name"]) for e in done)
    assert all(int(e["worker"].rsplit(":", 1)[1]) != os.getpid() for e in done)  # rendered in cluster workers
    from apophenic.batch.worker import cpu_count

    assert {e["threads"] for e in done} == {max(1, cpu_count() // 2)}  # the host's cores split between 2 workers
    failed = [e for e in runs if e["state"] == "failed"]
    assert "kernel sizes must be odd" in failed[0]["error"]
    assert (out / "gallery" / "index.html").is_file()


def test_scheduler_that_does_not_answer_is_one_line_and_loses_nothing(rendered, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(rendered.out, out)
    journal = (out / "batch.json").read_bytes()
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ApophenicError) as err:
        run_batch(rendered.manifest, out, executor="dask", scheduler=address, timeout=2, progress=False)
    message = str(err.value)
    assert message.startswith(f"scheduler {address}: no answer within 2 s") and "\n" not in message
    assert (out / "batch.json").read_bytes() == journal
    assert json.loads(journal)["counts"]["done"] == 4
