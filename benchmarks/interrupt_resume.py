"""Interrupt test: Ctrl-C (or SIGTERM) real `apophenic run` processes at random steps, resume each, compare pixels.

    python benchmarks/interrupt_resume.py [--runs 20] [--steps 40] [--size 48] [--seed 0] [--pipeline] [--device auto]

One uninterrupted run gives the reference picture. Then each round starts the same run,
waits until its progress.json says a random step k was done, sends SIGINT (even rounds)
or SIGTERM (odd rounds), and checks the folder it left: exit 130, the one-line message,
run.json status "interrupted" with stopped_at >= k, final.png readable, resume.pt,
every snapshot up to stopped_at, nothing hidden left in the output folder. Then
`apophenic run --resume` finishes it and its final.png is compared with the reference.
Reported: intact folders and identical resumes out of the rounds. A signal that lands in
the last step lets the run finish (exit 0, status "finished"): counted intact, and its
picture compared directly.

With ``--pipeline`` the run is a two-stage pipeline (the same preset, then a second stage
starting from its picture, ``--steps`` each); the random step counts across both stages,
so some signals land in the first stage and some in the second. An intact folder there is
the pipeline's: status "interrupted", the finished stages and the interrupted one, the line
naming ``--resume``; the resumed pipeline's picture is compared with an uninterrupted one.

``--device`` (default auto: no ``--device`` on the command, as a user types it; auto, cpu, cuda or mps) goes to every ``apophenic run``; a resume keeps its run's device.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

PRESET = """
seed = 3
size = {size}
[generator]
type = "fourier"
[[perceivers]]
type = "efficientnet-lite0"
resize = 64
[[perceivers]]
type = "efficientnet-lite1"
resize = 64
held_out = true
[[objectives]]
type = "class"
target = "goldfish"
[[transforms]]
type = "jitter"
pixels = 2
[optimizer]
type = "adam"
lr = 0.05
steps = {steps}
schedule = "cosine"
[output]
preview_every = 1
snapshot_every = 5
"""

PIPELINE = """
seed = 3
[[stages]]
name = "first"
preset = "tiny.toml"
[[stages]]
name = "second"
preset = "tiny.toml"
init = "image"
"""

ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
CLI = [sys.executable, "-m", "apophenic.cli", "run"]


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def wait_for(out: Path, step: int, proc: subprocess.Popen) -> None:
    while proc.poll() is None:
        for progress in out.glob("[!.]*/progress.json"):
            try:
                if json.loads(progress.read_text())["step"] >= step:
                    return
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.02)


def left_behind(out: Path, code: int) -> tuple[list[str], Path | None, dict | None]:
    """What every interrupted command must leave: exit 130, one visible folder with a readable
    run.json and no live files, nothing hidden. Returns the problems, the folder and its record."""
    problems = []
    entries = list(out.iterdir())
    if [e for e in entries if e.name.startswith(".")]:
        problems.append(f"hidden leftovers {[e.name for e in entries]}")
    visible = [e for e in entries if not e.name.startswith(".")]
    if code != 130:
        problems.append(f"exit {code}")
    if len(visible) != 1:
        return problems + [f"{len(visible)} folders"], None, None
    folder = visible[0]
    if (folder / "preview.png").exists() or (folder / "progress.json").exists():
        problems.append("live files left in the published folder")
    try:
        return problems, folder, json.loads((folder / "run.json").read_text())
    except (OSError, ValueError) as exc:
        return problems + [f"run.json: {exc}"], folder, None


def check(out: Path, k: int, code: int, err: str) -> tuple[list[str], Path | None]:
    """Problems with an interrupted run's output folder (none: intact)."""
    problems, folder, record = left_behind(out, code)
    if record is None:
        return problems, folder
    stopped = record.get("stopped_at")
    if record.get("status") != "interrupted" or not isinstance(stopped, int) or stopped < k:
        problems.append(f"status {record.get('status')} stopped_at {stopped} (signal after step {k})")
    if not (folder / "resume.pt").is_file():
        problems.append("no resume.pt")
    try:
        pixels(folder / "final.png")
    except OSError as exc:
        problems.append(f"final.png: {exc}")
    want = [f"step-{s:05d}.png" for s in range(5, (stopped or 0) + 1, 5)]
    have = sorted(p.name for p in (folder / "snapshots").iterdir()) if (folder / "snapshots").is_dir() else []
    if have != want:
        problems.append(f"snapshots {have} != {want}")
    if not err.strip().splitlines() or not err.strip().splitlines()[-1].startswith(f"interrupted at step {stopped}/"):
        problems.append(f"message {err.strip().splitlines()[-1:]}")
    return problems, folder


