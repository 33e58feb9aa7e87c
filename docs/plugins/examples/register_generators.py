"""Example for ``register_generators``: a coarse pixel grid, upsampled smoothly."""

# --8<-- [start:example]
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from apophenic import Generator, GeneratorConfig, hookimpl


class Mosaic(Generator):
    """A grid of colour cells, each cell a learnable parameter, upsampled bilinearly."""

    def __init__(self, cells: torch.Tensor, size: tuple[int, int]) -> None:
        super().__init__()
        self.cells = nn.Parameter(cells)  # B×3×rows×cols, logits
        self.size = size

    def render(self) -> torch.Tensor:
        up = F.interpolate(self.cells, size=self.size, mode="bilinear", align_corners=False)
        return torch.sigmoid(up)  # B×3×H×W in [0, 1], differentiable in self.cells


class MosaicConfig(GeneratorConfig):
    """A coarse grid of colours, upsampled smoothly to the run's size."""

    type: Literal["mosaic"] = "mosaic"
    cells: int = Field(8, ge=1, le=256, description="Cells along the longer side.")

    def build(self, ctx) -> Generator:
        h, w = ctx.size
        rows, cols = max(1, round(self.cells * h / max(h, w))), max(1, round(self.cells * w / max(h, w)))
        noise = torch.randn(1, 3, rows, cols, generator=ctx.random(salt=1))
        return Mosaic(noise, ctx.size).to(ctx.device)


@hookimpl
def register_generators(register):
    register(MosaicConfig)
# --8<-- [end:example]
