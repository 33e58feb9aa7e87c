"""Generation speed: seconds per review, free sampling vs. every steering method, on this CPU.

Each side writes reviews of exactly ``--length`` bytes (the end-of-review
marker does not stop them, so every side does the same amount of text), the
way ``apophenic sentiment generate`` does: one review per call (``--samples 1``),
and in a batch of ``--batch`` reviews per call (the benchmark's way). Sides are
alternated review by review in one process after a warm-up, so a change in the
machine's load hits every side alike. Reported: median wall and CPU seconds per
review, each side's median ratio to free sampling over paired reviews (min-max),
and the load average before and after.

    python benchmarks/bench_sentiment_generate.py --reviews 10 --batch 100
    python benchmarks/bench_sentiment_generate.py --device cuda
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402
import torch
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.steering import SHIPPED, resolve


def main() -> None:
    parser = paired.add_device_argument(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--model", type=Path, default=SHIPPED)
    parser.add_argument("--methods", nargs="+", default=["clamp", "direction", "fudge", "words"])
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--reviews", type=int, default=10, help="single reviews per side")
    parser.add_argument("--batch", type=int, default=100, help="reviews per call in the batched pass (0: skip it)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = paired.check_device(args.device)
    sync = paired.device_sync(device)
    torch.set_num_threads(args.threads)
    loaded = checkpoint.load(args.model, device)
    sides = {"free": resolve(loaded, None)}
    for method in args.methods:
        sides[method] = resolve(loaded, "positive", method)

    def run(name: str, samples: int, seed: int) -> tuple[float, float]:
        steering = sides[name]
        sync()
        w0, c0 = time.perf_counter(), time.process_time()
        texts = sample(loaded.model, "", args.length, 0.8, 0, steering.steer, samples, seed, device=device,
                       stop_at_end=False, guide=steering.guide)
        assert all(len(t.encode()) >= args.length for t in texts)
        return time.perf_counter() - w0, time.process_time() - c0

    for name in sides:  # warm-up
        run(name, 1, 10**6)
    load_before = os.getloadavg()
    single = {name: [] for name in sides}
    for i in range(args.reviews):
        for name in sides:
            single[name].append(run(name, 1, i))
    batched = {name: [] for name in sides}
    if args.batch:
        for i in range(2):
            for name in sides:
                wall, cpu = run(name, args.batch, 1000 + i)
                batched[name].append((wall / args.batch, cpu / args.batch))
    load_after = os.getloadavg()

    result = {"device": str(device), "length": args.length, "threads": args.threads, "load_average": [load_before, load_after], "sides": {}}
    print(f"one review of {args.length} bytes per call ({args.reviews} per side), {device}, {args.threads} thread(s); "
          f"load average {load_before[0]:.1f} -> {load_after[0]:.1f}")
    print("| sampling | wall s / review | CPU s / review | × free (min–max) | "
          f"CPU s / review in batches of {args.batch} |")
    print("|---|---|---|---|---|")
    for name, rows in single.items():
        ratios = [r[0] / f[0] for r, f in zip(rows, single["free"])]
        entry = {"wall_s": statistics.median(r[0] for r in rows), "cpu_s": statistics.median(r[1] for r in rows),
                 "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
                 "batch_cpu_s": statistics.median(r[1] for r in batched[name]) if batched[name] else None}
        result["sides"][name] = entry
        batch = f"{entry['batch_cpu_s']:.3f}" if entry["batch_cpu_s"] is not None else "-"
        print(f"| {name} | {entry['wall_s']:.3f} | {entry['cpu_s']:.3f} | {entry['ratio_median']:.1f} "
              f"({entry['ratio_min']:.1f}–{entry['ratio_max']:.1f}) | {batch} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
