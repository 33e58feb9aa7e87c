"""Built-in transforms: seeded, differentiable, one random draw per image in the batch."""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from apophenic.transform import Transform, TransformConfig


def _uniform(rng: torch.Generator, n: int, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=rng)


def _affine(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class Jitter(Transform):
    def __init__(self, pixels: int) -> None:
        self.pixels = pixels
        self.description = f"jitter ±{pixels}px"

    def __call__(self, images, rng):
        n, _, h, w = images.shape
        d = self.pixels
        shifts = torch.randint(-d, d + 1, (n, 2), generator=rng)
        out = [torch.roll(images[i : i + 1], shifts=(int(shifts[i, 0]), int(shifts[i, 1])), dims=(2, 3)) for i in range(n)]
        return out[0] if n == 1 else torch.cat(out)  # one image: no second full-size copy


class JitterConfig(TransformConfig):
    """Shift each image by a random whole number of pixels (wrapping around)."""

    type: Literal["jitter"] = "jitter"
    pixels: int = Field(8, ge=0, le=512, description="Largest shift in pixels, in each direction.")

    def build(self, ctx) -> Transform:
        return Jitter(self.pixels)


class Scale(Transform):
    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.description = f"scale {low:g}–{high:g}"

    def __call__(self, images, rng):
        n = images.shape[0]
        s = 1.0 / _uniform(rng, n, self.low, self.high)
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = s
        theta[:, 1, 1] = s
        return _affine(images, theta)


class ScaleConfig(TransformConfig):
    """Zoom each image by a random factor."""

    type: Literal["scale"] = "scale"
    min: float = Field(0.9, gt=0.05, le=20, description="Smallest zoom factor.")
    max: float = Field(1.1, gt=0.05, le=20, description="Largest zoom factor.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self

    def build(self, ctx) -> Transform:
        return Scale(self.min, self.max)


class Rotate(Transform):
    def __init__(self, degrees: float) -> None:
        self.degrees = degrees
        self.description = f"rotate ±{degrees:g}°"

    def __call__(self, images, rng):
        n = images.shape[0]
        a = _uniform(rng, n, -self.degrees, self.degrees) * math.pi / 180
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = torch.cos(a)
        theta[:, 0, 1] = -torch.sin(a)
        theta[:, 1, 0] = torch.sin(a)
        theta[:, 1, 1] = torch.cos(a)
        return _affine(images, theta)


class RotateConfig(TransformConfig):
    """Rotate each image by a random angle."""

    type: Literal["rotate"] = "rotate"
    degrees: float = Field(10, ge=0, le=180, description="Largest rotation in degrees, either way.")

    def build(self, ctx) -> Transform:
        return Rotate(self.degrees)


class Pad(Transform):
    def __init__(self, pixels: int, mode: str, value: float) -> None:
        self.pixels, self.mode, self.value = pixels, mode, value
        self.description = f"pad {pixels}px {mode}"

    def __call__(self, images, rng):
        p = self.pixels
        if self.mode == "constant":
            return F.pad(images, [p, p, p, p], mode="constant", value=self.value)
        return F.pad(images, [p, p, p, p], mode=self.mode)


class PadConfig(TransformConfig):
    """Pad the borders so edges are not special (Lucid's first transform)."""

    type: Literal["pad"] = "pad"
    pixels: int = Field(12, ge=0, le=512, description="Border width in pixels.")
    mode: Literal["constant", "reflect", "replicate"] = Field("constant", description="How the border is filled.")
    value: float = Field(0.5, ge=0, le=1, description="Fill value for mode 'constant'.")

    def build(self, ctx) -> Transform:
        return Pad(self.pixels, self.mode, self.value)


class Crop(Transform):
    def __init__(self, fraction: float) -> None:
        self.fraction = fraction
        self.description = f"random crop {fraction:g}"

    def __call__(self, images, rng):
        n, _, h, w = images.shape
        ch, cw = max(1, round(h * self.fraction)), max(1, round(w * self.fraction))
        ys = torch.randint(0, h - ch + 1, (n,), generator=rng)
        xs = torch.randint(0, w - cw + 1, (n,), generator=rng)
        crops = [images[i : i + 1, :, int(ys[i]) : int(ys[i]) + ch, int(xs[i]) : int(xs[i]) + cw] for i in range(n)]
        return F.interpolate(torch.cat(crops), size=(h, w), mode="bilinear", align_corners=False)


class CropConfig(TransformConfig):
    """Take a random crop of a fraction of each side and resize it back."""

    type: Literal["crop"] = "crop"
    fraction: float = Field(0.9, gt=0.05, le=1, description="Crop side as a fraction of the image side.")

    def build(self, ctx) -> Transform:
        return Crop(self.fraction)
