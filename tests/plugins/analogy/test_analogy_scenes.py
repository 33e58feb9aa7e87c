"""The direct form on drawing parameters: D = B − A + C on stroke scenes of one structure."""

from __future__ import annotations

import pytest
import torch

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.scenes import scene_analogy
from apophenic.renderers import rasterize, read_svg, write_svg
from apophenic.renderers.demo import demo_scene


def test_a_translation_carries_over():
    a = demo_scene(64, strokes=6, blobs=2, rects=1, seed=0)
    c = demo_scene(64, strokes=6, blobs=2, rects=1, seed=1)
    shift = torch.tensor([5.0, -3.0])
    b = a.detach()
    b.stroke_points = a.stroke_points + shift
    b.blob_points = a.blob_points + shift
    d = scene_analogy(a, b, c)
    torch.testing.assert_close(d.stroke_points, c.stroke_points + shift)
    torch.testing.assert_close(d.blob_points, c.blob_points + shift)
    torch.testing.assert_close(d.stroke_rgba, c.stroke_rgba)
    assert rasterize(d).shape == (1, 3, 64, 64)


def test_same_a_and_c_gives_b_and_colours_stay_valid():
    a = demo_scene(48, strokes=4, blobs=1, rects=2, seed=2)
    b = demo_scene(48, strokes=4, blobs=1, rects=2, seed=3)
    d = scene_analogy(a, b, a)
    torch.testing.assert_close(d.stroke_points, b.stroke_points)
    other = scene_analogy(b, a, demo_scene(48, strokes=4, blobs=1, rects=2, seed=4))
    for name in ("stroke_rgba", "blob_rgba", "rect_rgba", "background"):
        value = getattr(other, name)
        assert value.min() >= 0 and value.max() <= 1
    boxes = other.rect_boxes
    assert (boxes[..., 2] >= boxes[..., 0]).all() and (boxes[..., 3] >= boxes[..., 1]).all()


def test_different_structures_are_refused():
    with pytest.raises(ApophenicError, match="B and A differ in structure \\(strokes 4 vs 5\\)"):
        scene_analogy(demo_scene(48, strokes=4, blobs=1, rects=0), demo_scene(48, strokes=5, blobs=1, rects=0),
                      demo_scene(48, strokes=4, blobs=1, rects=0))


def test_scene_command_writes_svg_and_png(run_cli, tmp_path):
    paths = []
    for i in range(3):
        paths.append(write_svg(demo_scene(48, strokes=3, blobs=1, rects=1, seed=i), tmp_path / f"{i}.svg"))
    code, out, err = run_cli(["analogy", "scene", *map(str, paths), "--out", str(tmp_path / "d.svg")])
    assert code == 0, err
    assert read_svg(tmp_path / "d.svg").num_strokes == 3
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"
