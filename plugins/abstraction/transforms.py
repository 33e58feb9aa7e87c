"""Transforms the core lacks, for robust rather than adversarial drawings: perspective, colour jitter, blur.

Like the core's, they are differentiable, draw one random setting per image from
the run's generator, and keep the batch shape.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field

from apophenic.transform import Transform, TransformConfig


def _uniform(rng: torch.Generator, shape: tuple[int, ...], low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=rng)


def homographies(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``N×3×3`` matrices mapping each of 4 ``source`` points onto ``target`` (both ``N×4×2``)."""
    n = source.shape[0]
    x, y = source[..., 0], source[..., 1]
    u, v = target[..., 0], target[..., 1]
    zeros, ones = torch.zeros_like(x), torch.ones_like(x)
    # Two equations per correspondence, h33 fixed to 1 (the standard direct linear transform).
    rows_u = torch.stack([x, y, ones, zeros, zeros, zeros, -u * x, -u * y], dim=-1)
    rows_v = torch.stack([zeros, zeros, zeros, x, y, ones, -v * x, -v * y], dim=-1)
    a = torch.cat([rows_u, rows_v], dim=1).to(torch.float64)
    b = torch.cat([u, v], dim=1).to(torch.float64).unsqueeze(-1)
    h = torch.linalg.solve(a, b).squeeze(-1)
    return torch.cat([h, torch.ones(n, 1, dtype=h.dtype)], dim=1).view(n, 3, 3).to(source.dtype)


class Perspective(Transform):
    """Move each corner of the view by up to ``distortion`` × half the side, as a camera tilt would."""

    def __init__(self, distortion: float) -> None:
        self.distortion = distortion
        self.description = f"perspective {distortion:g}"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        n, _, h, w = images.shape
        corners = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]).expand(n, 4, 2)
        moved = corners + _uniform(rng, (n, 4, 2), -self.distortion, self.distortion)
        # Sampling grid: for every output pixel, where to read in the input (output corners -> moved corners).
        matrix = homographies(corners, moved).to(images)
        ys = torch.linspace(-1 + 1 / h, 1 - 1 / h, h, device=images.device, dtype=images.dtype)
        xs = torch.linspace(-1 + 1 / w, 1 - 1 / w, w, device=images.device, dtype=images.dtype)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        points = torch.stack([gx, gy, torch.ones_like(gx)], dim=-1).view(1, h * w, 3)
        mapped = points @ matrix.transpose(1, 2)
        grid = (mapped[..., :2] / mapped[..., 2:].clamp(min=1e-6)).view(n, h, w, 2)
        return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


class PerspectiveConfig(TransformConfig):
    """Warp each image by a random perspective (corners moved independently)."""

    type: Literal["perspective"] = "perspective"
    distortion: float = Field(0.15, ge=0, le=0.5, description="Largest corner displacement, as a fraction of half the side.")

    def build(self, ctx) -> Transform:
        return Perspective(self.distortion)


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue, then clamp to ``[0, 1]``."""

    def __init__(self, brightness: float, contrast: float, saturation: float, hue: float) -> None:
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue
        self.description = f"colour jitter b{brightness:g} c{contrast:g} s{saturation:g} h{hue:g}"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        n = images.shape[0]

        def factor(amount: float) -> torch.Tensor:
            return _uniform(rng, (n, 1, 1, 1), 1 - amount, 1 + amount).to(images)

        b, c, s = factor(self.brightness), factor(self.contrast), factor(self.saturation)
        angle = _uniform(rng, (n,), -self.hue, self.hue).to(images) * 2 * torch.pi
        x = images * b
        grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
        x = grey.mean(dim=(2, 3), keepdim=True) + c * (x - grey.mean(dim=(2, 3), keepdim=True))
        grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
        x = grey + s * (x - grey)
        if self.hue > 0:
            x = _rotate_hue(x, angle)
        return x.clamp(0, 1)


def _rotate_hue(images: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate chroma in YIQ space by ``angle`` radians per image (luma unchanged)."""
    to_yiq = images.new_tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    to_rgb = torch.linalg.inv(to_yiq)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rot = torch.zeros(images.shape[0], 3, 3, dtype=images.dtype, device=images.device)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cos, -sin, sin, cos
    matrix = to_rgb @ rot @ to_yiq
    return torch.einsum("nij,njhw->nihw", matrix, images)


class ColorJitterConfig(TransformConfig):
    """Change each image's brightness, contrast, saturation and hue by random amounts."""

    type: Literal["color-jitter"] = "color-jitter"
    brightness: float = Field(0.2, ge=0, le=1, description="Largest relative brightness change.")
    contrast: float = Field(0.2, ge=0, le=1, description="Largest relative contrast change.")
    saturation: float = Field(0.2, ge=0, le=1, description="Largest relative saturation change.")
    hue: float = Field(0.03, ge=0, le=0.5, description="Largest hue rotation, as a fraction of the colour wheel.")

    def build(self, ctx) -> Transform:
        return ColorJitter(self.brightness, self.contrast, self.saturation, self.hue)


def gaussian_kernel(sigma: float, radius: int) -> torch.Tensor:
    """A normalized 1-D Gaussian of ``2·radius+1`` taps."""
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / max(sigma, 1e-6)) ** 2)
    return k / k.sum()


class Blur(Transform):
    """Gaussian blur with a random standard deviation per image, up to ``sigma`` pixels."""

    def __init__(self, sigma: float) -> None:
        self.sigma = sigma
        self.description = f"blur ≤{sigma:g}px"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        n, c = images.shape[:2]
        sigmas = _uniform(rng, (n,), 0, self.sigma)
        radius = max(1, int(3 * self.sigma + 0.5))
        kernels = torch.stack([gaussian_kernel(float(s), radius) for s in sigmas]).to(images)  # n×taps
        # One separable depthwise convolution over the whole batch: images become channels of one image.
        flat = images.reshape(1, n * c, *images.shape[2:])
        kx = kernels.repeat_interleave(c, dim=0).view(n * c, 1, 1, -1)
        ky = kx.view(n * c, 1, -1, 1)
        flat = F.conv2d(F.pad(flat, [radius, radius, 0, 0], mode="replicate"), kx, groups=n * c)
        flat = F.conv2d(F.pad(flat, [0, 0, radius, radius], mode="replicate"), ky, groups=n * c)
        return flat.view_as(images)


class BlurConfig(TransformConfig):
    """Blur each image by a random amount (a Gaussian up to sigma pixels)."""

    type: Literal["blur"] = "blur"
    sigma: float = Field(1.0, gt=0, le=16, description="Largest Gaussian standard deviation in pixels.")

    def build(self, ctx) -> Transform:
        return Blur(self.sigma)
