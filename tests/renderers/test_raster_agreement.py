"""The differentiable raster agrees with skia's (and cairo's) raster of the exported SVG."""

from __future__ import annotations

import numpy as np
import pytest

from apophenic.errors import ApophenicError
from apophenic.renderers.demo import demo_scene
from apophenic.renderers.raster import MAX_PRINT_SIDE, print_shape, render_cairo, render_skia, render_svg
from apophenic.renderers.rasterize import rasterize


def _mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.float64) - b.astype(np.float64)).mean(axis=(0, 1))


@pytest.mark.parametrize("soft", [False, True])
def test_differentiable_and_skia_rasters_agree_within_two_levels(soft: bool):
    scene = demo_scene(128, soft=soft)
    ours = rasterize(scene)[0].permute(1, 2, 0).numpy() * 255
    mad = _mad(ours, render_skia(scene))
    assert (mad < 2.0).all(), f"mean abs difference per channel {mad} (in 1/255)"


def test_cairo_agrees_on_hard_edged_scenes():
    scene = demo_scene(128)
    ours = rasterize(scene)[0].permute(1, 2, 0).numpy() * 255
    assert (_mad(ours, render_cairo(scene)) < 2.0).all()


def test_print_rasters_have_the_asked_size_and_look_the_same_downsampled():
    scene = demo_scene(64, strokes=8, blobs=2, rects=2)
    big = render_svg(scene, 256, backend="skia")
    assert big.shape == (256, 256, 3)
    small = big.reshape(64, 4, 64, 4, 3).astype(np.float64).mean(axis=(1, 3))
    ours = rasterize(scene)[0].permute(1, 2, 0).numpy() * 255
    assert (_mad(small, ours) < 3.0).all()
    assert render_svg(scene, (30, 50), backend="cairosvg").shape == (30, 50, 3)


def test_print_size_beyond_the_limit_is_a_one_line_error():
    scene = demo_scene(64, strokes=2, blobs=0, rects=0)
    with pytest.raises(ApophenicError, match=str(MAX_PRINT_SIDE)):
        print_shape(scene, MAX_PRINT_SIDE + 1)
    with pytest.raises(ApophenicError, match="-5"):
        render_skia(scene, -5)
    with pytest.raises(ApophenicError, match="back end"):
        render_svg(scene, 64, backend="inkscape")  # type: ignore[arg-type]
