"""Optimize/hold-out splits, sweeps with a contact sheet, leave-one-out transfer matrices, CLI bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from apophenic.errors import ApophenicError
from apophenic.plugins.abstraction.ensemble import parse_list, set_target, split_perceivers
from apophenic.preset_loader import load_data
from apophenic.registry import get_registry

PRESET = """
description = "tiny abstraction test preset"
seed = 1
size = 32
augmentations = 1
[generator]
type = "fourier"
[[perceivers]]
type = "efficientnet-lite0"
resize = 64
[[perceivers]]
type = "efficientnet-lite1"
resize = 64
held_out = true
[[objectives]]
type = "class"
target = "goldfish"
score = "margin"
[[transforms]]
type = "perspective"
[[transforms]]
type = "blur"
sigma = 0.5
[optimizer]
type = "adam"
lr = 0.05
steps = 2
"""


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-abstraction.toml"
    path.write_text(PRESET)
    return path


def _data(preset: Path) -> dict:
    return load_data(str(preset), [], get_registry())[0]


def test_split_keeps_preset_settings_and_holds_out_the_rest(preset):
    data = _data(preset)
    only_optimize = split_perceivers(data, ["efficientnet-lite1"], None)
    flags = {p["type"]: p["held_out"] for p in only_optimize["perceivers"]}
    assert flags == {"efficientnet-lite1": False, "efficientnet-lite0": True}
    assert all(p["resize"] == 64 for p in only_optimize["perceivers"])  # preset settings survive
    added = split_perceivers(data, None, ["efficientnet-lite2"])
    assert [(p["type"], p["held_out"]) for p in added["perceivers"]] == [
        ("efficientnet-lite0", False), ("efficientnet-lite1", False), ("efficientnet-lite2", True)]
    assert split_perceivers(data, None, None) is data
    assert parse_list(" a, b ,,c ") == ["a", "b", "c"] and parse_list("  ") is None


def test_a_held_out_perceiver_also_optimized_is_an_error(preset):
    with pytest.raises(ApophenicError, match="both to optimize and to hold out"):
        split_perceivers(_data(preset), ["efficientnet-lite0", "efficientnet-lite1"], ["efficientnet-lite1"])


def test_unknown_target_suggests_classes_and_a_preset_without_class_objective_is_refused(preset):
    with pytest.raises(ApophenicError, match="did you mean 'tick'"):
        set_target(_data(preset), "tikc")
    no_class = {**_data(preset), "objectives": [{"type": "total-variation"}]}
    with pytest.raises(ApophenicError, match="no objective of type 'class'"):
        set_target(no_class, "tick")
    assert set_target(_data(preset), "tick")["objectives"][0]["target"] == "tick"


def test_sweep_writes_runs_sheet_and_held_out_scores(preset, tmp_path):
    from apophenic.plugins.abstraction.sweep import sweep

    out = tmp_path / "out"
    drawings = sweep(_data(preset), ["electric fan", "tick"], out, source=preset, progress=False)
    assert [d.target for d in drawings] == ["electric fan", "tick"]
    summary = json.loads((out / "sweep.json").read_text())
    for run, target in zip(summary["runs"], ["electric fan", "tick"]):
        held = [s for s in run["scores"] if s["held_out"]]
        assert [s["perceiver"] for s in held] == ["efficientnet-lite1"]
        assert held[0]["target"] == ("electric fan" if target == "electric fan" else "tick")
        assert 1 <= held[0]["rank"] <= 1000 and 0 <= held[0]["probability"] <= 1
        assert (Path(run["folder"]) / "final.png").is_file()
    sheet = Image.open(out / "contact-sheet.png")
    assert sheet.width > 2 * 224 and sheet.height > 224  # two drawings side by side, captions underneath
    assert not list(out.glob(".*tmp*"))


def test_leave_one_out_holds_out_each_classifier_once(preset, tmp_path):
    from apophenic.plugins.abstraction.sweep import leave_one_out

    matrix = leave_one_out(_data(preset), "tick", None, tmp_path, source=preset, progress=False)
    assert matrix["perceivers"] == ["efficientnet-lite0", "efficientnet-lite1"]
    assert [r["held_out"] for r in matrix["rows"]] == matrix["perceivers"]
    for row in matrix["rows"]:
        assert set(row["scores"]) == set(matrix["perceivers"])
        held = [n for n, s in row["scores"].items() if s["held_out"]]
        assert held == [row["held_out"]]
    assert json.loads((tmp_path / "transfer-tick.json").read_text()) == matrix
    assert (tmp_path / "transfer-tick.png").is_file()


def test_cli_bad_input_exits_2_and_writes_nothing(preset, tmp_path):
    from apophenic.cli import main

    out = tmp_path / "never"
    for args in (
        ["abstraction", "sweep", "--targets", "tick,electrik fann", "--preset", str(preset), "--out", str(out)],
        ["abstraction", "sweep", "--targets", "tick", "--preset", str(preset), "--optimize", "efficientnet-lite1",
         "--hold-out", "efficientnet-lite1", "--out", str(out)],
        ["abstraction", "leave-one-out", "--target", "tick", "--perceivers", "efficientnet-lite0", "--preset", str(preset),
         "--out", str(out)],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2
    assert not out.exists() or not any(out.iterdir())


def test_cli_sweep_prints_both_tables_and_says_when_nothing_is_held_out(preset, tmp_path, capsys, monkeypatch):
    from apophenic.cli import main

    monkeypatch.setenv("COLUMNS", "250")  # keep rich from wrapping the sentence

    with pytest.raises(SystemExit) as exit_:
        main(["abstraction", "sweep", "--targets", "tick", "--preset", str(preset), "--hold-out", "", "--optimize",
              "efficientnet-lite0,efficientnet-lite1", "--out", str(tmp_path), "--steps", "1"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "no held-out score exists" in text and "contact sheet" in text
    assert (tmp_path / "contact-sheet.png").is_file()
