"""Which cell unit steers generation? Clamp each candidate unit high and low and let VADER judge.

Candidates are the units a probe report (probe.json) ranks highest. Each is
clamped to +VALUE and -VALUE (tanh saturates beyond about 3, so 3 is "fully
on"); the score is the difference in VADER's mean compound score between the
two. Use selection seeds different from the ones you report with.

    python benchmarks/sentiment_unit_screen.py runs/probe/probe.json [more probe.json] --model M
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.steering import default_model
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probes", nargs="+")
    parser.add_argument("--model", default=None)
    parser.add_argument("--value", type=float, default=3.0)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--per-set", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = checkpoint.load(args.model or default_model()).model
    vader = SentimentIntensityAnalyzer()
    units: list[int] = []
    for path in args.probes:
        with open(path) as f:
            sets = json.load(f)["sets"]
        for r in sets.values():
            for u in r["top_units"][: args.per_set] + [r["best_single_unit"]]:
                if u not in units:
                    units.append(u)

    def mean_compound(clamp) -> float:
        texts = sample(model, "", args.length, 0.8, 0, clamp, args.samples, args.seed)
        return sum(vader.polarity_scores(t)["compound"] for t in texts) / len(texts)

    free = mean_compound(None)
    print(f"free sampling: mean compound {free:+.3f}; {len(units)} candidate units", flush=True)
    rows = []
    for u in units:
        hi, lo = mean_compound((u, args.value)), mean_compound((u, -args.value))
        rows.append((hi - lo, u, hi, lo))
        print(f"unit {u:4d}: +{args.value:g} -> {hi:+.3f}   -{args.value:g} -> {lo:+.3f}   difference {hi - lo:+.3f}", flush=True)
    rows.sort(key=lambda r: -abs(r[0]))
    best = rows[0]
    print(f"best: unit {best[1]} (difference {best[0]:+.3f}; positive is {'+' if best[0] > 0 else '-'}{args.value:g})")


if __name__ == "__main__":
    main()
