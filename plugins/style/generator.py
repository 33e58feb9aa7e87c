"""The image a style transfer optimizes: started from the content photo (or noise), optionally luminance only."""

from __future__ import annotations

from typing import Literal

import torch
from apophenic.generator import Generator, GeneratorConfig
from apophenic.plugins.style import color, images
from pydantic import Field
from torch import nn


def _logit(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(1e-3, 1 - 1e-3)
    return torch.log(x / (1 - x))


class StyleImage(Generator):
    """Pixels behind a sigmoid; with ``chroma`` given only luminance is a parameter and the colours stay fixed."""

    def __init__(self, start: torch.Tensor, chroma: torch.Tensor | None) -> None:
        super().__init__()
        if chroma is None:
            self.logits = nn.Parameter(_logit(start))
            self.register_buffer("chroma", None)
        else:
            self.logits = nn.Parameter(_logit(color.rgb_to_yiq(start)[:, :1]))
            self.register_buffer("chroma", chroma)

    def render(self) -> torch.Tensor:
        if self.chroma is None:
            return torch.sigmoid(self.logits)
        y = torch.sigmoid(self.logits)
        return color.yiq_to_rgb(torch.cat([y, self.chroma.expand(y.shape[0], -1, -1, -1)], 1)).clamp(0, 1)


class StyleImageConfig(GeneratorConfig):
    """The image style transfer optimizes: starts from a photo or seeded noise, may keep a photo's colours."""

    type: Literal["style-image"] = "style-image"
    image: str | None = Field(None, description="Image to start from (usually the content photo), resized to the run's size; none: noise.")
    noise: float = Field(0.0, ge=0, le=1, description="Fraction of seeded uniform noise mixed into the start image.")
    colors: str | None = Field(None, description="Keep this image's colours (YIQ chroma) and optimize luminance only: colour preservation.")
    batch: int = Field(1, ge=1, le=16, description="Images optimized together (each from its own noise).")

    def build(self, ctx) -> Generator:
        h, w = ctx.size
        noise = torch.rand(self.batch, 3, h, w, generator=ctx.random(11))
        if self.image is None:
            start = noise
        else:
            start = images.resize(images.load(ctx, self.image, "generator.image"), ctx.size)
            start = (1 - self.noise) * start + self.noise * noise
        chroma = None
        if self.colors is not None:
            keep = images.resize(images.load(ctx, self.colors, "generator.colors"), ctx.size)
            chroma = color.rgb_to_yiq(keep)[:, 1:]
        return StyleImage(start, chroma).to(ctx.device)


