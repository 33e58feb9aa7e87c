"""A pipeline (stage) recipe: its `extends`/stage presets are confined like any recipe path, and
its errors name the PNG the user gave, not a preset path written inside the recipe."""

from __future__ import annotations

from pathlib import Path

from contract import assert_handled
from files_support import recipe_png


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
