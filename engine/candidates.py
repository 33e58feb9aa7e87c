"""Several starts, one picture: keep the start the optimized ensemble scores best.

A constrained drawing depends a lot on where its strokes start. With ``[candidates]
count = K, steps = P`` a run builds the generator from K seeds, optimizes each for the
run's first P steps, measures each one's objective on its untransformed image — the
optimized ensemble's score; held-out classifiers are never consulted, so the held-out
score stays an honest test — and continues only the best for the remaining steps
(its optimizer state and learning-rate schedule included). Cost: ``K·P + steps − P``
steps. Candidate 0 is the plain run's start, so ``count = 1`` changes nothing. The
candidates' first steps advance the progress bar only; ``on_step`` observers and
snapshots follow the chosen one from step P + 1, and ``run.json`` records every
candidate's seed and objective under ``candidates``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from apophenic.errors import ConfigError

if TYPE_CHECKING:
    from apophenic.optimizer import LossFn
    from apophenic.build import RunParts

#: Candidate k > 0 builds its generator from seed ``(seed + k · SEED_STRIDE) mod 2**32``.
SEED_STRIDE = 0x9E3779B1


class CandidatesConfig(BaseModel):
    """Starts tried before the run commits to one (``candidates`` in a preset)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(1, ge=1, le=64, description="Generators started from different seeds; 1: just the run's own.")
    steps: int = Field(0, ge=0, le=1_000_000, description="Steps each candidate gets before the best (by the optimized ensemble's objective) continues alone.")


def candidate_seed(seed: int, index: int) -> int:
    """The seed candidate ``index`` builds its generator from (``seed`` itself for candidate 0)."""
    return (seed + index * SEED_STRIDE) % 2**32


def check(config: BaseModel, pipeline: "RunParts", source: Any) -> None:
    """Raise :class:`ConfigError` when the candidates cannot run as configured."""
    chosen: CandidatesConfig = config.candidates
    if chosen.count == 1:
        return
    if chosen.steps < 1 or chosen.steps >= pipeline.steps:
        raise ConfigError(source, "candidates.steps", f"expected 1..{pipeline.steps - 1} (fewer than optimizer.steps = {pipeline.steps}) when count > 1")
    if pipeline.optimizer.schedules_itself:
        raise ConfigError(source, "candidates.count", f"optimizer {config.optimizer.type!r} runs its own schedule; candidates need one that steps one at a time")


def choose(config: BaseModel, pipeline: "RunParts", make_loss_fn: Callable[["RunParts"], "LossFn"],
           optimize: Callable[["RunParts", "LossFn", int, int], None],
           measure: Callable[["RunParts", Any], dict[str, Any]]) -> tuple["RunParts", "LossFn", dict[str, Any]]:
    """Run every candidate's first steps; return the best one's pipeline and loss, and what was tried.

    :param make_loss_fn: builds the loss of a pipeline (the run's own).
    :param optimize: ``optimize(pipeline, loss_fn, first, last)`` runs steps ``first..last``.
    :param measure: the objective of a pipeline's untransformed images (``{"total": ...}``).
    """
    chosen: CandidatesConfig = config.candidates
    tried = []
    best: tuple[float, int, "RunParts", "LossFn"] | None = None
    for index in range(chosen.count):
        candidate = pipeline
        if index:
            ctx = dataclasses.replace(pipeline.ctx, seed=candidate_seed(config.seed, index))
            generator = config.generator.build(ctx)
            params = [p for p in generator.parameters() if p.requires_grad]
            candidate = dataclasses.replace(pipeline, generator=generator, optimizer=config.optimizer.build(params, ctx))
        loss_fn = make_loss_fn(candidate)
        optimize(candidate, loss_fn, 1, chosen.steps)
        with torch.no_grad():
            score = float(measure(candidate, candidate.generator.render())["total"])
        tried.append({"seed": candidate_seed(config.seed, index), "objective": score})
        if best is None or score > best[0]:
            best = (score, index, candidate, loss_fn)
    assert best is not None
    _, index, winner, loss_fn = best
    return winner, loss_fn, {"count": chosen.count, "steps": chosen.steps, "tried": tried, "chosen": index}

