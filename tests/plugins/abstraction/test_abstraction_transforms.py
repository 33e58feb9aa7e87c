"""Perspective, colour jitter and blur: seeded, per-image, differentiable, and doing what their names say."""

from __future__ import annotations

import pytest
import torch

from apophenic.plugins.abstraction.transforms import (
    BlurConfig,
    ColorJitterConfig,
    PerspectiveConfig,
    _rotate_hue,
    homographies,
)
from apophenic.component import BuildContext


def _rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _dot(side: int = 33) -> torch.Tensor:
    """A white image with one black square in the middle."""
    x = torch.ones(1, 3, side, side)
    x[..., side // 2 - 2 : side // 2 + 3, side // 2 - 2 : side // 2 + 3] = 0
    return x


@pytest.mark.parametrize(
    "config",
    [PerspectiveConfig(distortion=0.3), ColorJitterConfig(brightness=0.4, hue=0.2), BlurConfig(sigma=2.0)],
    ids=lambda c: c.type,
)
def test_views_are_seeded_per_image_and_differentiable(config):
    t = config.build(BuildContext())
    base = torch.rand(1, 3, 24, 28)
    images = base.repeat(3, 1, 1, 1).requires_grad_(True)
    out = t(images, _rng(1))
    assert out.shape == images.shape
    assert torch.equal(out, t(images, _rng(1)))  # same rng state, same views
    assert not torch.allclose(out[0], out[1])  # each copy gets its own random setting
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_zero_strength_is_the_identity():
    x = torch.rand(2, 3, 20, 20)
    assert torch.allclose(PerspectiveConfig(distortion=0).build(None)(x, _rng()), x, atol=1e-5)
    assert torch.allclose(ColorJitterConfig(brightness=0, contrast=0, saturation=0, hue=0).build(None)(x, _rng()), x, atol=1e-6)


def test_homography_maps_the_four_points_exactly():
    src = torch.tensor([[[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]])
    dst = src + torch.tensor([[[0.1, -0.2], [0.05, 0.1], [-0.15, 0.0], [0.2, 0.1]]])
    h = homographies(src, dst)[0]
    mapped = torch.cat([src[0], torch.ones(4, 1)], dim=1) @ h.T
    assert torch.allclose(mapped[:, :2] / mapped[:, 2:], dst[0], atol=1e-5)


def test_perspective_moves_the_picture_but_keeps_its_ink():
    x = _dot()
    out = PerspectiveConfig(distortion=0.4).build(None)(x.repeat(4, 1, 1, 1), _rng(3))
    centres = []
    for img in out:
        ys, xs = torch.nonzero(img[0] < 0.5, as_tuple=True)
        assert len(ys) > 5  # the square is still there
        centres.append((float(ys.float().mean()), float(xs.float().mean())))
    assert len({(round(a), round(b)) for a, b in centres}) > 1


def test_blur_spreads_ink_and_keeps_the_mean():
    x = _dot()
    out = BlurConfig(sigma=3.0).build(None)(x.repeat(4, 1, 1, 1), _rng())
    assert torch.allclose(out.mean(dim=(1, 2, 3)), x.mean(), atol=2e-3)
    assert out.min() >= -1e-6 and out.max() <= 1 + 1e-6
    assert (out.std(dim=(1, 2, 3)) <= x.std() + 1e-6).all()


def test_colour_jitter_stays_in_range_and_hue_rotation_keeps_luma():
    x = torch.rand(4, 3, 16, 16)
    out = ColorJitterConfig(brightness=0.9, contrast=0.9, saturation=0.9, hue=0.5).build(None)(x, _rng())
    assert out.min() >= 0 and out.max() <= 1
    rotated = _rotate_hue(x, torch.full((4,), 1.3))
    luma = lambda im: 0.299 * im[:, 0] + 0.587 * im[:, 1] + 0.114 * im[:, 2]  # noqa: E731
    assert torch.allclose(luma(rotated), luma(x), atol=1e-5)
    assert not torch.allclose(rotated, x, atol=1e-2)


def test_transforms_are_registered_by_the_abstraction_plugin():
    from apophenic.registry import get_registry

    transforms = get_registry().components["transform"]
    assert {"perspective", "color-jitter", "blur"} <= set(transforms)
    assert {transforms[n].plugin for n in ("perspective", "color-jitter", "blur")} == {"abstraction"}
