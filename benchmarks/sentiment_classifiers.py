"""Review classifiers side by side on the held-out splits of Pang & Lee and IMDB.

- bag of words: word + word-pair TF-IDF, logistic regression (what ``apophenic
  sentiment classify`` ships), fitted on the training splits of every labelled file;
- MiniLM probe: logistic regression on all-MiniLM-L6-v2 sentence embeddings of
  each review's first and last 254 word pieces (averaged), same training reviews;
- the language model's probe: read from ``probe.json`` files written by
  ``apophenic sentiment probe`` (pass them with ``--probe``).

The split is the project's (held_out 0.2, split_seed 0): test reviews were never
seen by the language model, the probes or the classifier. Usage:

    python benchmarks/sentiment_classifiers.py --data ../shared/data/sentiment \
        [--probe runs/probe-last/probe.json runs/probe-mean/probe.json] [--write plugins/sentiment/data/review-classifier.npz]

``--device cuda`` runs the MiniLM encoder there (the bag of words is scikit-learn's, on the CPU).
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
from apophenic.plugins.sentiment import classifier
from apophenic.plugins.sentiment.corpus import binary_labels, read_documents, split

SETS = {  # name: (file, reader arguments)
    "pang-lee-reviews": ("pang_lee_polarity_reviews.csv", {"text": "text", "label": "label", "columns": ["label", "text"]}),
    "imdb": ("imdb_reviews_2500.csv", {"text": "review", "label": "sentiment", "strip_html": True}),
}
EXTRA_TRAINING = {  # sentence sets: their training splits help short texts; not scored here
    "pang-lee-sentences": ("pang_lee_polarity_sentences.csv", {"text": "text", "label": "label", "columns": ["label", "text"]}),
    "uci-amazon": ("uci_sentences/amazon_cells_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}),
    "uci-imdb": ("uci_sentences/imdb_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}),
    "uci-yelp": ("uci_sentences/yelp_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}),
}


def load(data: Path, table: dict) -> dict:
    out = {}
    for name, (file, kw) in table.items():
        docs = read_documents(data / file, **kw)
        y, _ = binary_labels(docs.labels, name)
        tr, te = split(len(docs.texts), 0.2, 0)
        out[name] = (docs.texts, y, tr, te)
    return out


def ends(text: str, tokenizer, n: int = 254) -> tuple[str, str]:
    """The text's first and last ``n`` word pieces' worth of words (approximately, by words)."""
    words = text.split()
    return " ".join(words[: n * 3 // 4]), " ".join(words[-(n * 3 // 4):])


def main() -> None:
    parser = paired.add_device_argument(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--probe", type=Path, nargs="*", default=[], help="probe.json files of the language model")
    parser.add_argument("--write", type=Path, default=None, help="write the fitted bag-of-words classifier here")
    parser.add_argument("--minilm-train", type=int, default=500, help="training reviews per set for the MiniLM probe")
    parser.add_argument("--no-minilm", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = paired.check_device(args.device)
    torch.set_num_threads(args.threads)
    sets, extra = load(args.data, SETS), load(args.data, EXTRA_TRAINING)
    results: dict = {name: {"n_test": len(te), "n_train": len(tr)} for name, (_, _, tr, te) in sets.items()}

    t0 = time.process_time()
    train_texts = [t[i] for t, _, tr, _ in {**sets, **extra}.values() for i in tr]
    train_y = np.concatenate([y[tr] for _, y, tr, _ in {**sets, **extra}.values()])
    bow = classifier.fit(train_texts, train_y)
    for name, (texts, y, _, te) in sets.items():
        p = bow.positive_probability([texts[i] for i in te])
        results[name]["bag_of_words"] = float(((p > 0.5) == y[te]).mean())
    print(f"bag of words: {bow.meta} ({time.process_time() - t0:.0f} CPU s)")
    if args.write:
        bow.meta["held_out_accuracy"] = {n: results[n]["bag_of_words"] for n in sets}
        bow.save(args.write)
        print(f"wrote {args.write} ({args.write.stat().st_size / 1e6:.2f} MB)")

    if not args.no_minilm:
        from apophenic.plugins.sentiment.judges import MiniLMEmbedder
        from sklearn.linear_model import LogisticRegressionCV

        t0 = time.process_time()
        embed = MiniLMEmbedder(device=device)
        rng = np.random.default_rng(0)

        def features(texts: list[str]) -> np.ndarray:
            pairs = [ends(t, embed.tokenizer) for t in texts]
            return (embed([a for a, _ in pairs]) + embed([b for _, b in pairs])) / 2

        xs, ys, tests = [], [], {}
        for name, (texts, y, tr, te) in sets.items():
            pick = rng.choice(tr, min(args.minilm_train, len(tr)), replace=False)
            xs.append(features([texts[i] for i in pick]))
            ys.append(y[pick])
            tests[name] = (features([texts[i] for i in te]), y[te])
        probe = LogisticRegressionCV(Cs=[0.1, 0.3, 1, 3, 10], cv=3, max_iter=3000).fit(np.concatenate(xs), np.concatenate(ys))
        for name, (x, y) in tests.items():
            results[name]["minilm_probe"] = float(probe.score(x, y))
        print(f"MiniLM probe: C {probe.C_[0]:g}, {sum(len(y) for y in ys)} training reviews ({time.process_time() - t0:.0f} CPU s)")

    for path in args.probe:
        report = json.loads(path.read_text())
        feats = report["config"]["features"]
        for name, r in report["sets"].items():
            if name in results:
                results[name][f"lm_probe_{feats}"] = r["test_accuracy"]
                results[name][f"lm_unit_{feats}"] = r["single_test_accuracy"]

    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
