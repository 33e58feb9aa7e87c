"""Example for ``register_transforms``: a seeded random horizontal flip."""

# --8<-- [start:example]
from typing import Literal

import torch
from pydantic import Field

from apophenic import Transform, TransformConfig, hookimpl


class Flip(Transform):
    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.description = f"flip p={probability:g}"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        # Draw randomness only from rng (on the CPU): same seed, same views.
        flip = (torch.rand(images.shape[0], generator=rng) < self.probability).to(images.device)
        return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)


class FlipConfig(TransformConfig):
    """Mirror each image left-right with a given probability."""

    type: Literal["flip"] = "flip"
    probability: float = Field(0.5, ge=0, le=1, description="Chance that an image is mirrored.")

    def build(self, ctx) -> Transform:
        return Flip(self.probability)


@hookimpl
def register_transforms(register):
    register(FlipConfig)
# --8<-- [end:example]
