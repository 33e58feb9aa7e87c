"""The optimization loop: render, view, perceive, score, step — with no run folder.

:func:`apophenic.run.execute` drives it for a single run; a plugin that chains several
optimizations (the style plugin's passes and tiles) drives it directly::

    parts = build(config, source)
    optimize_steps(parts, make_loss(parts), lambda step, loss: None)
    picture = parts.generator.render()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from apophenic.build import RunParts, build
from apophenic.errors import NonFiniteLoss
from apophenic.optimizer import Loss

__all__ = ["Loss", "NonFiniteLoss", "RunParts", "build", "class_scores", "make_loss", "measure", "optimize_steps"]


def make_loss(parts: RunParts) -> Loss:
    """Render, copy ``augmentations`` times, transform, perceive and return the negated score.

    NaN or infinity raises :class:`~apophenic.errors.NonFiniteLoss`.
    """
    gen = parts.generator

    def loss_fn() -> torch.Tensor:
        images = gen.render()
        if parts.augmentations > 1:
            images = images.repeat(parts.augmentations, 1, 1, 1)
        views = parts.transform(images, parts.rng)
        loss = -parts.objective(parts.ensemble.perceive(views, parts.objective))
        if not torch.isfinite(loss):
            raise NonFiniteLoss("the objective became NaN or infinite; lower the learning rate or an objective weight")
        return loss

    return Loss(loss_fn, views=parts.rng)


def optimize_steps(parts: RunParts, loss_fn: Loss, after_step: Callable[[int, float], None],
                   first: int = 1, last: int | None = None) -> None:
    """Run steps ``first..last`` (default: all) with the run's optimizer; after each, constrain
    the generator, then call ``after_step(step, loss)``."""

    def step_done(step: int, loss: float) -> None:
        parts.generator.constrain()
        after_step(step, loss)

    parts.optimizer.run_steps(parts, loss_fn, step_done, first, last)


def _values(total: torch.Tensor, terms: dict[str, torch.Tensor]) -> dict[str, Any]:
    return {"total": float(total), "terms": {k: float(v) for k, v in terms.items()}}


@torch.no_grad()
def measure(parts: RunParts, images: torch.Tensor) -> dict[str, Any]:
    """The objective (total and each term) on untransformed images."""
    perception = parts.ensemble.perceive(images, parts.objective)
    return _values(*parts.objective.evaluate(perception))


@torch.no_grad()
def class_scores(parts: RunParts, images: torch.Tensor) -> list[dict[str, Any]]:
    """Probability and rank of each target class for every classifier, held-out ones included."""
    from apophenic import legibility
    from apophenic.imagenet import short_name

    scores = []
    for target in parts.class_targets:
        for name, perceiver in parts.ensemble.perceivers.items():
            if perceiver.labels is None:
                continue
            probs = legibility.class_probabilities(perceiver, images)
            top = int(probs.argmax())
            scores.append({
                "perceiver": name,
                "held_out": name in parts.ensemble.held_out,
                "target": short_name(target),
                "target_index": target,
                "probability": float(probs[target]),
                "rank": legibility.rank_of(probs, target),
                "top": short_name(top),
                "top_probability": float(probs[top]),
            })
    return scores
