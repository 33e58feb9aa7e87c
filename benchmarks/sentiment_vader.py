"""Clamped generation scored by an independent judge (VADER).

For each clamp (positive / negative, and free sampling as the baseline) it
samples N reviews from a sentiment checkpoint and prints the share that
VADER rates as that sentiment (compound > 0.05 positive, < -0.05 negative),
and the mean compound score. Usage:

    python benchmarks/sentiment_vader.py [--model PATH] [--samples 100] [--strength 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.steering import default_model, read_unit, resolve_clamp
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--unit-file", default=None)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--strength", type=float, nargs="+", default=[1.0])
    parser.add_argument("--prime", default="")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the results (and 3 examples per clamp) here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = checkpoint.load(args.model or default_model())
    info = read_unit(args.unit_file) if args.unit_file else None
    vader = SentimentIntensityAnalyzer()
    results = []
    settings = [("free", None, 1.0)] + [(s, s, k) for k in args.strength for s in ("positive", "negative")]
    for name, sentiment, strength in settings:
        clamp = resolve_clamp(loaded, sentiment, None, strength, info)
        t0 = time.perf_counter()
        texts = sample(loaded.model, args.prime, args.length, args.temperature, 0, clamp, args.samples, args.seed)
        seconds = time.perf_counter() - t0
        scores = [vader.polarity_scores(t)["compound"] for t in texts]
        pos = sum(s > 0.05 for s in scores) / len(scores)
        neg = sum(s < -0.05 for s in scores) / len(scores)
        row = {"clamp": name, "strength": strength, "unit": clamp[0] if clamp else None,
               "value": round(clamp[1], 3) if clamp else None, "vader_positive": pos, "vader_negative": neg,
               "mean_compound": round(sum(scores) / len(scores), 3), "seconds": round(seconds, 1),
               "examples": texts[:3]}
        results.append(row)
        target = {"positive": pos, "negative": neg}.get(name)
        shown = f"share rated {name}: {target:.0%}" if target is not None else f"rated positive {pos:.0%} / negative {neg:.0%}"
        print(f"{name:8s} strength {strength:4g} value {row['value']!s:>8}: {shown}  (mean compound {row['mean_compound']:+.3f}, "
              f"{args.samples} samples in {seconds:.1f} s)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
