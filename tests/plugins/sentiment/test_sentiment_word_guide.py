"""The text-guided word decoder (``--method words``): whole words from the model, chosen by the review classifier."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest
import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment import checkpoint, classifier
from apophenic.plugins.sentiment.corpus import DOC_START
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.steering import SHIPPED, read_steering, resolve
from apophenic.plugins.sentiment.word_guide import DELIMITERS, WordGuide, _end_at_model_rate, propose_words
from sentiment_support import run_cli

shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason="the shipped checkpoint is not built yet")


@shipped
def test_word_guide_moves_the_classifiers_reading_over_free_sampling():
    """Steered toward positive, the shipped classifier reads the shipped model's reviews as more positive than free ones; toward negative, less."""
    model = checkpoint.load(SHIPPED).model
    reviews = classifier.load()
    kw = dict(length=150, samples=6, seed=11)
    free = reviews.positive_probability(sample(model, **kw)).mean()
    up = reviews.positive_probability(sample(model, guide=WordGuide(reviews, +1, 8.0, 8), **kw)).mean()
    down = reviews.positive_probability(sample(model, guide=WordGuide(reviews, -1, 8.0, 8), **kw)).mean()
    assert up > free + 0.1 and down < free - 0.1, (down, free, up)


class _PrefersLetter:
    """A plain text scorer for the tiny model: P(positive) rises with the share of the letter ``e``."""

    def positive_probability(self, texts):
        return np.array([1 / (1 + np.exp(-20 * (t.count("e") / max(len(t), 1) - 0.05))) for t in texts])


