"""Training under torchrun with DistributedDataParallel (gloo, 2 CPU processes) equals one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from apophenic.plugins.sentiment.streams import Source, StreamDeal
from sentiment_support import write_train_preset

BIN = Path(sys.executable).parent
TORCHRUN = BIN / "torchrun"
APOPHENIC = BIN / "apophenic"
needs_torchrun = pytest.mark.skipif(not TORCHRUN.is_file() or not APOPHENIC.is_file(),
                                    reason="torchrun / apophenic scripts are not installed beside this python")


def _free_port() -> int:
    """A TCP port nobody listens on now (other test runs on this machine must not collide)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    env.pop("WORLD_SIZE", None)
    env.pop("RANK", None)
    return env


def _train(args: list[str], cwd: Path, procs: int = 1, extra: list[str] = ()) -> subprocess.CompletedProcess:
    if procs == 1:
        cmd = [str(APOPHENIC), "sentiment", "train", *args]
    else:
        cmd = [str(TORCHRUN), "--nproc-per-node", str(procs), "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
               *extra, "--no-python", str(APOPHENIC), "sentiment", "train", *args]
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)


def _losses(run: Path) -> list[float]:
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    return [e["loss_bpc"] for e in log]


def test_the_stream_deal_does_not_depend_on_the_process_count(imdb_small):
    sources = [Source(imdb_small, text="review")]
    one = StreamDeal(sources, 0.2, 0, 0, streams=6, seq_len=16, own=range(6))
    halves = [StreamDeal(sources, 0.2, 0, 0, streams=6, seq_len=16, own=range(r * 3, r * 3 + 3)) for r in (0, 1)]
    for _ in range(40):  # several documents per stream: the deal must stay in step
        assert torch.equal(one.next_window(), torch.cat([h.next_window() for h in halves]))


@needs_torchrun
def test_two_processes_under_torchrun_train_like_one(tmp_path, imdb_small):
    preset = write_train_preset(tmp_path, imdb_small, arch="lstm")
    common = ["-p", str(preset), "--set", "steps=3", "--set", "eval_every=3", "--set", "checkpoint_every=3"]
    single = _train([*common, "-o", str(tmp_path / "one")], tmp_path)
    ddp = _train([*common, "-o", str(tmp_path / "two")], tmp_path, procs=2)
    assert single.returncode == 0, single.stderr[-2000:]
    assert ddp.returncode == 0, ddp.stderr[-2000:]
    assert _losses(tmp_path / "two") == pytest.approx(_losses(tmp_path / "one"), abs=2e-4)
    meta = torch.load(tmp_path / "two" / "model.pt", weights_only=True)["meta"]
    assert meta["processes"] == 2


@needs_torchrun
@pytest.mark.slow
@pytest.mark.parametrize("arch", ["lstm", "mlstm"])
def test_ddp_equals_one_process_and_resumes_with_another_process_count(tmp_path, imdb_small, arch):
    """8 steps in 2 processes = 8 steps in 1; a 2-process run stopped at step 4 resumes in 1 process to the same weights."""
    preset = write_train_preset(tmp_path, imdb_small, arch=arch)
    # A constant rate: the schedule of a run told to stop at step 4 equals the first half of an 8-step run.
    rate = ["--set", 'lr_schedule="constant"', "--set", "warmup=0"]
    common = ["-p", str(preset), *rate, "--set", "steps=8", "--set", "eval_every=4", "--set", "checkpoint_every=4"]
    assert _train([*common, "-o", str(tmp_path / "one")], tmp_path).returncode == 0
    assert _train([*common, "-o", str(tmp_path / "two")], tmp_path, procs=2).returncode == 0
    assert _losses(tmp_path / "two") == pytest.approx(_losses(tmp_path / "one"), abs=2e-4)
    half = ["-p", str(preset), *rate, "--set", "steps=4", "--set", "eval_every=4", "--set", "checkpoint_every=4"]
    assert _train([*half, "-o", str(tmp_path / "mixed")], tmp_path, procs=2).returncode == 0
    assert _train([*common, "-o", str(tmp_path / "mixed")], tmp_path).returncode == 0
    a = torch.load(tmp_path / "one" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "mixed" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)


@needs_torchrun
def test_a_corpus_one_node_cannot_read_fails_every_rank_with_one_line(tmp_path, imdb_small):
    """Two 'nodes' (two torchrun launches) whose working folders differ: only node 0 has the data."""
    nodes = [tmp_path / "node0", tmp_path / "node1"]
    for node in nodes:
        (node / "data").mkdir(parents=True)
    shutil.copy(imdb_small, nodes[0] / "data" / "reviews.csv")
    preset_text = write_train_preset(tmp_path, Path("data/reviews.csv")).read_text()
    for node in nodes:
        (node / "train.toml").write_text(preset_text)
    port = str(_free_port())
    cmd = lambda rank: [str(TORCHRUN), "--nnodes", "2", "--node-rank", str(rank), "--nproc-per-node", "1",  # noqa: E731
                        "--master-addr", "127.0.0.1", "--master-port", port, "--no-python", str(APOPHENIC),
                        "sentiment", "train", "-p", "train.toml", "-o", "out"]
    procs = [subprocess.Popen(cmd(r), cwd=nodes[r], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for r in (0, 1)]
    results = [p.communicate(timeout=300) for p in procs]
    for rank, (proc, (_, err)) in enumerate(zip(procs, results)):
        assert proc.returncode != 0
        ours = [line for line in err.splitlines() if line.startswith("error: ")]
        assert len(ours) == 1, err[-3000:]
        assert ours[0].startswith(f"error: rank {rank}/2: ")
        assert "data/reviews.csv: no such corpus file" in ours[0]
        assert not (nodes[rank] / "out").exists()
    assert "stopped because rank 1 failed" in [l for l in results[0][1].splitlines() if l.startswith("error: ")][0]


@needs_torchrun
@pytest.mark.slow
def test_sigkilled_training_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, imdb_small):
    import signal
    import time

    preset = write_train_preset(tmp_path, imdb_small, arch="lstm")
    args = ["-p", str(preset), "--set", "steps=300", "--set", "checkpoint_every=10", "--set", "eval_every=100"]
    assert _train([*args, "-o", str(tmp_path / "straight")], tmp_path).returncode == 0
    run = tmp_path / "killed"
    proc = subprocess.Popen([str(APOPHENIC), "sentiment", "train", *args, "-o", str(run)], cwd=tmp_path, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (run / "last.pt").exists() and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(run / "last.pt", weights_only=True)["training"]["step"]
    assert killed_at < 300 and not (run / "model.pt").exists()  # it really died mid-run
    assert _train([*args, "-o", str(run)], tmp_path).returncode == 0
    a = torch.load(tmp_path / "straight" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(run / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
