"""Example for ``register_perceivers``: a fixed edge detector with three tappable layers."""

# --8<-- [start:example]
from typing import Literal

import torch
from torch import nn

from apophenic import Perceiver, PerceiverConfig, hookimpl


class Gray(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * x.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)


class SobelPerceiver(Perceiver):
    """Sees edges: layers ``gray``, ``edges`` (horizontal and vertical gradients), ``pool``."""

    def __init__(self) -> None:
        sobel = nn.Conv2d(1, 2, 3, padding=1, padding_mode="replicate", bias=False)  # no fake edges at the frame
        kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
        sobel.weight.data = torch.stack([kx, kx.T])[:, None]
        # Named children are the layers objectives can read (``apophenic layers`` lists them).
        network = nn.Sequential()
        network.add_module("gray", Gray())
        network.add_module("edges", sobel)
        network.add_module("pool", nn.AdaptiveAvgPool2d(1))
        super().__init__(network)  # the base class freezes it and taps layers
        self.aliases = {"shallow": "gray", "mid": "edges", "deep": "pool"}


class SobelConfig(PerceiverConfig):
    """Sobel edge filters: a perceiver without any weights to download."""

    type: Literal["sobel"] = "sobel"

    def build(self, ctx) -> Perceiver:
        return SobelPerceiver().to(ctx.device)


@hookimpl
def register_perceivers(register):
    register(SobelConfig)
# --8<-- [end:example]
