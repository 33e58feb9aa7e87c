"""Coarse-to-fine passes and tiles: coverage, blending without seams, and the whole command end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apophenic.cli import main as _main
from PIL import Image


def main(argv: list[str]) -> None:
    """The console entry point; success (exit 0) returns, anything else raises SystemExit."""
    try:
        _main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
from apophenic.plugins.style.schedule import feather, pass_sizes, stitch, tile_regions


def test_pass_sizes_double_up_to_the_output():
    assert pass_sizes((200, 300), 3) == [(50, 75), (100, 150), (200, 300)]
    assert pass_sizes((40, 40), 4) == [(20, 20), (40, 40)]  # never below 16 px


@pytest.mark.parametrize("size,tile,overlap", [((100, 130), 48, 8), ((64, 64), 64, 8), ((97, 50), 40, 12)])
def test_tiles_cover_every_pixel_and_neighbours_overlap(size, tile, overlap):
    regions = tile_regions(size, tile, overlap)
    cover = torch.zeros(size)
    for top, left, h, w in regions:
        assert h <= tile and w <= tile and top + h <= size[0] and left + w <= size[1]
        cover[top:top + h, left:left + w] += 1
    assert (cover >= 1).all()
    lefts = sorted({r[1] for r in regions})
    for a, b in zip(lefts, lefts[1:]):
        assert a + min(tile, size[1]) - b >= overlap


def test_stitching_crops_of_one_image_gives_the_image_back():
    torch.manual_seed(0)
    image = torch.rand(1, 3, 90, 120)
    regions = tile_regions((90, 120), 50, 10)
    tiles = [((t, x, h, w), image[..., t:t + h, x:x + w]) for t, x, h, w in regions]
    assert torch.allclose(stitch(tiles, (90, 120), 10), image, atol=1e-6)
    f = feather(50, 50, 10)
    assert float(f.min()) > 0 and float(f[..., 25, 25]) == 1.0


def test_transfer_command_with_passes_and_tiles_writes_one_picture(tmp_path, tiny_style_preset, content_png, style_png):
    out = tmp_path / "out"
    main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset), "--size", "72",
          "--passes", "2", "--tile", "40", "--overlap", "8", "--steps", "3", "--seed", "2", "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert (record["format"], record["kind"], record["files"]) == (1, "style", ["final.png"])
    assert [p["label"].split(",")[0] for p in record["parts"]][:1] == ["pass 1/2 at 36×24"]
    assert sum("tile" in p["label"] for p in record["parts"]) == len(tile_regions((48, 72), 40, 8))
    image = np.asarray(Image.open(folder / "final.png"))
    assert image.shape == (48, 72, 3)
    assert "apophenic:recipe" in Image.open(folder / "final.png").text


def test_tiled_result_has_no_seams(tmp_path, tiny_style_preset, content_png, style_png):
    """The column where two tiles meet is no sharper than the picture's typical column."""
    out = tmp_path / "out"
    main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset), "--size", "72",
          "--tile", "48", "--overlap", "16", "--steps", "4", "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    image = np.asarray(Image.open(folder / "final.png")).astype(np.float32)
    energy = np.abs(np.diff(image, axis=1)).mean(axis=(0, 2))  # per-column horizontal gradient
    seams = [r[1] for r in tile_regions((48, 72), 48, 16) if r[1] > 0]
    for s in seams:
        for col in range(s - 1, s + 17):  # the whole overlap band
            assert energy[col] < np.percentile(energy, 95) * 1.5


