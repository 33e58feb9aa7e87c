"""A pipeline (stage) recipe: its `extends`/stage presets are confined like any recipe path, and
its errors name the PNG the user gave, not a preset path written inside the recipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract import assert_handled
from files_support import png_with_text, recipe_png


def test_a_stage_recipe_error_names_the_png_the_user_gave(hostile, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "stage.toml").write_text('generator = { type = "fourier" }\n')
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    png = recipe_png(pictures / "pipeline.png", {"stages": [{"name": "a", "preset": str(elsewhere / "stage.toml")}]},
                     pipeline=True, source=str(elsewhere / "pipeline.toml"))
    verdict = hostile("recipe-stage-outside", ["run", "--from", str(png), "--out", str(tmp_path / "out")], watch=[tmp_path])
    assert_handled(verdict)
    assert verdict.err.removeprefix("error: ").startswith(str(png))


def test_a_broken_stage_recipe_names_the_png(hostile, tmp_path: Path):
    png = recipe_png(tmp_path / "pipeline.png", {"stages": [{"name": "a", "preset": "imagenet-class", "set": {"size": "huge"}}]},
                     pipeline=True)
    verdict = hostile("recipe-stage-invalid", ["run", "--from", str(png), "--out", str(tmp_path / "out")], watch=[tmp_path])
    assert_handled(verdict)
    assert verdict.err.removeprefix("error: ").startswith(str(png))


@pytest.mark.parametrize("stages", [
    [{"name": "draw", "preset": "perception-engine", "init": "bogus"}],
    [{"name": "draw", "preset": "no-such-preset"}],
    [{"name": "restyle", "preset": "style-strokes", "init": "previous"}],
])
def test_a_stage_recipes_error_names_the_png_the_user_gave(hostile, tmp_path: Path, stages):
    recipe = {"config": {"seed": 0, "stages": stages}, "preset": "draw-restyle-dream", "pipeline": True,
              "source": "/nowhere/presets/draw-restyle-dream.toml"}
    png = png_with_text(tmp_path / "stage.png", json.dumps(recipe))
    verdict = hostile(f"stage-recipe-error-{stages[0].get('init', stages[0]['preset'])}",
                      ["run", "--from", str(png), "--steps", "1", "--out", str(tmp_path / "out"), "-q"], watch=[tmp_path])
    assert_handled(verdict)
    assert verdict.err.strip().startswith(f"error: {png}"), verdict.err
