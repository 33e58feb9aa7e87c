"""Images and the recipes inside them: bombs, oversized or nested text chunks and tampered paths
are one line and exit 2, and a recipe never reads outside the folders the user named.

Each ``--out`` exists beforehand: whether a fresh ``--out`` is created on bad input is the
output cases' concern (test_outputs_*); here nothing may appear inside it or beside the inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contract import assert_handled
from files_support import png_claiming, png_with_text, recipe_png

from apophenic.preset_loader import read_toml
from apophenic.registry import get_registry

BOMB = (20_000, 20_000)


def _class_config(**generator) -> dict:
    path, _ = get_registry().presets["imagenet-class"]
    data = read_toml(path)
    return {**data, "generator": generator, "optimizer": {"type": "adam", "steps": 1}}


@pytest.mark.parametrize(
    "command",
    [
        lambda photo, style, out: ["dream", str(photo), "--steps", "1", "--out", str(out)],
        lambda photo, style, out: ["style", "transfer", str(photo), str(style), "--out", str(out)],
        lambda photo, style, out: ["style", "transfer", str(style), str(photo), "--out", str(out)],
        lambda photo, style, out: ["run", "--from", str(photo), "--out", str(out)],
    ],
    ids=["dream", "style-content", "style-style", "run-from"],
)
def test_a_decompression_bomb_is_one_line(hostile, tmp_path: Path, command):
    bomb = png_claiming(tmp_path / "bomb.png", *BOMB)
    style = png_with_text(tmp_path / "style.png", "x", key="comment")
    out = tmp_path / "out"
    out.mkdir()
    verdict = hostile("image-bomb", command(bomb, style, out), watch=[tmp_path])
    assert_handled(verdict)
    assert "bomb.png" in verdict.err


def test_an_oversized_recipe_text_chunk_is_one_line(hostile, tmp_path: Path):
    big = png_with_text(tmp_path / "big.png", json.dumps({"config": {"pad": " " * 3_000_000}}), compressed=True)
    assert_handled(hostile("recipe-oversized-chunk", ["run", "--from", str(big), "--out", str(tmp_path / "out")], watch=[tmp_path]))


@pytest.mark.parametrize("depth", [100, 100_000])
def test_a_deeply_nested_recipe_is_one_line(hostile, tmp_path: Path, depth):
    text = '{"config": {"seed": ' + "[" * depth + "]" * depth + "}}"
    png = png_with_text(tmp_path / "nested.png", text, compressed=True)
    verdict = hostile(f"recipe-nested-json-{depth}", ["run", "--from", str(png), "--out", str(tmp_path / "out")], watch=[tmp_path])
    assert_handled(verdict)
    assert "nested.png" in verdict.err


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink", "etc-shadow"])
def test_a_recipe_never_reads_outside_the_folders_the_user_named(hostile, tmp_path: Path, where):
    pictures, secrets, out = tmp_path / "pictures", tmp_path / "secrets", tmp_path / "out"
    pictures.mkdir(), secrets.mkdir(), out.mkdir()
    secret = png_with_text(secrets / "secret.png", "private", key="comment")
    target = {
        "absolute": str(secret),
        "dotdot": "../secrets/secret.png",
        "symlink": "link.png",
        "etc-shadow": "/etc/shadow",
    }[where]
    if where == "symlink":
        (pictures / "link.png").symlink_to(secret)
    png = recipe_png(pictures / "tampered.png", _class_config(type="image", path=target))
    verdict = hostile(f"recipe-path-{where}", ["run", "--from", str(png), "--out", str(out)], watch=[tmp_path])
    assert_handled(verdict)
    assert verdict.err.removeprefix("error: ").startswith(str(png)) and "--read-from" in verdict.err


def test_a_recipe_may_read_a_folder_the_user_passes_with_read_from(tmp_path: Path, capsys):
    from apophenic.cli import main

    pictures, shared, out = tmp_path / "pictures", tmp_path / "shared", tmp_path / "out"
    pictures.mkdir(), shared.mkdir()
    start = png_with_text(shared / "start.png", "x", key="comment")
    png = recipe_png(pictures / "ok.png", {**_class_config(type="image", path=str(start)), "size": 32})
    with pytest.raises(SystemExit) as exited:
        main(["run", "--from", str(png), "--read-from", str(shared), "--out", str(out), "-q"])
    assert exited.value.code == 0
    assert list(out.glob("*/final.png"))


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
