"""Legibility: would a person see what the classifiers say they see?

Two measures that every run writes into ``run.json`` next to ``scores``:

``clipped``
    The share of the final picture's 8-bit channel values at 0–2 or 253–255. Photos and
    paintings sit well under a few percent; an optimization that drove a Fourier or pixel
    image into the sigmoid's rails reads near 100 % and looks like black/white/primary
    speckle. (A drawing on a white or black ground reports its ground here, so read it
    for images, not for drawings.)

``robust``
    Each classifier that scored the picture (held-out ones included) scores it again after
    each of a fixed set of degradations that a print, a screen or a glance applies and
    that adversarial texture does not survive. One entry per classifier and target: the
    probability and rank after each degradation and the worst of those ranks.

The degradations (:data:`DEGRADATIONS`), each on the picture at its own size:

``half-scale``
    Downscale to half the side with an antialiasing filter, then back up (bilinear):
    what a thumbnail or a viewer at twice the distance sees.
``blur``
    Gaussian blur of σ = 1 px at 224² (σ scales with the short side: 2 px at 448²).
``jpeg``
    JPEG at quality 50 (Pillow's encoder, 4:2:0 chroma subsampling).

Both measures look at the picture as saved: the final image rounded to 8 bits.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import torch
import torch.nn.functional as F
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from apophenic.errors import closest
from apophenic.perceiver import LOGITS, Perceiver

#: A channel value at or below this, or at or above 255 minus it, counts as clipped.
CLIPPED_MARGIN = 2
#: The side at which the blur degradation has σ = 1 px.
BLUR_REFERENCE_SIDE = 224
JPEG_QUALITY = 50


def to_8bit(images: torch.Tensor) -> torch.Tensor:
    """``images`` in ``[0, 1]`` rounded to the 256 levels a PNG stores (still float in ``[0, 1]``).

    Rounds exactly as :func:`apophenic.output.to_pil` does, so a measure of the saved PNG matches.
    """
    return torch.floor(images.detach().float().clamp(0, 1) * 255.0 + 0.5) / 255


def clipped_share(images: torch.Tensor) -> float:
    """Share of 8-bit channel values at ``0..2`` or ``253..255``, over every image and channel."""
    levels = to_8bit(images) * 255
    return float(((levels <= CLIPPED_MARGIN) | (levels >= 255 - CLIPPED_MARGIN)).float().mean())


# -- degradations -----------------------------------------------------------------------

def half_scale(images: torch.Tensor) -> torch.Tensor:
    """Down to half the side (antialiased), then back up (bilinear)."""
    h, w = images.shape[-2:]
    small = F.interpolate(images, size=(max(1, h // 2), max(1, w // 2)), mode="bilinear", antialias=True, align_corners=False)
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)


def blur(images: torch.Tensor) -> torch.Tensor:
    """Gaussian blur, σ = 1 px at 224² (scaled with the short side); reflected borders."""
    h, w = images.shape[-2:]
    sigma = min(h, w) / BLUR_REFERENCE_SIDE
    radius = max(1, int(3 * sigma + 0.5))
    radius = min(radius, h - 1, w - 1) if min(h, w) > 1 else 0
    if radius < 1:
        return images
    t = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-0.5 * (t / sigma) ** 2)
    kernel = kernel / kernel.sum()
    n, c = images.shape[:2]
    flat = images.reshape(n * c, 1, h, w)
    flat = F.conv2d(F.pad(flat, [radius, radius, 0, 0], mode="reflect"), kernel.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, [0, 0, radius, radius], mode="reflect"), kernel.view(1, 1, -1, 1))
    return flat.view(n, c, h, w)


def jpeg(images: torch.Tensor) -> torch.Tensor:
    """Each image through a JPEG file at quality 50 and back."""
    import numpy as np
    from PIL import Image

    out = []
    for image in images:
        array = (to_8bit(image).permute(1, 2, 0).cpu().numpy() * 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="JPEG", quality=JPEG_QUALITY)
        buffer.seek(0)
        with Image.open(buffer) as decoded:
            back = np.asarray(decoded.convert("RGB"), dtype=np.float32) / 255
        out.append(torch.from_numpy(back).permute(2, 0, 1))
    return torch.stack(out).to(images)


Degradation = Callable[[torch.Tensor], torch.Tensor]

#: Every degradation by the name presets use, in the order they are reported.
DEGRADATIONS: dict[str, Degradation] = {"half-scale": half_scale, "blur": blur, "jpeg": jpeg}


def _known_degradation(name: str) -> str:
    if name not in DEGRADATIONS:
        near = closest(name, DEGRADATIONS)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        raise ValueError(f"unknown degradation {name!r}; expected one of {', '.join(map(repr, DEGRADATIONS))}{hint}")
    return name


class LegibilityConfig(BaseModel):
    """Which degradations the robust scores apply (``legibility`` in a preset)."""

    model_config = ConfigDict(extra="forbid")

    degradations: list[Annotated[str, AfterValidator(_known_degradation)]] = Field(
        default_factory=lambda: list(DEGRADATIONS),
        description="Degradations the final picture is re-scored after: half-scale, blur, jpeg (an empty list skips robust scores).",
    )

    @field_validator("degradations")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        twice = sorted({d for d in value if value.count(d) > 1})
        if twice:
            raise ValueError(f"degradation {twice[0]!r} is listed twice")
        return value


# -- scoring ------------------------------------------------------------------------------

@torch.no_grad()
def class_probabilities(perceiver: Perceiver, images: torch.Tensor) -> torch.Tensor:
    """The classifier's class probabilities, averaged over the batch (a vector of its classes)."""
    return perceiver.perceive(images, [LOGITS])[LOGITS].softmax(-1).mean(0)


