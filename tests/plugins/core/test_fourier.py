"""The Fourier image behaves the same at every size: start, and movement per optimizer step.

These would have caught the over-driven spectrum (a ``sqrt(h*w)`` factor on top of an
orthonormal inverse FFT): it made a 224² image start and move 224 times more than a
Lucid one, so a run saturated into black/white/primary speckle within a few steps.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from apophenic.component import BuildContext
from apophenic.plugins.core.generators import PIXEL_STD_PER_UNIT, FourierConfig, spectrum_scale

SIZES = (64, 224, 512)


def _build(side: int, **settings):
    return FourierConfig(type="fourier", batch=8, **settings).build(BuildContext(seed=1, size=(side, side)))


def _spread(values: list[float]) -> float:
    return max(values) / min(values)


@pytest.mark.parametrize("settings", [{}, {"init_std": 0.5}, {"decay": 1.5, "init_std": 0.2}], ids=["default", "wide", "steep"])
def test_initial_image_has_the_same_pixel_spread_at_every_size(settings):
    stds = [float(_build(side, **settings).render().detach().std()) for side in SIZES]
    assert _spread(stds) < 1.10, dict(zip(SIZES, stds))


@pytest.mark.parametrize("side,decay", [(64, 1.0), (224, 1.0), (512, 1.0), (65, 1.0), (40, 2.0)])
def test_unit_spectrum_gives_the_documented_pixel_std(side, decay):
    """The normalization is exact: many unit-normal spectra through irfft2 have the promised spread."""
    h, w = side, side + 7
    scale = spectrum_scale(h, w, decay)
    z = torch.randn(400, 1, h, w // 2 + 1, 2, generator=torch.Generator().manual_seed(0))
    pixels = torch.fft.irfft2(torch.view_as_complex(z) * scale, s=(h, w), norm="ortho")
    assert float(pixels.pow(2).mean().sqrt()) == pytest.approx(PIXEL_STD_PER_UNIT, rel=0.03)


def _cat(side: int) -> torch.Tensor:
    import skimage.data

    photo = torch.from_numpy(np.asarray(skimage.data.chelsea(), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    return F.interpolate(photo, size=(side, side), mode="bilinear", antialias=True, align_corners=False)


def test_one_adam_step_moves_the_image_by_the_same_amount_at_every_size():
    """Lucid's lr 0.05 means the same change to a 64² thumbnail as to a 512² print."""
    moved = []
    for side in SIZES:
        gen = _build(side)
        target = _cat(side)
        before = gen.render().detach()
        optim = torch.optim.Adam(gen.parameters(), lr=0.05)
        # summed, not averaged: a mean over 512² pixels makes gradients so small that Adam's eps damps them
        F.mse_loss(gen.render(), target.expand_as(before), reduction="sum").backward()
        optim.step()
        moved.append(float((gen.render().detach() - before).pow(2).mean().sqrt()))
    assert _spread(moved) < 1.10, dict(zip(SIZES, moved))
    assert 0.005 < moved[1] < 0.05  # a visible step, not a jump to the sigmoid's rails


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["imagenet-class", "visualize-class"])
def test_shipped_fourier_preset_is_legible_not_saturated(preset, tmp_path):
    """80 of the preset's steps: under 1 % clipped (it was 99 %), and held-out Lite2 sees the goldfish even degraded."""
    from apophenic.preset_loader import load
    from apophenic.run import execute

    config, source = load(preset, ["optimizer.steps=80", "device='cpu'"])
    record = execute(config, tmp_path, source=source, progress=False, preset=preset).record
    assert record["clipped"] < 0.01
    (held,) = [s for s in record["scores"] if s["held_out"]]
    (robust,) = [r for r in record["robust"] if r["held_out"]]
    assert held["rank"] == 1 and robust["worst_rank"] <= 3, (held, robust)
