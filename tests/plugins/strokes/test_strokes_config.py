"""The `strokes` config: registered, and bad values are one-line errors naming the value."""

from __future__ import annotations

import pytest

from apophenic.config import validate
from apophenic.errors import ConfigError
from apophenic.plugins.strokes import StrokesConfig
from apophenic.registry import get_registry


def _check(generator: dict) -> str:
    data = {"generator": {"type": "strokes", **generator}}
    with pytest.raises(ConfigError) as err:
        validate(data, get_registry(), "p.toml")
    message = str(err.value)
    assert "\n" not in message and message.startswith("p.toml: generator")
    return message


def test_strokes_is_a_registered_generator():
    assert get_registry().config("generator", "strokes") is StrokesConfig


@pytest.mark.parametrize(
    "generator, words",
    [
        ({"palette": ["red", "#12345"]}, "'#12345' is not a colour"),
        ({"width": [8.0, 2.0]}, "width range [8.0, 2.0] has min > max"),
        ({"strokes": 0}, "nothing to draw"),
        ({"strokes": 0, "blobs": 0, "rectangles": 0}, "nothing to draw"),
        ({"style": "line-only", "blobs": 3}, "draws no blobs"),
        ({"style": "mondrian", "strokes": 3}, "draws no strokes"),
        ({"opacity": [0.5, 1.5]}, "within [0, 1]"),
        ({"background": "nope"}, "'nope' is not a colour"),
        ({"init_svg": "a.svg", "strokes": 3}, "init_svg sets the numbers"),
        ({"stroke": 3}, "unknown key"),
    ],
)
def test_bad_values_are_named(generator: dict, words: str):
    assert words in _check(generator)


def test_styles_set_their_counts_and_palettes():
    assert StrokesConfig().counts() == (32, 0, 0)
    assert StrokesConfig(style="blob_only").counts() == (0, 16, 0)
    mondrian = StrokesConfig(style="mondrian")
    assert mondrian.counts() == (0, 0, 12) and len(mondrian.colours()) == 5
    assert StrokesConfig(palette=["#000", "white"]).colours() == [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]
    assert StrokesConfig().colours() is None


def test_the_shipped_preset_validates():
    from apophenic.presets import load

    config, path = load("strokes-class")
    assert path.name == "strokes-class.toml" and config.generator.type == "strokes"
    assert config.generator.counts() == (48, 0, 0)


def test_rectangles_can_start_small_around_random_centres():
    import torch

    from apophenic.component import BuildContext
    from apophenic.errors import ApophenicError  # noqa: F401
    from apophenic.plugins.strokes.config import StrokesConfig

    ctx = BuildContext(size=(100, 200), seed=1)
    small = StrokesConfig(style="mondrian", rectangles=50, rect_start_size=(0.02, 0.05)).build(ctx)
    boxes = small.scene().rect_boxes[0]
    half_w, half_h = (boxes[:, 2] - boxes[:, 0]) / 2, (boxes[:, 3] - boxes[:, 1]) / 2
    inside = (boxes[:, 0] > 0.5) & (boxes[:, 2] < 199.5) & (boxes[:, 1] > 0.5) & (boxes[:, 3] < 99.5)
    assert torch.all((half_w[inside] >= 2 - 1e-3) & (half_w[inside] <= 5 + 1e-3))  # 0.02..0.05 of the short side (100)
    assert torch.all((half_h[inside] >= 2 - 1e-3) & (half_h[inside] <= 5 + 1e-3))
    default = StrokesConfig(style="mondrian", rectangles=50).build(ctx).scene().rect_boxes[0]
    assert float((default[:, 2] - default[:, 0]).mean()) > 3 * float((boxes[:, 2] - boxes[:, 0]).mean())


def test_rect_start_size_must_be_a_fraction():
    import pytest
    from pydantic import ValidationError

    from apophenic.plugins.strokes.config import StrokesConfig

    with pytest.raises(ValidationError, match=r"rect_start_size range \[0.2, 0.7\] must lie within \(0, 0.5\]"):
        StrokesConfig(style="mondrian", rect_start_size=(0.2, 0.7))


def test_rect_min_size_leaves_no_rectangle_narrower_in_the_svg_or_the_pixels(tmp_path):
    """A hairline rectangle is what crisp rendering shows and resampled views hide: the minimum holds in the export."""
    import numpy as np
    import torch
    from PIL import Image

    from apophenic.component import BuildContext
    from apophenic.plugins.strokes.config import StrokesConfig
    from apophenic.renderers.svg import read_svg

    ctx = BuildContext(size=(64, 64), seed=3)
    config = StrokesConfig(style="mondrian", rectangles=1, rect_start_size=(0.01, 0.01), rect_min_size=6.0,
                           palette=["black"], background="white")
    gen = config.build(ctx)
    with torch.no_grad():  # a rectangle 0.6 px wide and 0.6 px high, centred at (30, 40)
        gen.rect_corners.copy_(torch.logit(torch.tensor([[[29.7, 39.7, 30.3, 40.3]]]) / 64))
    box = gen.scene().rect_boxes[0, 0]
    assert torch.allclose(box, torch.tensor([27.0, 37.0, 33.0, 43.0]), atol=1e-3)
    gen.export(tmp_path, print_size=64)
    assert torch.allclose(read_svg(tmp_path / "final.svg").rect_boxes[0, 0], box, atol=1e-2)
    dark = np.asarray(Image.open(tmp_path / "final@64px.png").convert("L")) < 128
    ys, xs = np.nonzero(dark)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (27, 32, 37, 42)  # 6 × 6 pixels
    loose = StrokesConfig(style="mondrian", rectangles=1, palette=["black"]).build(ctx)
    with torch.no_grad():
        loose.rect_corners.copy_(gen.rect_corners)
    assert float(loose.scene().rect_boxes[0, 0, 2] - loose.scene().rect_boxes[0, 0, 0]) < 1
