"""Images and the recipes inside them: a bomb, an oversized or nested recipe, a recipe naming files
it has no business reading — each one line and exit 2, nothing written beside the inputs, nothing
read outside the folders the user named.

The watched folder is the inputs' (``in/``); an empty ``--out`` folder left behind is the
output-folder half of issue 15 (tests/hostile/test_outputs_*.py), not counted twice here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract import assert_handled
from files_support import png_claiming, png_with_text, small_png


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """The folder the hostile inputs are written to (and watched)."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


@pytest.fixture
def bomb(inputs: Path) -> Path:
    """A 20000 × 20000 PNG header in a few hundred bytes."""
    return png_claiming(inputs / "bomb.png", 20_000, 20_000)


def test_a_decompression_bomb_to_dream_is_one_line(hostile, bomb, tmp_path: Path):
    out = tmp_path / "out"
    verdict = hostile("image-bomb-dream", ["dream", str(bomb), "--steps", "1", "--out", str(out), "-q"], watch=[bomb.parent])
    assert_handled(verdict)
    assert "bomb.png" in verdict.err and "pixels" in verdict.err


def test_a_decompression_bomb_to_style_transfer_is_one_line(hostile, bomb, tmp_path: Path):
    good = small_png(bomb.parent / "good.png")
    for case, argv in (("content", [str(bomb), str(good)]), ("style", [str(good), str(bomb)])):
        verdict = hostile(f"image-bomb-style-{case}", ["style", "transfer", *argv, "--steps", "1", "--out", str(tmp_path / "out"), "-q"],
                          watch=[bomb.parent])
        assert_handled(verdict)
        assert "bomb.png" in verdict.err


def test_a_decompression_bomb_given_to_from_is_one_line(hostile, bomb, tmp_path: Path):
    assert_handled(hostile("image-bomb-from", ["run", "--from", str(bomb), "--out", str(tmp_path / "out"), "-q"], watch=[bomb.parent]))


def test_an_oversized_recipe_text_chunk_is_one_line(hostile, inputs: Path, tmp_path: Path):
    # 2 MB of recipe compresses to a few kB; PIL refuses to inflate text chunks over 1 MB.
    png = png_with_text(inputs / "big.png", json.dumps({"config": {"pad": "x" * 2_000_000}}))
    verdict = hostile("recipe-oversized", ["run", "--from", str(png), "--out", str(tmp_path / "out"), "-q"], watch=[png.parent])
    assert_handled(verdict)
    assert "big.png" in verdict.err


@pytest.mark.parametrize("levels", [100, 100_000])
def test_a_deeply_nested_recipe_is_one_line(hostile, inputs: Path, tmp_path: Path, levels):
    png = png_with_text(inputs / "nested.png", '{"config": {"size": ' + "[" * levels + "]" * levels + "}}")
    verdict = hostile(f"recipe-nested-{levels}", ["run", "--from", str(png), "--out", str(tmp_path / "out"), "-q"], watch=[png.parent])
    assert_handled(verdict)
    assert "nested.png" in verdict.err


def _recipe_naming(tmp_path: Path, image: str, source: str | None = None) -> Path:
    """A tampered recipe: a real image-generator run whose image path points elsewhere."""
    config = {"size": 32, "generator": {"type": "image", "path": image},
              "perceivers": [{"type": "efficientnet-lite0"}], "objectives": [{"type": "class", "target": "tick"}],
              "optimizer": {"type": "adam", "steps": 1}}
    recipe = {"config": config, "preset": "tampered", **({"source": source} if source else {})}
    folder = tmp_path / "downloads"
    folder.mkdir(exist_ok=True)
    return png_with_text(folder / "tampered.png", json.dumps(recipe))


@pytest.mark.parametrize("how", ["absolute", "relative-escape", "source-elsewhere"])
def test_a_recipe_reads_nothing_outside_the_folders_the_user_named(hostile, tmp_path: Path, how):
    secret_folder = tmp_path / "private"
    secret_folder.mkdir()
    secret = small_png(secret_folder / "secret.png")  # readable as an image: only the rule stops it
    image, source = {
        "absolute": (str(secret), None),
        "relative-escape": ("../private/secret.png", None),
        "source-elsewhere": ("secret.png", str(secret_folder / "preset.toml")),
    }[how]
    png = _recipe_naming(tmp_path, image, source)
    out = tmp_path / "out"
    verdict = hostile(f"recipe-reads-outside-{how}", ["run", "--from", str(png), "--out", str(out), "-q"], watch=[tmp_path / "downloads"])
    assert_handled(verdict)
    assert verdict.err.strip().startswith(f"error: {png}") and "--read-from" in verdict.err


def test_a_folder_the_user_names_with_read_from_may_be_read(hostile, tmp_path: Path):
    secret_folder = tmp_path / "private"
    secret_folder.mkdir()
    small_png(secret_folder / "photo.png")
    png = _recipe_naming(tmp_path, str(secret_folder / "photo.png"))
    verdict = hostile("recipe-read-from", ["run", "--from", str(png), "--read-from", str(secret_folder), "--out", str(tmp_path / "out"), "-q"],
                      expect_code=0)
    assert verdict.code == 0, verdict.explain()


def test_a_symlink_in_an_allowed_folder_does_not_lead_outside(hostile, tmp_path: Path):
    secret_folder = tmp_path / "private"
    secret_folder.mkdir()
    small_png(secret_folder / "secret.png")
    png = _recipe_naming(tmp_path, "link.png")
    (png.parent / "link.png").symlink_to(secret_folder / "secret.png")
    from PIL import Image

    with Image.open(png) as im:
        recipe = json.loads(im.text["apophenic:recipe"])
    recipe["source"] = str(png.parent / "preset.toml")
    png_with_text(png, json.dumps(recipe))
    verdict = hostile("recipe-symlink-outside", ["run", "--from", str(png), "--out", str(tmp_path / "out"), "-q"])
    assert_handled(verdict)
    assert "--read-from" in verdict.err

