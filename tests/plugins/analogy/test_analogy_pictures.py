"""Words to pictures: nearest ImageNet class in the word space, and runs that draw it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apophenic.plugins.analogy import shipped
from apophenic.plugins.analogy.pictures import nearest_classes, phrase_vector

DATA = Path(__file__).resolve().parents[3] / "plugins" / "analogy" / "data"


@pytest.mark.parametrize(("word", "expected"), [("goldfish", "goldfish"), ("kitten", "tabby"), ("banana", "banana")])
def test_a_word_finds_its_class(word, expected):
    matches = nearest_classes(shipped.load(), word, k=3)
    assert matches[0].name == expected
    assert matches[0].cosine >= matches[1].cosine >= matches[2].cosine
    assert len({m.index for m in matches}) == 3


def test_phrases_need_every_word(small_vectors):
    assert phrase_vector(small_vectors, "king queen") is not None
    assert phrase_vector(small_vectors, "king zebra") is None


@pytest.mark.slow
def test_draw_runs_the_preset_with_the_answer_class(run_cli, tmp_path):
    code, out, err = run_cli(["analogy", "draw", "dog", "puppy", "cat", "--steps", "1", "--out", str(tmp_path)])
    assert code == 0, err
    assert "tabby" in out
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("*/run.json")]
    assert record["config"]["objectives"][0]["target"] == 281  # tabby, tabby cat


@pytest.mark.slow
def test_image_command_reports_the_cosine(run_cli, tmp_path):
    paths = [str(DATA / n) for n in ("red-circle.png", "blue-circle.png", "red-square.png")]
    code, out, err = run_cli(["analogy", "image", *paths, "--steps", "2", "--out", str(tmp_path)])
    assert code == 0, err
    assert "cosine to B − A + C" in out
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("*/run.json")]
    assert [record["config"]["objectives"][0][k] for k in "abc"] == paths
