"""Transform: a differentiable, seeded augmentation applied before perception."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch

from apophenic.component import ComponentConfig


class Transform:
    """Maps a batch ``B×3×H×W`` to a batch, drawing randomness only from ``rng``.

    Each image in the batch gets its own random parameters, so a batch of copies
    of one image becomes a batch of different views of it.
    """

    description: str = "transform"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError


class Compose(Transform):
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence[Transform]) -> None:
        self.transforms = list(transforms)
        self.description = " → ".join(t.description for t in self.transforms) or "identity"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        for t in self.transforms:
            images = t(images, rng)
        return images


class TransformConfig(ComponentConfig):
    """Base for transform configs; ``build`` returns a :class:`Transform`."""

    kind: ClassVar[str] = "transform"

    def build(self, ctx) -> Transform:  # pragma: no cover - abstract
        raise NotImplementedError
