"""Train a future discriminator for ``--method fudge`` and report its held-out accuracy on review openings.

The language model is copied and fine-tuned with a logistic head on ``tanh(c)``
to predict each labelled training review's label after every byte of its
first 300 bytes (``plugins/sentiment/discriminator.py``); accuracy is measured
on the held-out Pang & Lee and IMDB reviews. Give the result to ``apophenic
sentiment export --discriminator`` to ship it beside the model. Usage:

    python benchmarks/sentiment_discriminator.py --model runs/lm/model.pt --out runs/discriminator.pt --steps 250
    python benchmarks/sentiment_discriminator.py --model runs/lm/model.pt --out runs/discriminator.pt --device cuda
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

import numpy as np
import torch
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.corpus import binary_labels, read_documents, split
from apophenic.plugins.sentiment.discriminator import train_discriminator

SETS = {
    "pang-lee-reviews": ("pang_lee_polarity_reviews.csv", {"text": "text", "label": "label", "columns": ["label", "text"]}, True),
    "imdb": ("imdb_reviews_2500.csv", {"text": "review", "label": "sentiment", "strip_html": True}, True),
    "pang-lee-sentences": ("pang_lee_polarity_sentences.csv", {"text": "text", "label": "label", "columns": ["label", "text"]}, False),
    "uci-amazon": ("uci_sentences/amazon_cells_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}, False),
    "uci-imdb": ("uci_sentences/imdb_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}, False),
    "uci-yelp": ("uci_sentences/yelp_labelled.txt", {"fmt": "tsv", "text": "reviews", "label": "sentiment"}, False),
}


def main() -> None:
    parser = paired.add_device_argument(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    device = paired.check_device(args.device)
    torch.set_num_threads(args.threads)
    train_t, train_y, test_t, test_y = [], [], [], []
    for name, (file, kw, scored) in SETS.items():
        docs = read_documents(args.data / file, **kw)
        y, _ = binary_labels(docs.labels, name)
        tr, te = split(len(docs.texts), 0.2, 0)
        train_t += [docs.texts[i] for i in tr]
        train_y.append(y[tr])
        if scored:
            test_t += [docs.texts[i] for i in te]
            test_y.append(y[te])
    lm = checkpoint.load(args.model, device).model
    model, head, acc = train_discriminator(lm, train_t, np.concatenate(train_y), test_t, np.concatenate(test_y),
                                           steps=args.steps)
    print(json.dumps(acc))
    meta = {"kind": "fudge discriminator", "held_out_accuracy": acc, "steps": args.steps, "trained_on": len(train_t)}
    model, head = model.cpu(), head.cpu()  # the file loads on any machine
    head_info = {"weights": head.weight[0].detach().clone(), "bias": float(head.bias.item()), "alpha": 1.0,
                 "strength": 1.0, "candidates": 8, "squash": True}
    checkpoint.save(args.out, model, meta, steering={"default": "fudge", "direction": head_info}, half=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
