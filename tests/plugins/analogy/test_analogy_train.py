"""CBOW training on a small synthetic corpus: it learns distributional similarity, reproducibly."""

from __future__ import annotations

import random

import numpy as np
import pytest

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.formats import load_vectors
from apophenic.plugins.analogy.train import TrainSettings, train_cbow

ANIMALS = ["cat", "dog", "horse", "cow"]
FRUITS = ["apple", "pear", "plum", "grape"]


def _corpus(path, sentences=3000, seed=0):
    """Animals and fruits occur in different contexts; words of one kind are interchangeable."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        if rng.random() < 0.5:
            lines.append(f"the {rng.choice(ANIMALS)} {rng.choice(['runs', 'sleeps', 'barks', 'eats'])} in the {rng.choice(['field', 'barn', 'yard'])}")
        else:
            lines.append(f"a {rng.choice(['ripe', 'sweet', 'sour'])} {rng.choice(FRUITS)} {rng.choice(['grows', 'falls', 'hangs'])} from the {rng.choice(['tree', 'branch', 'vine'])}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _mean_sim(wv, xs, ys):
    return np.mean([wv.similarity(x, y) for x in xs for y in ys if x != y])


def test_cbow_learns_which_words_share_contexts(tmp_path):
    corpus = _corpus(tmp_path / "c.txt")
    settings = TrainSettings(dim=16, window=3, min_count=2, epochs=10, seed=1)
    epochs = []
    model = train_cbow(corpus, settings, on_epoch=lambda d, n: epochs.append((d, n)))
    assert epochs == [(i, 10) for i in range(1, 11)]
    from apophenic.plugins.analogy.vectors import WordVectors

    wv = WordVectors(list(model.wv.index_to_key), model.wv.vectors)
    within = (_mean_sim(wv, ANIMALS, ANIMALS) + _mean_sim(wv, FRUITS, FRUITS)) / 2
    across = _mean_sim(wv, ANIMALS, FRUITS)
    assert within > across + 0.3


def test_train_command_is_reproducible_and_queryable(run_cli, tmp_path):
    corpus = _corpus(tmp_path / "c.txt", sentences=800)
    outs = []
    for name in ("a.bin", "b.bin"):
        code, out, err = run_cli(["analogy", "train", str(corpus), "--out", str(tmp_path / name), "--dim", "8",
                                  "--min-count", "2", "--epochs", "2", "--seed", "5"])
        assert code == 0, err
        outs.append(load_vectors(tmp_path / name))
    assert outs[0].words == outs[1].words
    np.testing.assert_array_equal(outs[0].vectors, outs[1].vectors)
    code, out, err = run_cli(["analogy", "query", "cat", "dog", "apple", "--vectors", str(tmp_path / "a.bin")])
    assert code == 0, err


def test_min_count_above_every_word_is_an_error(tmp_path):
    corpus = _corpus(tmp_path / "c.txt", sentences=10)
    with pytest.raises(ApophenicError, match="no word occurs at least 1000 times"):
        train_cbow(corpus, TrainSettings(min_count=1000))
