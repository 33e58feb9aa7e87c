"""The `strokes` generator: seeded, constrained at every step, exports SVG + print PNG, starts from an SVG."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import torch
from PIL import Image

from apophenic.component import BuildContext
from apophenic.errors import ApophenicError
from apophenic.plugins.strokes import StrokesConfig, StrokesGenerator
from apophenic.renderers.colors import parse_color
from apophenic.renderers.svg import read_svg

CTX = BuildContext(size=(64, 80), seed=7)


def _scramble(gen: StrokesGenerator, scale: float = 6.0) -> None:
    """Push every parameter far from its start, as a wild optimizer step would."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in gen.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)


def test_renders_images_in_range_and_the_seed_decides_them():
    config = StrokesConfig(strokes=6, blobs=2, rectangles=1, batch=2)
    image = config.build(CTX).render()
    assert image.shape == (2, 3, 64, 80) and image.min() >= 0 and image.max() <= 1
    assert torch.equal(image, config.build(CTX).render())
    assert not torch.equal(image, config.build(BuildContext(size=(64, 80), seed=8)).render())


def test_constraints_hold_for_any_parameter_values():
    palette = ["#ff0000", "#00ff00", "#0000ff"]
    config = StrokesConfig(strokes=12, blobs=3, rectangles=2, palette=palette, width=(2.0, 5.0), opacity=(0.3, 0.8),
                           max_segment_length=0.25, segments=3, softness=(0.0, 2.0))
    gen = config.build(CTX)
    _scramble(gen)
    gen.set_progress(1.0)
    scene = gen.build_scene()
    assert scene.stroke_width.min() >= 2.0 and scene.stroke_width.max() <= 5.0
    for rgba in (scene.stroke_rgba, scene.blob_rgba, scene.rect_rgba):
        assert rgba[..., 3].min() >= 0.3 - 1e-6 and rgba[..., 3].max() <= 0.8 + 1e-6
        colours = {tuple(round(c, 4) for c in row) for row in rgba[0, :, :3].tolist()}
        assert colours <= {tuple(round(c, 4) for c in parse_color(p)) for p in palette}
    segment = scene.stroke_points[:, :, 3:] [:, :, ::3] - scene.stroke_points[:, :, :-3][:, :, ::3]
    assert segment.norm(dim=-1).max() <= 0.25 * 64 + 1e-4
    assert scene.stroke_segments == 3 and scene.blob_softness.max() <= 2.0
    boxes = scene.rect_boxes
    assert (boxes[..., 2] >= boxes[..., 0]).all() and boxes.min() >= 0 and boxes[..., 2].max() <= 80


def test_palette_choice_is_soft_early_and_hard_by_the_end_with_gradients_throughout():
    gen = StrokesConfig(strokes=4, palette=["black", "white", "red"], harden_at=0.8).build(CTX)
    gen.set_progress(0.0)
    early = gen.build_scene().stroke_rgba[..., :3]
    assert not all(row in ([0, 0, 0], [1, 1, 1], [1, 0, 0]) for row in early[0].tolist())
    gen.set_progress(1.0)
    gen.render().mean().backward()
    assert gen.stroke_colour.grad is not None and gen.stroke_colour.grad.abs().sum() > 0
    late = gen.build_scene().stroke_rgba[0, :, :3].tolist()
    assert all(row in ([0, 0, 0], [1, 1, 1], [1, 0, 0]) for row in late)


def test_export_writes_svg_and_print_png(tmp_path: Path):
    gen = StrokesConfig(strokes=5, blobs=1).build(CTX)
    files = gen.export(tmp_path, "final")
    assert [f.name for f in files] == ["final.svg", "final@320px.png"]  # four times the run's long side
    assert Image.open(tmp_path / "final@320px.png").size == (320, 256)
    back = read_svg(tmp_path / "final.svg")
    assert (back.num_strokes, back.num_blobs) == (5, 1)
    files = gen.export(tmp_path, "other", print_size=100)
    assert Image.open(files[1]).size == (100, 80) and files[1].name == "other@100px.png"


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_exported_files_get_the_usual_permissions(tmp_path: Path, umask: int):
    # A print shop's or a web server's account must be able to read the SVG and the print PNG,
    # as it reads final.png: the mode is 0666 less the umask, never a private 0600.
    gen = StrokesConfig(strokes=3).build(CTX)
    old = os.umask(umask)
    try:
        files = gen.export(tmp_path, "final")
    finally:
        os.umask(old)
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: oct(0o666 & ~umask) for f in files}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)  # no temporary file left


def test_export_refuses_an_insane_print_size_and_writes_nothing(tmp_path: Path):
    gen = StrokesConfig(strokes=2).build(CTX)
    with pytest.raises(ApophenicError, match="1000000"):
        gen.export(tmp_path, "final", print_size=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_starting_from_an_svg_reproduces_it(tmp_path: Path):
    config = StrokesConfig(strokes=6, blobs=2, rectangles=2, cap="butt")
    gen = config.build(CTX)
    gen.set_progress(1.0)
    svg = gen.export(tmp_path, "drawing")[0]
    again = StrokesConfig(init_svg=str(svg), cap="butt").build(BuildContext(size=(64, 80), source=tmp_path / "p.toml"))
    with torch.no_grad():
        assert (again.render() - gen.render()).abs().mean() < 1 / 255
    assert StrokesGenerator.from_svg(svg).size == (64, 80)


def test_init_svg_that_breaks_the_style_is_an_error(tmp_path: Path):
    svg = StrokesConfig(strokes=2, blobs=1).build(CTX).export(tmp_path, "x")[0]
    with pytest.raises(ApophenicError, match="blobs"):
        StrokesConfig(init_svg=str(svg), style="line-only").build(CTX)
    with pytest.raises(ApophenicError, match="missing.svg"):
        StrokesConfig(init_svg="missing.svg").build(BuildContext(source=tmp_path / "p.toml"))


def test_a_few_adam_steps_bring_the_drawing_closer_to_a_target():
    target = torch.zeros(1, 3, 64, 80)
    target[:, 0, 16:48, 20:60] = 1.0  # a red block on black
    gen = StrokesConfig(strokes=10, width=(4.0, 10.0), background="black").build(CTX)
    opt = torch.optim.Adam(gen.parameters(), lr=0.1)
    with torch.no_grad():
        start = float(((gen.render() - target) ** 2).mean())
    for step in range(15):
        gen.set_progress(step / 14)
        opt.zero_grad()
        loss = ((gen.render() - target) ** 2).mean()
        loss.backward()
        opt.step()
        gen.constrain()
    with torch.no_grad():
        assert float(((gen.render() - target) ** 2).mean()) < 0.8 * start
    assert math.isfinite(start)
