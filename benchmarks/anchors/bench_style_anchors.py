"""Gatys style transfer, apophenic beside neural-style-pt and pystiche: time per L-BFGS step and peak memory.

    nice -n 10 python benchmarks/anchors/bench_style_anchors.py --sizes 256 512 --rounds 6
    nice -n 10 python benchmarks/anchors/bench_style_anchors.py --memory      # peak RSS, one child per side

Time: every side is built in this process, warmed up, then the sides alternate one
L-BFGS step (one forward and backward of VGG-19) at a time; the median of the
paired ratios apophenic / anchor is reported with min–max, for wall and CPU time.
Memory: each side runs alone in a child process (peak RSS is per process): build,
then ``--memory-steps`` steps; the child prints its ``ru_maxrss``. Anchors that are
not installed are skipped with a line saying so (see README.md beside this file).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/: paired

import paired  # noqa: E402
import torch  # noqa: E402
from style_sides import BUILDERS, SIDES, random_vgg19  # noqa: E402


def available(side: str) -> str | None:
    """``None`` when the side can run, else why not."""
    module = {"neural-style-pt": "neural_style", "pystiche": "pystiche"}.get(side)
    if module is None:
        return None
    import importlib.util

    return None if importlib.util.find_spec(module) else f"{side} is not installed (pip install --no-deps; see README.md)"


def timing(args, weights: Path, device) -> dict:
    results = {}
    sides = [s for s in SIDES if available(s) is None]
    for s in SIDES:
        if available(s):
            print(f"skipped: {available(s)}")
    for size in args.sizes:
        steps = {name: BUILDERS[name](size, weights, str(device)) for name in sides}
        result = paired.compare([paired.Side(name, steps[name]) for name in sides], rounds=args.rounds, warmup=args.warmup,
                                sync=paired.device_sync(device), title=f"Gatys VGG-19 L-BFGS step, {size}²", reference=sides[0])
        result.print()
        for name in sides[1:]:
            # Read as apophenic / anchor: the reference is apophenic, so invert the anchor's ratio per round.
            wall = [a / b for a, b in zip(result.wall["apophenic"], result.wall[name])]
            cpu = [a / b for a, b in zip(result.cpu["apophenic"], result.cpu[name])]
            print(f"  apophenic / {name}: wall {paired.Spread.of(wall).ratio()}, CPU {paired.Spread.of(cpu).ratio()}")
        results[f"time_{size}"] = result
        del steps
    return results


def child(side: str, size: int, steps: int, weights: Path, device: str) -> None:
    """Run one side alone and print its peak RSS (this process only)."""
    step = BUILDERS[side](size, weights, device)
    for _ in range(steps):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    cuda = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else 0.0
    print(json.dumps({"side": side, "size": size, "peak_rss_mib": peak, "cuda_peak_mib": cuda}))


def memory(args, weights: Path) -> dict:
    rows = {}
    for size in args.sizes:
        for side in SIDES:
            if available(side):
                print(f"skipped: {available(side)}")
                continue
            cmd = [sys.executable, __file__, "--child", side, "--sizes", str(size), "--memory-steps", str(args.memory_steps),
                   "--weights", str(weights), "--device", args.device, "--threads", str(args.threads)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{side} at {size}: {done.stderr.strip()[-1500:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows[f"{side}_{size}"] = row
            print(f"peak RSS {side:16s} {size}²: {row['peak_rss_mib']:7.0f} MiB" + (f", CUDA {row['cuda_peak_mib']:.0f} MiB" if row["cuda_peak_mib"] else ""), flush=True)
        if f"apophenic_{size}" in rows and f"pystiche_{size}" in rows:
            print(f"  apophenic / pystiche peak RSS at {size}²: {rows[f'apophenic_{size}']['peak_rss_mib'] / rows[f'pystiche_{size}']['peak_rss_mib']:.2f}×")
        if f"apophenic_{size}" in rows and f"neural-style-pt_{size}" in rows:
            print(f"  apophenic / neural-style-pt peak RSS at {size}²: {rows[f'apophenic_{size}']['peak_rss_mib'] / rows[f'neural-style-pt_{size}']['peak_rss_mib']:.2f}×")
    print(f"  {paired.load_line(paired.machine_load())}")
    return rows


def main() -> None:
    parser = paired.add_common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=6, warmup=1)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--memory", action="store_true", help="measure peak RSS per side (child processes) instead of time")
    parser.add_argument("--memory-steps", type=int, default=3)
    parser.add_argument("--weights", type=Path, default=None, help="a torchvision vgg19 state dict (default: random init, written to a temp folder)")
    parser.add_argument("--child", choices=SIDES, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        torch.set_num_threads(args.threads)
        child(args.child, args.sizes[0], args.memory_steps, args.weights, args.device)
        return
    device = paired.setup(args)
    with tempfile.TemporaryDirectory() as tmp:
        weights = args.weights or random_vgg19(Path(tmp) / "vgg19-random.pth")
        print(f"VGG-19 weights: {weights}" + (" (random init, seed 0)" if args.weights is None else ""))
        results = memory(args, weights) if args.memory else timing(args, weights, device)
    paired.write_json(args.json, results)


if __name__ == "__main__":
    main()
