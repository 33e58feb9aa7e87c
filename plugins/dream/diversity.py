"""The `diversity` objective: a batch of different solutions to the same objective.

Olah et al. 2017 (Lucid): penalize the cosine similarity between the Gram
matrices (style) of a layer's activations for every pair of images in the
batch, so each image finds its own way to excite the unit.
"""

from __future__ import annotations

from typing import Literal

import torch
from apophenic.objective import Objective, ObjectiveConfig
from pydantic import Field


def gram_similarity(features: torch.Tensor, images: int | None = None) -> torch.Tensor:
    """Mean cosine similarity of Gram matrices over pairs of different images in a ``B×C×H×W`` batch.

    :param images: number of distinct images when the batch holds several
        transformed copies of each (copy ``k`` of image ``i`` sits at ``k·images + i``);
        copies of one image are not compared. ``None``: every item is distinct.
    """
    b, c = features.shape[:2]
    flat = features.reshape(b, c, -1)
    gram = flat @ flat.transpose(1, 2) / flat.shape[-1]
    unit = torch.nn.functional.normalize(gram.reshape(b, -1), dim=1)
    sims = unit @ unit.T
    index = torch.arange(b, device=features.device) % (images or b)
    different = index[:, None] != index[None, :]
    if not different.any():
        return features.sum() * 0.0  # one image: nothing to differ from
    return sims[different].mean()


class DiversityConfig(ObjectiveConfig):
    """Push the images of a batch apart: minus the mean Gram-matrix similarity of every pair (Lucid's diversity)."""

    type: Literal["diversity"] = "diversity"
    layer: str = Field("shallow", description="Layer name or alias whose Gram matrices are compared; list with `apophenic layers`.")
    images: int | None = Field(
        None, ge=1, le=64, description="The generator's batch, when `augmentations` > 1 puts several copies of each image in the perceived batch; unset: every perceived image is distinct."
    )

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        self.check_layer(ctx, names, self.layer)
        layer, images = self.layer, self.images
        return Objective(
            lambda p: -p.mean(lambda f: gram_similarity(f[layer], images), names),
            f"diversity {layer}",
            needs=[(n, layer) for n in names],
        )
