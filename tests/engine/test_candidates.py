"""Several starts, the best kept by the optimized ensemble's objective (never the held-out score)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from apophenic.candidates import candidate_seed
from apophenic.errors import ConfigError
from apophenic.preset_loader import load
from apophenic.run import execute

HELD = "perceivers[1]={type='efficientnet-lite1', resize=64, held_out=true}"


def _run(tmp_path, tiny_preset, *sets):
    config, source = load(str(tiny_preset), [HELD, "optimizer.steps=6", *sets])
    return execute(config, tmp_path, source=source, progress=False)


def test_best_start_by_the_optimized_objective_continues(tmp_path, tiny_preset):
    result = _run(tmp_path / "a", tiny_preset, "candidates={count=3, steps=2}")
    tried = result.record["candidates"]
    assert tried["count"] == 3 and tried["steps"] == 2 and len(tried["tried"]) == 3
    assert [t["seed"] for t in tried["tried"]] == [candidate_seed(3, k) for k in range(3)] and tried["tried"][0]["seed"] == 3
    objectives = [t["objective"] for t in tried["tried"]]
    assert len(set(objectives)) == 3  # different starts, different pictures
    assert tried["chosen"] == int(np.argmax(objectives))
    # same recipe, same pixels
    again = _run(tmp_path / "b", tiny_preset, "candidates={count=3, steps=2}")
    assert np.array_equal(np.asarray(Image.open(result.folder / "final.png")), np.asarray(Image.open(again.folder / "final.png")))


def test_choice_never_depends_on_the_held_out_classifier(tmp_path, tiny_preset):
    """Swap which classifier is held out: the same candidates score the same and the same one wins."""
    a = _run(tmp_path / "c", tiny_preset, "candidates={count=3, steps=2}").record
    b = _run(tmp_path / "d", tiny_preset, "candidates={count=3, steps=2}",
             "perceivers[1]={type='efficientnet-lite2', resize=64, held_out=true}").record
    assert a["candidates"] == b["candidates"]
    assert [s["perceiver"] for s in a["scores"] if s["held_out"]] != [s["perceiver"] for s in b["scores"] if s["held_out"]]
    plain = _run(tmp_path / "e", tiny_preset).record
    assert "candidates" not in plain  # one start: nothing recorded


@pytest.mark.parametrize(("sets", "message"), [
    (["candidates={count=2, steps=0}"], "candidates.steps: expected 1..5"),
    (["candidates={count=2, steps=6}"], "candidates.steps: expected 1..5"),
    (["candidates={count=0}"], "candidates.count"),
    (["candidates={count=2, tries=3}"], "candidates.tries: unknown key"),
])
def test_bad_candidates_are_one_line_errors(tmp_path, tiny_preset, sets, message, files_under):
    with pytest.raises(ConfigError) as err:
        _run(tmp_path / "out", tiny_preset, *sets)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert files_under(tmp_path / "out") == []