def test_missing_style_image_exits_2_with_one_line_and_writes_nothing(tmp_path, tiny_style_preset, content_png, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["style", "transfer", str(content_png), str(tmp_path / "nope.png"), "--preset", str(tiny_style_preset), "--out", str(out)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "nope.png" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_layer_missing_from_the_network_exits_2(tmp_path, tiny_style_preset, content_png, style_png, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset),
              "--set", "objectives[1].layers=[\"conv3\", \"relu5_1\"]", "--out", str(out)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "relu5_1" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_shipped_image_presets_validate_and_are_listed():
    from apophenic.preset_loader import load
    from apophenic.registry import get_registry

    registry = get_registry()
    for name in ("style-transfer", "style-random-net", "style-strokes"):
        assert registry.presets[name][1] == "style"
        config, path = load(name)
        assert config.description and path.parent.name == "presets"
    assert "style-audio" not in registry.presets  # its own format, run by `apophenic style audio`


def test_colour_preserving_transfer_keeps_the_photos_chroma(tmp_path, tiny_style_preset, content_png, style_png):
    from apophenic.plugins.style.color import rgb_to_yiq

    out = tmp_path / "out"
    main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset), "--colors", "luminance",
          "--steps", "4", "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    result = torch.from_numpy(np.asarray(Image.open(folder / "final.png"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    photo = Image.open(content_png).convert("RGB").resize((result.shape[-1], result.shape[-2]), Image.BILINEAR)
    photo = torch.from_numpy(np.asarray(photo, dtype=np.float32) / 255).permute(2, 0, 1)[None]
    a, b = rgb_to_yiq(result), rgb_to_yiq(photo)
    assert float((a[:, 1:] - b[:, 1:]).abs().mean()) < 0.02  # colours kept (8-bit rounding, resampling)
    assert float((a[:, 0] - b[:, 0]).abs().mean()) > 0.005  # luminance restyled


def test_engine_run_reports_content_and_style_terms(tmp_path, tiny_style_preset):
    """`apophenic run` on a style preset: both terms reported, the style distance falls."""
    out = tmp_path / "out"
    main(["run", str(tiny_style_preset), "--steps", "6", "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    record = json.loads((folder / "run.json").read_text())
    start, end = record["objective"]["start"]["terms"], record["objective"]["end"]["terms"]
    style = next(k for k in start if k.startswith("style"))
    content = next(k for k in start if k.startswith("content"))
    assert -end[style] < -start[style]
    assert start[content] == pytest.approx(0, abs=1e-6)  # it starts from the content photo


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_both_optimizers_lower_the_style_distance(tmp_path, tiny_style_preset, content_png, style_png, optimizer):
    out = tmp_path / "out"
    main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset), "--optimizer", optimizer,
          "--steps", "3", "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    (part,) = json.loads((folder / "run.json").read_text())["parts"]
    key = next(k for k in part["start"]["terms"] if k.startswith("style"))
    assert -part["end"]["terms"][key] < 0.9 * -part["start"]["terms"][key]


def test_output_keeps_the_photos_aspect_ratio(tmp_path, tiny_style_preset, content_png, style_png):
    out = tmp_path / "out"
    main(["style", "transfer", str(content_png), str(style_png), "--preset", str(tiny_style_preset), "--steps", "1",
          "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    assert Image.open(folder / "final.png").size == (48, 32)  # preset size 48, photo 72×48


def test_strokes_painting_in_a_style_exports_svg(tmp_path, content_png, style_png):
    """Style as a constraint: a stroke scene with content + style terms, written as SVG."""
    preset = tmp_path / "strokes.toml"
    preset.write_text(f"""
description = "tiny strokes in a style"
size = 48
device = "cpu"
[generator]
type = "strokes"
strokes = 12
[[perceivers]]
type = "random-cnn"
kernels = [3, 5]
channels = 8
[[objectives]]
type = "content"
image = "{content_png.name}"
layers = ["conv3"]
[[objectives]]
type = "style"
image = "{style_png.name}"
layers = ["conv3", "conv5"]
weight = 5.0
[optimizer]
type = "adam"
lr = 0.05
steps = 4
""")
    out = tmp_path / "out"
    main(["run", str(preset), "--out", str(out), "--quiet"])
    (folder,) = out.iterdir()
    svg = (folder / "final.svg").read_text()
    assert svg.count("<path") >= 12
    record = json.loads((folder / "run.json").read_text())
    key = next(k for k in record["objective"]["start"]["terms"] if k.startswith("style"))
    assert -record["objective"]["end"]["terms"][key] < -record["objective"]["start"]["terms"][key]
