"""Steering: clamp, direction and the future-discriminator guide, on a small trained model."""

from __future__ import annotations

import pytest
import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.fluency import fluency, is_word
from apophenic.plugins.sentiment.generate import Guide, sample
from apophenic.plugins.sentiment.model import add_direction
from apophenic.plugins.sentiment.steering import resolve


def _direction(hidden: int) -> torch.Tensor:
    return torch.linspace(-1, 1, hidden)


def test_direction_is_added_to_the_cell_state_every_step(tiny_model):
    model = checkpoint.load(tiny_model).model
    x = torch.randint(32, 127, (2, 7))
    d = _direction(model.spec.hidden)
    _, _, free = model(x, keep_cells=True, steer=lambda c: c)
    _, _, pushed = model(x, keep_cells=True, steer=add_direction(d, 0.0))
    assert torch.allclose(free, pushed)
    _, _, pushed = model(x, keep_cells=True, steer=add_direction(d, 3.0))
    assert torch.allclose(pushed[:, 0] - free[:, 0], 3.0 * d.expand(2, -1), atol=1e-5)  # the first byte: exactly +alpha*d


def test_guide_raises_what_its_discriminator_says(tiny_model):
    """FUDGE re-ranking: text written under the guide reads as the target to its own discriminator."""
    model = checkpoint.load(tiny_model).model
    d = _direction(model.spec.hidden)
    up = Guide(d, 0.0, +1, strength=8.0, candidates=6)
    down = Guide(d, 0.0, -1, strength=8.0, candidates=6)

    def mean_score(texts):
        from apophenic.plugins.sentiment.features import to_bytes

        scores = []
        for t in texts:
            with torch.no_grad():
                _, _, cells = model(torch.tensor([to_bytes(t)]), keep_cells=True)
            scores.append(float((cells[0, 1:] @ d).mean()))
        return sum(scores) / len(scores)

    kw = dict(length=40, samples=6, seed=3, stop_at_end=False)
    assert mean_score(sample(model, guide=up, **kw)) > mean_score(sample(model, guide=down, **kw))


def test_methods_need_what_they_steer_with(tiny_model):
    loaded = checkpoint.load(tiny_model)
    with pytest.raises(ApophenicError, match="has no sentiment direction"):
        resolve(loaded, "positive", "fudge")
    with pytest.raises(ApophenicError, match="--method .magic.: expected one of auto, clamp, direction, fudge, words"):
        resolve(loaded, "positive", "magic")
    loaded.steering = {"direction": {"weights": torch.ones(5), "bias": 0.0, "alpha": 1.0, "strength": 1.0}}
    with pytest.raises(ApophenicError, match="the stored direction has \\(5,\\) weights; the model has 12 units"):
        resolve(loaded, "negative", "direction")
    assert resolve(loaded, "none").record is None


def test_fluency_counts_dictionary_words():
    assert fluency(["The film was wonderful, wasn't it?"]) == 1.0
    assert fluency(["thw flim wsa wnoderful"]) == 0.0
    assert is_word("--", frozenset()) is None  # punctuation is not counted either way
    assert fluency(["a 10/10 movie ; xqzt"]) == pytest.approx(3 / 4)


def test_exported_discriminator_guides_generation(tmp_path, tiny_model, imdb_small, capsys):
    """A fine-tuned discriminator ships beside the model and --method fudge reads it from there."""
    import json

    import numpy as np
    from apophenic.plugins.sentiment.corpus import binary_labels, read_documents
    from apophenic.plugins.sentiment.discriminator import train_discriminator
    from sentiment_support import run_cli

    docs = read_documents(imdb_small, text="review", label="sentiment")
    y, _ = binary_labels(docs.labels, "imdb")
    lm = checkpoint.load(tiny_model).model
    model, head, acc = train_discriminator(lm, docs.texts[:60], y[:60], docs.texts[60:], y[60:], steps=3, length=60,
                                           batch=8, report=lambda _: None)
    assert 0.0 <= acc["all_positions"] <= 1.0 and "after_60" in acc
    judge = tmp_path / "judge.pt"
    checkpoint.save(judge, model, {}, steering={"direction": {"weights": head.weight[0].detach(), "bias": 0.0,
                                                              "alpha": 1.0, "strength": 1.0, "squash": True}})
    steering = tmp_path / "steering.json"
    steering.write_text(json.dumps({"default": "fudge", "direction": {"weights": np.ones(12).tolist(), "bias": 0.0,
                                                                      "alpha": 1.0, "strength": 1.0}}))
    out = tmp_path / "m.pt"
    assert run_cli(["sentiment", "export", str(tiny_model), "-o", str(out), "--steering-file", str(steering),
                    "--discriminator", str(judge)]) == 0
    assert (tmp_path / "m-discriminator.pt").is_file()
    capsys.readouterr()
    assert run_cli(["sentiment", "generate", "-m", str(out), "--sentiment", "negative", "-n", "30", "--samples", "2"]) == 0
    assert capsys.readouterr().out.strip()
    loaded = checkpoint.load(out)
    assert resolve(loaded, "positive").record["discriminator"] == "m-discriminator.pt"
    loaded.steering["fudge"]["discriminator"] = "../judge.pt"  # a path, not a name beside the model: refused
    with pytest.raises(ApophenicError, match="expected a file name beside the model"):
        resolve(loaded, "positive", "fudge")
