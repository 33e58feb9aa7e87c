"""Steering measured: unit clamp vs. direction added vs. future discriminators (cell state; text, by words), against free sampling.

For each method it samples N positive-steered and N negative-steered reviews
(300 bytes, temperature 0.8, fresh seeds) from a sentiment checkpoint and
reports, per target: the share VADER rates as the target, the share the
MiniLM judge (an embedding probe fitted on labelled review openings, never
used for steering) rates as the target, fluency (share of tokens that are
dictionary words) and mean length; free sampling and held-out review openings
(the ceiling) are scored the same way. Each method's strength (for ``words``:
strength and candidates) is chosen first on separate selection seeds: the
strongest VADER effect whose fluency stays within 5 points of free sampling.
``words`` is steered by the shipped review classifier (``classify``), which is
neither judge; its mean P(target) is reported too. Each share is
compared with free sampling's by Fisher's exact test (two-sided); generation
speed is ``bench_sentiment_generate.py``'s. The method that measures best on both
judges within that fluency bound becomes the model's default
(``--steering-out`` writes it with the direction for ``apophenic sentiment export``).

    python benchmarks/sentiment_steering.py --model runs/lm/model.pt --unit-file runs/probe/unit.json \
        --data ../shared/data/sentiment --json steering-results.json --steering-out steering.json
    (add --device cuda to run the language model, the discriminators and the MiniLM judge on a GPU)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

import numpy as np
import torch
from apophenic.plugins.sentiment import checkpoint, classifier
from apophenic.plugins.sentiment.corpus import binary_labels, decode, encode, read_documents, split
from apophenic.plugins.sentiment.direction import fit_direction, prefix_states
from apophenic.plugins.sentiment.fluency import fluency
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.judges import EmbeddingJudge, MiniLMEmbedder, vader_rated
from apophenic.plugins.sentiment.steering import read_unit, resolve

SETS = {
    "pang-lee-reviews": ("pang_lee_polarity_reviews.csv", {"text": "text", "label": "label", "columns": ["label", "text"]}),
    "imdb": ("imdb_reviews_2500.csv", {"text": "review", "label": "sentiment", "strip_html": True}),
}
# (strength, candidates); candidates None: the method's stored default.
GRIDS = {"clamp": [(1.0, None), (2.0, None), (4.0, None)],
         "direction": [(2.0, None), (4.0, None), (8.0, None), (16.0, None)],
         "fudge": [(1.0, None), (2.0, None), (4.0, None), (8.0, None), (16.0, None)],
         "words": [(lam, k) for k in (4, 8, 16) for lam in (2.0, 4.0, 8.0, 16.0)]}


def opening(text: str, length: int) -> str:
    return decode(encode(text)[:length])


def versus_free(table: dict, n: int) -> dict:
    """Each method's share minus free sampling's, per target and judge, with Fisher's exact two-sided p (n texts a side)."""
    from scipy.stats import fisher_exact

    out = {}
    for method, rows in table.items():
        if method == "free":
            continue
        for target in (1, -1):
            for judge in ("vader", "minilm"):
                a, b = round(rows[target][judge] * n), round(table["free"][target][judge] * n)
                p = fisher_exact([[a, n - a], [b, n - b]])[1]
                out[f"{method} {'positive' if target > 0 else 'negative'} {judge}"] = {"difference": (a - b) / n, "p": float(p)}
    return out


def setting_text(setting: tuple[float, int | None] | None) -> str:
    if setting is None:
        return "-"
    return f"{setting[0]:g}" if setting[1] is None else f"{setting[0]:g}, {setting[1]} words"


