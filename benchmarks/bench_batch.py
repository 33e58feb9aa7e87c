"""Batch throughput: runs per minute with 1 and 2 local workers and a 2-worker Dask LocalCluster.

    python benchmarks/bench_batch.py [--runs 8] [--steps 10] [--size 96] [--modes local1,local2,dask2]
                                     [--rounds 2] [--warmup 0] [--device cpu]

Every mode renders the same manifest into a fresh folder through the real CLI
(`apophenic batch`), so pool / cluster start-up is included, as a user sees it.
One "step" is one whole batch; the modes alternate batch by batch in rotated
order (benchmarks/paired.py), and each mode's ratio to the first is the median
of the paired ratios, with min–max, for wall and CPU time (the CLI's own
processes included), next to the machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import paired

PRESET = """\
description = "batch benchmark preset"
seed = 0
size = {size}
device = "{device}"
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


def write_manifest(folder: Path, runs: int, steps: int, size: int, device: str = "cpu") -> Path:
    """A manifest of ``runs`` runs (4 targets × runs/4 seeds) over the benchmark preset."""
    if runs % len(TARGETS):
        raise SystemExit(f"--runs must be a multiple of {len(TARGETS)}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.toml").write_text(PRESET.format(size=size, steps=steps, device=device))
    path = folder / "manifest.toml"
    path.write_text(f'description = "batch benchmark, {runs} runs"\n[[grid]]\npresets = ["bench.toml"]\n'
                    f"targets = {json.dumps(TARGETS)}\nseeds = {json.dumps(list(range(runs // len(TARGETS))))}\n")
    return path


def run_mode(manifest: Path, out: Path, args: list[str]) -> dict:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    subprocess.run([sys.executable, "-m", "apophenic.cli", "batch", str(manifest), "--out", str(out), "--quiet", *args],
                   check=False, env=env)
    return json.loads((out / "batch.json").read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--modes", default="local1,local2,dask2")
    paired.add_common_arguments(parser, rounds=2, warmup=0)
    opts = parser.parse_args(argv)
    device = paired.setup(opts)
    modes = {"local1": ["--workers", "1"], "local2": ["--workers", "2"], "dask2": ["--executor", "dask", "--workers", "2"]}
    with tempfile.TemporaryDirectory(prefix="apophenic-bench-batch-") as tmp:
        manifest = write_manifest(Path(tmp) / "m", opts.runs, opts.steps, opts.size, device.type)
        print(f"cores available: {len(os.sched_getaffinity(0))}")
        journals: dict[str, list[dict]] = {}

        def side(mode: str) -> paired.Side:
            def run() -> None:
                journal = run_mode(manifest, Path(tmp) / f"out-{mode}-{len(journals.setdefault(mode, []))}", modes[mode])
                journals[mode].append(journal)
            return paired.Side(mode, run)

        names = opts.modes.split(",")
        result = paired.compare([side(m) for m in names], rounds=opts.rounds, warmup=opts.warmup, reference=names[0],
                                title=f"batch of {opts.runs} runs × {opts.steps} steps at {opts.size}², {device}")
        result.print()
        print(f"{'mode':8} {'runs':>5} {'done':>5} {'runs/min':>9} {'mean run s':>11}")
        for mode in names:
            last = journals[mode][-1]["runs"]
            done = [r for r in last if r["state"] == "done"]
            wall = paired.Spread.of(result.wall[mode]).median
            mean = sum(r["seconds"] for r in done) / max(1, len(done))
            print(f"{mode:8} {len(last):5d} {len(done):5d} {60 * len(done) / wall:9.2f} {mean:11.2f}", flush=True)
        paired.write_json(opts.json, {"batch": result})


if __name__ == "__main__":
    main(sys.argv[1:])
