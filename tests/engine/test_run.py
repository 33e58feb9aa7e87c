"""The optimization loop, end to end on a tiny real preset."""

import json

import numpy as np
import pytest
from PIL import Image

from apophenic.errors import ApophenicError
from apophenic.output import read_recipe
from apophenic.preset_loader import load
from apophenic.run import execute


def _pixels(path):
    return np.asarray(Image.open(path))


def test_run_writes_the_contract(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset))
    result = execute(config, tmp_path / "out", source=source, progress=False, preset="tiny")
    folder = result.folder
    assert folder.parent == tmp_path / "out" and folder.name.startswith("tiny-")
    assert {p.name for p in folder.iterdir()} == {"final.png", "run.json"}
    record = json.loads((folder / "run.json").read_text())
    assert (record["format"], record["kind"], record["files"]) == (1, "run", ["final.png"])
    for key in ("config", "seed", "versions", "device", "wall_seconds", "objective", "scores"):
        assert key in record
    assert record["objective"]["start"]["terms"] and record["objective"]["end"]["total"] is not None
    (score,) = record["scores"]
    assert score["perceiver"] == "efficientnet-lite0" and score["held_out"] is False
    assert score["target"] == "goldfish" and 0 <= score["probability"] <= 1 and score["rank"] >= 1
    assert 0 <= record["clipped"] <= 1
    (robust,) = record["robust"]
    assert robust["perceiver"] == "efficientnet-lite0" and robust["target"] == "goldfish"
    assert list(robust["degradations"]) == ["half-scale", "blur", "jpeg"]
    assert robust["worst_rank"] == max(d["rank"] for d in robust["degradations"].values())
    assert read_recipe(folder / "final.png")["config"] == record["config"]
    assert not list((tmp_path / "out").glob(".tmp-*"))


def test_same_seed_same_pixels_and_other_seed_differs(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset))
    a = execute(config, tmp_path / "a", source=source, progress=False)
    b = execute(config, tmp_path / "b", source=source, progress=False)
    assert np.array_equal(_pixels(a.folder / "final.png"), _pixels(b.folder / "final.png"))
    other, _ = load(str(tiny_preset), ["seed=4"])
    c = execute(other, tmp_path / "c", source=source, progress=False)
    assert not np.array_equal(_pixels(a.folder / "final.png"), _pixels(c.folder / "final.png"))


def test_objective_improves(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["optimizer.steps=12", "transforms=[]"])
    record = execute(config, tmp_path, source=source, progress=False).record
    assert record["objective"]["end"]["total"] > record["objective"]["start"]["total"] + 1.0


def test_nan_stops_the_run_and_writes_nothing(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["objectives[0].weight=nan"])
    with pytest.raises(ApophenicError, match="NaN or infinite"):
        execute(config, tmp_path / "out", source=source, progress=False)
    assert not (tmp_path / "out").exists()  # not even the output folder


def test_held_out_perceiver_is_scored_not_optimized(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), [
        "perceivers[1]={type = 'random-cnn', channels = 4}",
    ])
    # a random-cnn has no labels: only lite0 gets a class score
    record = execute(config, tmp_path, source=source, progress=False).record
    assert [s["perceiver"] for s in record["scores"]] == ["efficientnet-lite0"]
    config, source = load(str(tiny_preset), ["perceivers[0].held_out=true"])
    with pytest.raises(ApophenicError, match="held out"):
        execute(config, tmp_path, source=source, progress=False)


def test_snapshots(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["output.snapshot_every=2"])
    folder = execute(config, tmp_path, source=source, progress=False).folder
    assert sorted(p.name for p in (folder / "snapshots").iterdir()) == ["step-00002.png", "step-00004.png"]


def test_score_targets_are_scored_without_being_optimized(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["score_targets=['tick']", "optimizer.steps=1"])
    record = execute(config, tmp_path, source=source, progress=False).record
    assert [s["target"] for s in record["scores"]] == ["goldfish", "tick"]
    with pytest.raises(ApophenicError, match=r"score_targets.*did you mean 'tick'"):
        load(str(tiny_preset), ["score_targets=['tik']"])
