"""Built-in image generators: raw pixels, Fourier with decorrelated colour, and an image from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from apophenic.generator import Generator, GeneratorConfig
from apophenic.image_file import read_image

# Square root of the colour correlation of ImageNet photos (Olah et al., Lucid):
# optimizing in this decorrelated basis keeps colours natural.
_COLOR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
_COLOR_SQRT = _COLOR_SQRT / _COLOR_SQRT.norm(dim=0).max()


def decorrelated_to_rgb(t: torch.Tensor) -> torch.Tensor:
    """Map a ``B×3×H×W`` tensor in the decorrelated colour basis to RGB in ``[0, 1]``."""
    rgb = torch.einsum("bchw,dc->bdhw", t, _COLOR_SQRT.to(t))
    return torch.sigmoid(rgb)


def _logit(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(1e-3, 1 - 1e-3)
    return torch.log(x / (1 - x))


class PixelImage(Generator):
    """Each pixel a parameter, squashed into ``[0, 1]`` by a sigmoid."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = nn.Parameter(logits)

    def render(self) -> torch.Tensor:
        return torch.sigmoid(self.logits)


class PixelsConfig(GeneratorConfig):
    """A raw pixel image, initialised with seeded noise."""

    type: Literal["pixels"] = "pixels"
    batch: int = Field(1, ge=1, le=64, description="Number of images optimized together.")
    init_std: float = Field(0.1, ge=0, le=10, description="Standard deviation of the initial noise (in logit space).")

    def build(self, ctx) -> Generator:
        h, w = ctx.size
        noise = torch.randn(self.batch, 3, h, w, generator=ctx.random(1)) * self.init_std
        return PixelImage(noise).to(ctx.device)


#: Pixel standard deviation (decorrelated colour, before the sigmoid) that a spectrum of unit
#: normals produces. Lucid's scaling (orthonormal inverse FFT, then /4) gives 2.0 at 224² with
#: decay 1, so Lucid's learning rates and init scales carry over; here it holds at every size.
PIXEL_STD_PER_UNIT = 2.0


def spectrum_scale(h: int, w: int, decay: float) -> torch.Tensor:
    """Per-frequency scale of an ``h×(w//2+1)`` half spectrum: ``1/f^decay``, normalized to size.

    ``1/f^decay`` makes every frequency equally easy to change. Its total energy grows with
    the number of frequencies (with ``log(size)`` at decay 1, faster above), so the scale is
    divided by the pixel standard deviation a unit-normal spectrum would give through an
    orthonormal ``irfft2``: the image then starts, and moves per optimizer step, by the
    same amount at 64² as at 512².
    """
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    freqs = torch.sqrt(fx * fx + fy * fy)
    scale = 1.0 / torch.clamp(freqs, min=1.0 / max(h, w)) ** decay
    # Energy each half-spectrum bin puts into the image (real and imaginary part together):
    # an inner column stands for itself and its mirror (4); the first column, and the last when
    # w is even, are their own mirrors and irfft keeps only their real part (1).
    energy = torch.full_like(scale, 4.0)
    energy[:, 0] = 1.0
    if w % 2 == 0:
        energy[:, -1] = 1.0
    pixel_std = torch.sqrt((energy * scale**2).sum() / (h * w))
    return scale * (PIXEL_STD_PER_UNIT / pixel_std)


class FourierImage(Generator):
    """Lucid-style image: a scaled Fourier spectrum per decorrelated colour channel.

    Scaling the spectrum by ``1/frequency^decay`` makes every frequency equally easy
    to change, which is what keeps optimized images from turning into noise; see
    :func:`spectrum_scale` for why the scale is normalized to the size.
    """

    def __init__(self, batch: int, h: int, w: int, decay: float, std: float, rng: torch.Generator) -> None:
        super().__init__()
        self.register_buffer("scale", spectrum_scale(h, w, decay))
        self.spectrum = nn.Parameter(torch.randn(batch, 3, h, w // 2 + 1, 2, generator=rng) * std)
        self.h, self.w = h, w

    def render(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        image = torch.fft.irfft2(spectrum, s=(self.h, self.w), norm="ortho")
        return decorrelated_to_rgb(image)


class FourierConfig(GeneratorConfig):
    """A Fourier-parameterized image with decorrelated colour (as Lucid/Lucent)."""

    type: Literal["fourier"] = "fourier"
    batch: int = Field(1, ge=1, le=64, description="Number of images optimized together.")
    decay: float = Field(1.0, ge=0, le=3, description="Spectrum scaling 1/f^decay; higher favours low frequencies.")
    init_std: float = Field(0.01, ge=0, le=1, description="Standard deviation of the initial spectrum; the image starts with pixel deviation 2 × this (before the sigmoid) at every size.")

    def build(self, ctx) -> Generator:
        h, w = ctx.size
        return FourierImage(self.batch, h, w, self.decay, self.init_std, ctx.random(2)).to(ctx.device)


class ImageFileConfig(GeneratorConfig):
    """A pixel image initialised from a PNG/JPEG file."""

    type: Literal["image"] = "image"
    path: str = Field(description="Image file (PNG/JPEG), relative to the preset's folder.")
    resize: bool = Field(True, description="Resize to the run's size; false keeps the file's own size.")
    batch: int = Field(1, ge=1, le=64, description="Copies optimized together.")

    def continue_from(self, folder: Path) -> "ImageFileConfig":
        """The same generator starting from a previous run's ``final.png`` (for pipeline stages)."""
        return self.model_copy(update={"path": str(folder / "final.png")})

    def build(self, ctx) -> Generator:
        import torch.nn.functional as F

        image = read_image(ctx.resolve(self.path))
        if self.resize and tuple(image.shape[-2:]) != tuple(ctx.size):
            image = F.interpolate(image, size=ctx.size, mode="bilinear", align_corners=False, antialias=True)
        return PixelImage(_logit(image).repeat(self.batch, 1, 1, 1)).to(ctx.device)