def rank_of(probabilities: torch.Tensor, index: int) -> int:
    """1 when ``index`` is the most probable class, 2 when one class beats it, ..."""
    return int((probabilities > probabilities[index]).sum()) + 1


@torch.no_grad()
def robust_scores(images: torch.Tensor, perceivers: Mapping[str, Perceiver], held_out: Sequence[str] | frozenset[str],
                  targets: Sequence[int], degradations: Sequence[str]) -> list[dict[str, Any]]:
    """Probability and rank of each target for each classifier after each degradation, and the worst rank."""
    from apophenic.imagenet import short_name

    if not targets or not degradations:
        return []
    picture = to_8bit(images)
    degraded = {name: DEGRADATIONS[name](picture) for name in degradations}
    entries = []
    for name, perceiver in perceivers.items():
        if perceiver.labels is None:
            continue
        probs = {d: class_probabilities(perceiver, image) for d, image in degraded.items()}
        for target in targets:
            each = {d: {"probability": float(p[target]), "rank": rank_of(p, target)} for d, p in probs.items()}
            worst = max(each, key=lambda d: (each[d]["rank"], -each[d]["probability"]))
            entries.append({
                "perceiver": name,
                "held_out": name in held_out,
                "target": short_name(target),
                "target_index": target,
                "degradations": each,
                "worst_rank": each[worst]["rank"],
                "worst_degradation": worst,
            })
    return entries


def measure(images: torch.Tensor, perceivers: Mapping[str, Perceiver], held_out: Sequence[str] | frozenset[str],
            targets: Sequence[int], config: LegibilityConfig | None = None) -> dict[str, Any]:
    """``{"clipped": share, "robust": [...]}`` for a run's final images (see the module docstring)."""
    config = config or LegibilityConfig()
    return {"clipped": clipped_share(images),
            "robust": robust_scores(images, perceivers, held_out, targets, config.degradations)}


def worst_robust_rank(robust: Sequence[Mapping[str, Any]], held_out: bool | None = True) -> int | None:
    """The worst ``worst_rank`` over ``robust`` entries (held-out ones only by default; None if there are none)."""
    ranks = [int(r["worst_rank"]) for r in robust if held_out is None or bool(r.get("held_out")) == held_out]
    return max(ranks) if ranks else None
