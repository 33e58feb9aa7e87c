"""Ctrl-C and SIGTERM on a real `apophenic run` process: the work is kept, or with a second signal nothing is."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def _start(tmp_path: Path, tiny_preset: Path, steps: int = 100000) -> subprocess.Popen:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "COLUMNS": "100"}
    return subprocess.Popen(
        [sys.executable, "-m", "apophenic.cli", "run", str(tiny_preset), "--out", "out", "--steps", str(steps),
         "--set", "output.preview_every=1", "--set", "output.snapshot_every=2"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_step(tmp_path: Path, step: int, proc: subprocess.Popen, timeout: float = 180) -> Path:
    """The run's visible folder once its progress.json says ``step`` was done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for folder in (tmp_path / "out").glob("[!.]*"):
            try:
                if json.loads((folder / "progress.json").read_text())["step"] >= step:
                    return folder
            except (OSError, ValueError):
                pass
        time.sleep(0.05)
    raise AssertionError("the run never reached step %d" % step)


def _interrupt(tmp_path: Path, proc: subprocess.Popen, *signals: int, step: int = 3) -> tuple[Path, int, str]:
    folder = _wait_for_step(tmp_path, step, proc)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.01)
    _, err = proc.communicate(timeout=120)
    return folder, proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, pytest.param(signal.SIGINT, marks=pytest.mark.slow)])
def test_one_signal_keeps_the_work_and_says_where(tmp_path, tiny_preset, sig):
    proc = _start(tmp_path, tiny_preset)
    folder, code, err = _interrupt(tmp_path, proc, sig)
    assert code == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1] == (f"interrupted at step {json.loads((folder / 'run.json').read_text())['stopped_at']}/100000: "
                         f"the work so far is in out/{folder.name}/ (continue: apophenic run --resume out/{folder.name})")
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "interrupted" and record["stopped_at"] >= 3
    assert {"final.png", "resume.pt"} <= set(record["files"]) and (folder / "final.png").is_file()
    snapshots = sorted(p.name for p in (folder / "snapshots").iterdir())
    assert snapshots[0] == "step-00002.png" and len(snapshots) == record["stopped_at"] // 2
    assert [p.name for p in (tmp_path / "out").iterdir()] == [folder.name]  # nothing hidden left behind
    assert not (folder / "preview.png").exists()


@pytest.mark.slow
def test_a_resumed_cli_run_gives_the_uninterrupted_pixels(tmp_path, tiny_preset):
    proc = _start(tmp_path, tiny_preset, steps=30)
    folder, code, _ = _interrupt(tmp_path, proc, signal.SIGINT, step=5)
    assert code == 130
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
    cli = [sys.executable, "-m", "apophenic.cli", "run"]
    subprocess.run([*cli, "--resume", f"out/{folder.name}", "-q"], cwd=tmp_path, env=env, check=True)
    subprocess.run([*cli, str(tiny_preset), "--out", "whole", "--steps", "30", "--set", "output.preview_every=1",
                    "--set", "output.snapshot_every=2", "-q"], cwd=tmp_path, env=env, check=True)
    (whole,) = (tmp_path / "whole").iterdir()
    assert np.array_equal(np.asarray(Image.open(folder / "final.png")), np.asarray(Image.open(whole / "final.png")))


@pytest.mark.slow
def test_a_second_signal_quits_at_once_keeping_nothing(tmp_path, tiny_preset):
    proc = _start(tmp_path, tiny_preset)
    _, code, err = _interrupt(tmp_path, proc, signal.SIGINT, signal.SIGINT)
    assert code == 130 and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # not the run folder, not the hidden one, not the output folder


def test_an_interrupted_pipeline_resumes_from_the_command_line(tmp_path, tiny_preset, command_process):
    (tmp_path / "pipe.toml").write_text("""
seed = 4
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 2 }
[[stages]]
name = "refine"
preset = "tiny.toml"
init = "image"
optimizer = { steps = 60 }
output = { preview_every = 1 }
""")

    def in_second_stage() -> bool:
        for folder in (tmp_path / "out").glob("[!.]*"):
            try:
                progress = json.loads((folder / "progress.json").read_text())
            except (OSError, ValueError):
                continue
            if "02-refine" in progress.get("run", "") and progress.get("step", 0) >= 3:
                return True
        return False

    proc = command_process.start(tmp_path, "run", "pipe.toml", "--out", "out")
    command_process.wait(proc, in_second_stage)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    (folder,) = (tmp_path / "out").iterdir()
    assert command_process.last_line(err).endswith(f"(continue: apophenic run --resume out/{folder.name})")
    done = subprocess.run([sys.executable, "-m", "apophenic.cli", "run", "--resume", f"out/{folder.name}"],
                          cwd=tmp_path, env=command_process.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "stage 1/2 draw: kept from the interrupted run" in done.stdout and "(continuing where it stopped)" in done.stdout
    assert f"out/{folder.name}  2 stage runs in " in done.stdout  # the pipeline's summary
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "finished" and [s["stage"] for s in record["stages"]] == ["draw", "refine"]
    refine = json.loads((folder / record["stages"][1]["folder"] / "run.json").read_text())
    assert refine["status"] == "finished" and refine["resumed_from"][0] >= 3