def test_candidates_are_whole_words_of_the_model(tiny_model):
    """Each candidate runs to the first space or newline after a letter (leading ones included), or to the end marker or a cap."""
    model = checkpoint.load(tiny_model).model
    guide = WordGuide(_PrefersLetter(), +1, 1.0, candidates=5, max_word_bytes=12)
    logits, state, _ = model(torch.tensor([[DOC_START, *b"the film "]] * 3))
    budget = [40, 40, 3]
    words, cand_state, cand_last = propose_words(model, state, logits[:, -1], budget, guide, 1.0,
                                                 torch.zeros(256, dtype=torch.bool), torch.Generator().manual_seed(0))
    assert len(words) == 15 and cand_last.shape == (15, 256) and cand_state[0][0].shape[0] == 15
    for n, w in enumerate(words):
        cap = min(12, budget[n // 5])
        assert 1 <= len(w) <= cap
        body = w.lstrip(b" \n")
        inner = [b for b in body[:-1] if b in DELIMITERS]
        assert not inner, w  # no word boundary inside a candidate
        assert len(w) == cap or w[-1] in DELIMITERS, w
    # the state after a candidate is the model's state after reading its bytes
    prefix = [DOC_START, *b"the film "]
    _, replay, _ = model(torch.tensor([prefix + list(words[7])]))
    assert torch.allclose(replay[0][1][0], cand_state[0][1][7], atol=1e-5)


def test_same_seed_same_text_and_the_guide_is_followed(tiny_model):
    model = checkpoint.load(tiny_model).model
    kw = dict(length=80, samples=4, seed=5, stop_at_end=False)
    up, down = WordGuide(_PrefersLetter(), +1, 6.0, 8), WordGuide(_PrefersLetter(), -1, 6.0, 8)
    first = sample(model, guide=up, **kw)
    assert first == sample(model, guide=up, **kw)
    assert all(len(t.encode()) <= 82 for t in first)  # a replaced end marker may add one byte
    share = lambda texts: np.mean([t.count("e") / max(len(t), 1) for t in texts])  # noqa: E731
    assert share(first) > share(sample(model, guide=down, **kw))


def test_ending_the_review_is_left_to_the_model():
    """A candidate that ends the review gets the mean weight of the others, whatever the classifier thinks of the text."""
    weights = torch.log(torch.tensor([[0.9, 0.1, 0.5, 1e-6], [0.2, 0.2, 0.2, 0.2]]))
    ends = [[False, False, False, True], [True, True, True, True]]
    got = _end_at_model_rate(weights, ends)
    assert torch.allclose(got[0, :3], weights[0, :3])
    assert torch.isclose(got[0, 3].exp(), torch.tensor(0.5))
    assert torch.allclose(got[1], torch.zeros(4))  # only endings: all equal


def test_words_method_from_the_command_line(tmp_path, tiny_model, capsys):
    out = tmp_path / "neg.jsonl"
    code = run_cli(["sentiment", "generate", "-m", str(tiny_model), "--sentiment", "negative", "--method", "words",
                    "-n", "40", "--samples", "2", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["steering"]["method"] == "words" and rows[0]["steering"]["target"] == -1
    loaded = checkpoint.load(tiny_model)
    loaded.steering = {"words": {"strength": 3.0, "candidates": 5}}
    record = resolve(loaded, "positive", "words", strength=2.0).record
    assert record["strength"] == 6.0 and record["candidates"] == 5
    with pytest.raises(ApophenicError, match="only --method clamp holds a unit"):
        resolve(loaded, "positive", "words", unit=1)
    loaded.steering = {"words": {"strength": 3.0, "candidates": -2}}  # a checkpoint written by other means
    with pytest.raises(ApophenicError, match="steering.words: expected a strength from 0 to 1000"):
        resolve(loaded, "positive", "words")


@pytest.mark.parametrize("words", [{"strength": -1, "candidates": 8}, {"strength": 2, "candidates": 0},
                                   {"strength": 2, "candidates": 2.5}, {"strength": "high", "candidates": 8}, [8],
                                   {"strength": float("inf"), "candidates": 8}, {"strength": float("nan"), "candidates": 8},
                                   {"strength": 2, "candidates": 10**9}])
def test_a_bad_words_block_in_a_steering_file_is_one_line(tmp_path, tiny_model, capsys, words):
    path = tmp_path / "steering.json"
    path.write_text(json.dumps({"default": "words", "words": words,
                                "direction": {"weights": [0.0] * 12, "bias": 0.0, "alpha": 1.0, "strength": 1.0}}))
    with pytest.raises(ApophenicError, match="words: expected a strength from 0 to 1000 and a whole number of candidates from 1 to 256"):
        read_steering(path, 12)
    out = tmp_path / "m.pt"
    assert run_cli(["sentiment", "export", str(tiny_model), "-o", str(out), "--steering-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "steering.json: words" in err and len(err.strip().splitlines()) == 1 and not out.exists()


_json = st.recursive(st.none() | st.booleans() | st.integers(-10, 40) | st.floats(allow_nan=True) | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                     max_leaves=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=_json | st.fixed_dictionaries({"strength": _json, "candidates": _json}))
def test_any_words_block_is_read_or_refused_in_one_line(tmp_path, words):
    path = tmp_path / "steering.json"
    path.write_text(json.dumps({"default": "words", "words": words,
                                "direction": {"weights": [0.0] * 12, "bias": 0.0, "alpha": 1.0, "strength": 1.0}}))
    try:
        data = read_steering(path, 12)
    except ApophenicError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
        return
    assert data["words"] is None or (0 <= data["words"]["strength"] <= 1000 and 1 <= data["words"]["candidates"] <= 256)


@pytest.mark.parametrize("strength", ["inf", "nan", "1e9", "0"])
def test_a_strength_that_cannot_steer_is_one_line(tiny_model, capsys, strength):
    code = run_cli(["sentiment", "generate", "-m", str(tiny_model), "--sentiment", "positive", "--method", "words",
                    "--strength", strength, "-n", "20"])
    err = capsys.readouterr().err
    assert code == 2 and "strength" in err and len(err.strip().splitlines()) == 1, err
