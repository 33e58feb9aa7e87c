"""Tiled gradients: the cores cover the image once, and the gradient matches the untiled one."""

import pytest
import torch
from apophenic.component import BuildContext
from apophenic.plugins.core.perceivers import EfficientNetLite0Config, RandomCNNConfig
from apophenic.plugins.dream.tiles import (
    fits_in_tile,
    receptive_field,
    tiled_gradient,
    windows,
)


@pytest.mark.parametrize(("h", "w", "tile", "overlap", "offset"), [(50, 70, 24, 4, (0, 0)), (50, 70, 24, 4, (7, 13)),
                                                                   (30, 100, 40, 8, (3, 20)), (16, 16, 24, 4, (5, 5))])
def test_cores_cover_every_pixel_exactly_once_and_windows_are_full_tiles(h, w, tile, overlap, offset):
    count = torch.zeros(h, w, dtype=torch.int32)
    for win in windows(h, w, tile, overlap, offset):
        count[win.cy0 : win.cy1, win.cx0 : win.cx1] += 1
        assert win.y1 - win.y0 == min(tile, h) and win.x1 - win.x0 == min(tile, w)
        assert win.y0 <= win.cy0 < win.cy1 <= win.y1 and win.x0 <= win.cx0 < win.cx1 <= win.x1
    assert (count == 1).all()


def test_random_offsets_move_the_grid():
    a = {(v.cy0, v.cx0) for v in windows(300, 300, 64, 8, (0, 0))}
    b = {(v.cy0, v.cx0) for v in windows(300, 300, 64, 8, (17, 30))}
    assert a != b


def test_tiled_gradient_equals_whole_image_gradient_when_overlap_covers_the_receptive_field():
    perceiver = RandomCNNConfig(type="random-cnn", kernels=[3], channels=8).build(BuildContext())
    image = torch.rand(1, 3, 50, 70, generator=torch.Generator().manual_seed(1))

    def score(x):
        return perceiver.perceive(x, ["conv3"])["conv3"].pow(2).mean()

    whole, whole_score = tiled_gradient(image, score, 128, 0, torch.Generator().manual_seed(0))
    tiled, tiled_score = tiled_gradient(image, score, 24, 4, torch.Generator().manual_seed(0))
    assert torch.allclose(tiled, whole, atol=1e-7, rtol=1e-4)
    assert tiled_score == pytest.approx(whole_score, rel=0.05)


def test_receptive_field_of_efficientnet_grows_with_depth():
    lite0 = EfficientNetLite0Config(type="efficientnet-lite0", resize="none").build(BuildContext())
    stem, early = receptive_field(lite0, "stem"), receptive_field(lite0, "blocks.2")
    assert stem == 3 and early == 19  # 3×3 stride-2 stem; then two 3×3 depthwise convs at strides 2 and 4
    assert fits_in_tile(lite0, "blocks.2", 32) and not fits_in_tile(lite0, "blocks.8", 64)