def main() -> None:
    parser = paired.add_device_argument(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--unit-file", type=Path, default=None)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--select-samples", type=int, default=40)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--select-seed", type=int, default=1000)
    parser.add_argument("--per-set", type=int, default=500, help="training reviews per set for the direction and the judge")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--steering-out", type=Path, default=None)
    parser.add_argument("--methods", nargs="+", default=list(GRIDS), choices=list(GRIDS), help="methods to measure")
    parser.add_argument("--discriminator", default=None,
                        help="file name (beside --model) of a fine-tuned future discriminator for fudge; default: the direction's regression")
    args = parser.parse_args()
    device = paired.check_device(args.device)
    torch.set_num_threads(args.threads)
    t_start = time.process_time()
    loaded = checkpoint.load(args.model, device)
    model = loaded.model
    unit_info = read_unit(args.unit_file) if args.unit_file else loaded.unit
    rng = np.random.default_rng(0)

    train_texts, train_y, test_texts, test_y = [], [], [], []
    for name, (file, kw) in SETS.items():
        docs = read_documents(args.data / file, **kw)
        y, _ = binary_labels(docs.labels, name)
        tr, te = split(len(docs.texts), 0.2, 0)
        pick = rng.choice(tr, min(args.per_set, len(tr)), replace=False)
        train_texts += [docs.texts[i] for i in pick]
        train_y.append(y[pick])
        test_texts += [docs.texts[i] for i in te]
        test_y.append(y[te])
    train_y, test_y = np.concatenate(train_y), np.concatenate(test_y)

    # The direction / future discriminator, on the language model's cell states.
    x_tr, own_tr = prefix_states(model, train_texts, args.length, device=device)
    x_te, own_te = prefix_states(model, test_texts, args.length, device=device)
    direction = fit_direction(x_tr, train_y[own_tr], x_te, test_y[own_te])
    print(f"direction: held-out opening accuracy {direction['test_accuracy']:.3f} (train {direction['train_accuracy']:.3f})", flush=True)
    cell_norm = float(np.median(np.linalg.norm(x_te, axis=1)))
    loaded.steering = {"direction": {"weights": direction["weights"], "bias": direction["bias"], "alpha": 1.0,
                                     "strength": 1.0, "candidates": 8}}
    if args.discriminator:
        loaded.steering["fudge"] = {"discriminator": args.discriminator, "strength": 1.0, "candidates": 8}

    # The judges, and the ceiling: openings of held-out reviews.
    embed = MiniLMEmbedder(device=device)
    judge = EmbeddingJudge.fit(embed, [opening(t, args.length) for t in train_texts], train_y)
    ceiling_texts = [opening(t, args.length) for t in test_texts]
    ceiling = {}
    for target, label in ((1, 1), (-1, 0)):
        texts = [t for t, y in zip(ceiling_texts, test_y) if y == label]
        p = classifier.load().positive_probability(texts)
        ceiling[target] = {"vader": float(vader_rated(texts, target).mean()), "minilm": float(judge.rated(texts, target).mean()),
                           "fluency": fluency(texts), "length": float(np.mean([len(encode(t)) for t in texts])), "n": len(texts),
                           "classifier": float(np.mean(p if target > 0 else 1 - p))}
    print(f"judge fitted (train acc {judge.train_accuracy:.3f}); ceiling {ceiling}", flush=True)

    reviews = classifier.load()

    def generate(method: str | None, target: int, setting: tuple[float, int | None], n: int, seed: int,
                 top_k: int = 0) -> list[str]:
        word = None if method is None else ("positive" if target > 0 else "negative")
        strength, candidates = setting
        if method == "words":  # the stored settings are multiplied by --strength: store 1 and the candidates
            loaded.steering["words"] = {"strength": 1.0, "candidates": candidates}
        steering = resolve(loaded, word, method or "auto", None, strength, unit_info)
        return sample(model, "", args.length, args.temperature, top_k, steering.steer, n, seed, device=device,
                      guide=steering.guide)

    def score(texts: list[str], target: int, seconds: float | None = None) -> dict:
        p = reviews.positive_probability(texts)
        out = {"vader": float(vader_rated(texts, target).mean()), "minilm": float(judge.rated(texts, target).mean()),
               "fluency": fluency(texts), "length": float(np.mean([len(encode(t)) for t in texts])),
               "classifier": float(np.mean(p if target > 0 else 1 - p))}
        if seconds is not None:
            out["cpu_s_per_review"] = seconds / len(texts)
        return out

    def timed(method: str | None, target: int, setting: tuple[float, int | None], n: int, seed: int, top_k: int = 0):
        t0 = time.process_time()
        texts = generate(method, target, setting, n, seed, top_k)
        return texts, time.process_time() - t0

    # Strength per method, on selection seeds, judged by VADER and fluency only.
    select_free = generate(None, 1, (1.0, None), args.select_samples, args.select_seed)
    free_fluency_sel = fluency(select_free)
    chosen, selection = {}, {}
    for method in args.methods:
        if method == "clamp" and unit_info is None:
            continue
        rows = []
        for setting in GRIDS[method]:
            t0 = time.perf_counter()
            pos = generate(method, 1, setting, args.select_samples, args.select_seed)
            neg = generate(method, -1, setting, args.select_samples, args.select_seed + 1)
            effect = (vader_rated(pos, 1).mean() + vader_rated(neg, -1).mean()) / 2
            flu = fluency(pos + neg)
            rows.append({"strength": setting[0], "candidates": setting[1], "vader_success": float(effect), "fluency": flu,
                         "seconds": round(time.perf_counter() - t0, 1)})
            print(f"select {method} x{setting[0]} ({setting[1] or '-'} candidates): VADER {effect:.2f}, "
                  f"fluency {flu:.3f} (free {free_fluency_sel:.3f})", flush=True)
        ok = [r for r in rows if r["fluency"] >= free_fluency_sel - 0.05] or rows[:1]
        best = max(ok, key=lambda r: r["vader_success"])
        chosen[method] = (best["strength"], best["candidates"])
        selection[method] = rows

    # The measurement, on fresh seeds.
    free, free_s = timed(None, 1, (1.0, None), args.samples, args.seed)
    # The discriminator picks among the 8 likeliest bytes: free sampling from those 8 separates
    # what the truncation does to fluency from what the discriminator does.
    free8, free8_s = timed(None, 1, (1.0, None), args.samples, args.seed, top_k=8)
    table = {"free": {1: score(free, 1, free_s), -1: score(free, -1, free_s)},
             "free, top-8 bytes": {1: score(free8, 1, free8_s), -1: score(free8, -1, free8_s)}}
    examples = {"free": free[:6], "free, top-8 bytes": free8[:3]}
    for method, setting in chosen.items():
        table[method] = {}
        examples[method] = []
        for target in (1, -1):
            texts, seconds = timed(method, target, setting, args.samples, args.seed + (0 if target > 0 else 1))
            table[method][target] = score(texts, target, seconds)
            examples[method] += texts[:3]
        print(f"{method} x{setting}: {table[method]}", flush=True)

    free_flu = fluency(free)
    eligible = [m for m in chosen if min(table[m][1]["fluency"], table[m][-1]["fluency"]) >= free_flu - 0.05]

    def merit(m: str) -> float:
        return float(np.mean([table[m][t][j] for t in (1, -1) for j in ("vader", "minilm")]))

    default = max(eligible, key=merit) if eligible else "clamp"
    print(f"\ndefault method: {default} (eligible: {eligible})\n")
    print("| method | strength | target | VADER | MiniLM judge | classifier P(target) | fluency | mean length | CPU s / review (batch) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for target in (1, -1):
        r = ceiling[target]
        print(f"| real reviews (ceiling) | - | {'positive' if target > 0 else 'negative'} | {r['vader']:.0%} | {r['minilm']:.0%} | "
              f"{r['classifier']:.2f} | {r['fluency']:.1%} | {r['length']:.0f} | - |")
    for method, rows in table.items():
        for target in (1, -1):
            r = rows[target]
            print(f"| {method} | {setting_text(chosen.get(method))} | {'positive' if target > 0 else 'negative'} | {r['vader']:.0%} | "
                  f"{r['minilm']:.0%} | {r['classifier']:.2f} | {r['fluency']:.1%} | {r['length']:.0f} | {r['cpu_s_per_review']:.2f} |")
    print("\n| method | target | judge | share − free | Fisher p |\n|---|---|---|---|---|")
    for key, v in versus_free(table, args.samples).items():
        method, target, judge_name = key.rsplit(" ", 2)  # not ``judge``: that is the MiniLM judge, read below
        print(f"| {method} | {target} | {judge_name} | {v['difference']:+.0%} | {v['p']:.3f} |")
    for method, texts in examples.items():
        print(f"\n## {method}")
        for t in texts:
            print(json.dumps(t))
    result = {"model": str(args.model), "direction": {k: v for k, v in direction.items() if k != "weights"},
              "cell_norm_median": cell_norm, "judge_train_accuracy": judge.train_accuracy, "ceiling": ceiling,
              "selection": selection, "chosen": chosen, "table": table, "default": default, "examples": examples,
              "versus_free": versus_free(table, args.samples),
              "settings": {k: v for k, v in vars(args).items() if not isinstance(v, Path)},
              "cpu_seconds": round(time.process_time() - t_start)}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    if args.steering_out:
        steering = {"default": default,
                    "direction": {"weights": direction["weights"].tolist(), "bias": direction["bias"],
                                  "alpha": chosen.get("direction", (1.0,))[0], "strength": chosen.get("fudge", (1.0,))[0],
                                  "candidates": 8, "held_out_accuracy": direction["test_accuracy"]},
                    "clamp_strength": chosen.get("clamp", (1.0,))[0],
                    "measured": {m: {str(t): v for t, v in rows.items()} for m, rows in table.items()}}
        if args.discriminator:
            steering["fudge"] = {"discriminator": args.discriminator, "strength": chosen.get("fudge", (1.0,))[0], "candidates": 8}
        if "words" in chosen:
            steering["words"] = {"strength": chosen["words"][0], "candidates": chosen["words"][1], "scorer": "review-classifier"}
        args.steering_out.write_text(json.dumps(steering))
        print(f"wrote {args.steering_out}")


if __name__ == "__main__":
    main()
