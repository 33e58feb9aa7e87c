"""Batch throughput: runs per minute with 1 and 2 local workers and a 2-worker Dask LocalCluster.

    python benchmarks/bench_batch.py [--runs 8] [--steps 10] [--size 96] [--modes local1,local2,dask2]

Every mode renders the same manifest into a fresh folder through the real CLI
(`apophenic batch`), so pool / cluster start-up is included, as a user sees it.
Numbers depend on what else the machine is doing: say so when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRESET = """\
description = "batch benchmark preset"
seed = 0
size = {size}
device = "cpu"
augmentations = 2

[generator]
type = "fourier"

[[perceivers]]
type = "efficientnet-lite0"
resize = "none"

[[perceivers]]
type = "efficientnet-lite1"
resize = "none"
held_out = true

[[objectives]]
type = "class"
target = "goldfish"

[[transforms]]
type = "jitter"
pixels = 4

[optimizer]
type = "adam"
lr = 0.05
steps = {steps}
"""

TARGETS = ["goldfish", "tick", "volcano", "lemon"]


def write_manifest(folder: Path, runs: int, steps: int, size: int) -> Path:
    """A manifest of ``runs`` runs (4 targets × runs/4 seeds) over the benchmark preset."""
    if runs % len(TARGETS):
        raise SystemExit(f"--runs must be a multiple of {len(TARGETS)}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.toml").write_text(PRESET.format(size=size, steps=steps))
    path = folder / "manifest.toml"
    path.write_text(f'description = "batch benchmark, {runs} runs"\n[[grid]]\npresets = ["bench.toml"]\n'
                    f"targets = {json.dumps(TARGETS)}\nseeds = {json.dumps(list(range(runs // len(TARGETS))))}\n")
    return path


def run_mode(manifest: Path, out: Path, args: list[str]) -> tuple[float, dict]:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "apophenic.cli", "batch", str(manifest), "--out", str(out), "--quiet", *args],
                   check=False, env=env)
    wall = time.perf_counter() - started
    journal = json.loads((out / "batch.json").read_text())
    return wall, journal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--modes", default="local1,local2,dask2")
    opts = parser.parse_args()
    modes = {"local1": ["--workers", "1"], "local2": ["--workers", "2"], "dask2": ["--executor", "dask", "--workers", "2"]}
    with tempfile.TemporaryDirectory(prefix="apophenic-bench-batch-") as tmp:
        manifest = write_manifest(Path(tmp) / "m", opts.runs, opts.steps, opts.size)
        print(f"cores available: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()[0]:.1f}")
        print(f"{'mode':8} {'runs':>5} {'done':>5} {'wall s':>8} {'runs/min':>9} {'mean run s':>11} {'load':>5}")
        for mode in opts.modes.split(","):
            wall, journal = run_mode(manifest, Path(tmp) / f"out-{mode}", modes[mode])
            runs = journal["runs"]
            done = [r for r in runs if r["state"] == "done"]
            mean = sum(r["seconds"] for r in done) / max(1, len(done))
            print(f"{mode:8} {len(runs):5d} {len(done):5d} {wall:8.1f} {60 * len(done) / wall:9.2f} {mean:11.2f} "
                  f"{os.getloadavg()[0]:5.1f}", flush=True)


if __name__ == "__main__":
    main()
