"""Analogy arithmetic on small known vectors and on the shipped vectors."""

from __future__ import annotations

import numpy as np
import pytest

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy import shipped
from apophenic.plugins.analogy.vectors import require_three


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_exact_structure_is_found(small_vectors, method):
    answers = small_vectors.analogy("man", "king", "woman", k=3, method=method)
    assert answers[0][0] == "queen"
    assert {"man", "king", "woman"}.isdisjoint(w for w, _ in answers)
    scores = [s for _, s in answers]
    assert scores == sorted(scores, reverse=True)


def test_unknown_word_names_it_and_suggests(small_vectors):
    with pytest.raises(ApophenicError, match=r"'qeen' is not in the vocabulary.*did you mean 'queen'"):
        small_vectors.analogy("man", "king", "qeen")


def test_lookup_falls_back_to_lower_case(small_vectors):
    assert small_vectors.analogy("Man", "KING", "Woman", k=1)[0][0] == "queen"


@pytest.mark.parametrize("words", [[], ["man"], ["man", "king"], ["a", "b", "c", "d"]])
def test_an_analogy_takes_three_words(words):
    with pytest.raises(ApophenicError, match="exactly three words"):
        require_three(words)


def test_unknown_method(small_vectors):
    with pytest.raises(ApophenicError, match="3cosadd, 3cosmul"):
        small_vectors.analogy("man", "king", "woman", method="3cosmax")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ("man", "king", "woman", "queen"),
        ("dog", "puppy", "cat", "kitten"),
        ("good", "better", "bad", "worse"),
        ("walk", "walked", "swim", "swam"),
    ],
)
def test_shipped_vectors_answer_classic_analogies(a, b, c, expected):
    answers = [w for w, _ in shipped.load().analogy(a, b, c, k=3)]
    assert expected in answers


def test_shipped_vectors_are_compact_and_unit_queries_work():
    wv = shipped.load()
    assert shipped.shipped_path().stat().st_size < 15_000_000
    assert len(wv) > 20_000 and wv.vectors.dtype == np.float16
    assert wv.similarity("cat", "kitten") > wv.similarity("cat", "parliament")