def record_status(folder: Path) -> str | None:
    try:
        return json.loads((folder / "run.json").read_text()).get("status")
    except (OSError, ValueError):
        return None


def check_pipeline(out: Path, code: int, err: str) -> tuple[list[str], Path | None]:
    """Problems with an interrupted pipeline's output folder (none: intact)."""
    problems, folder, record = left_behind(out, code)
    if record is None:
        return problems, folder
    stages = record.get("stages") or []
    if record.get("status") != "interrupted" or not stages:
        problems.append(f"status {record.get('status')} with {len(stages)} stages")
    for stage in stages:
        if not (folder / stage["folder"] / "final.png").is_file():
            problems.append(f"stage {stage['stage']} has no final.png")
    last = err.strip().splitlines()[-1:] if err.strip() else []
    if not last or not last[0].startswith("interrupted ") or "--resume" not in last[0]:
        problems.append(f"message {last}")
    return problems, folder


def wait_for_pipeline(out: Path, step: int, steps: int, proc: subprocess.Popen) -> None:
    """Until the pipeline has done ``step`` steps counted across its two stages."""
    while proc.poll() is None:
        for progress in out.glob("[!.]*/progress.json"):
            try:
                data = json.loads(progress.read_text())
                done = data["step"] + (steps if "02-second" in data["run"] else 0)
                if done >= step:
                    return
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline", action="store_true", help="Interrupt a two-stage pipeline instead of one run.")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps; default auto (no --device given to runs)")
    args = parser.parse_args()
    device = [] if paired.check_run_device(args.device) == "auto" else ["--device", args.device]
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="apophenic-interrupt-"))
    preset = root / "tiny.toml"
    preset.write_text(PRESET.format(size=args.size, steps=args.steps))
    if args.pipeline:
        (root / "pipe.toml").write_text(PIPELINE)
        preset = root / "pipe.toml"
    total = args.steps * (2 if args.pipeline else 1)
    subprocess.run([*CLI, str(preset), *device, "--out", str(root / "whole"), "-q"], env=ENV, check=True)
    (reference,) = (root / "whole").iterdir()
    want = pixels(reference / "final.png")
    intact = identical = finished = 0
    started = time.perf_counter()
    for i in range(args.runs):
        out = root / f"cut-{i:02d}"
        k = rng.randint(1, total - 1)
        sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
        proc = subprocess.Popen([*CLI, str(preset), *device, "--out", str(out)], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if args.pipeline:
            wait_for_pipeline(out, k, args.steps, proc)
        else:
            wait_for(out, k, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=300)
        problems, folder = check_pipeline(out, proc.returncode, err) if args.pipeline else check(out, k, proc.returncode, err)
        same = False
        if folder is not None and not problems:
            done = subprocess.run([*CLI, "--resume", str(folder), "-q"], env=ENV, capture_output=True, text=True)
            same = done.returncode == 0 and np.array_equal(pixels(folder / "final.png"), want)
            if done.returncode:
                problems.append(f"resume exit {done.returncode}: {done.stderr.strip()[-200:]}")
        if folder is not None and problems and proc.returncode == 0 and record_status(folder) == "finished":
            # the signal came during the last step: the run simply finished, as it should
            problems, same = [], np.array_equal(pixels(folder / "final.png"), want)
            finished += 1
            print(f"run {i + 1:2d}: the signal came during the last step: finished, as an uninterrupted run", flush=True)
        identical += same
        intact += not problems
        record = json.loads((folder / "run.json").read_text()) if folder else {}
        stopped = record.get("resumed_from") if not args.pipeline else [
            (st["stage"], (json.loads((folder / st["folder"] / "run.json").read_text()).get("resumed_from") or [None])[0])
            for st in record.get("stages", [])]
        print(f"run {i + 1:2d}: {sig.name:7s} after step {k:2d}, stopped at {stopped}, "
              f"{'intact' if not problems else problems}, resumed {'identical' if same else 'DIFFERENT'}", flush=True)
    print(f"{intact}/{args.runs} intact folders ({finished} finished: signalled in the last step), "
          f"{identical}/{args.runs} resumed (or finished) to identical pixels "
          f"({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
