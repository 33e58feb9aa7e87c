"""Optimizer: how a run changes the generator's parameters each step.

Gradient optimizers (Adam, L-BFGS) call ``loss.backward()``; gradient-free
ones (an evolution strategy) only evaluate the loss, so non-differentiable
generators and perceivers work too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import torch
from pydantic import Field

from apophenic.component import ComponentConfig

LossFn = Callable[[], torch.Tensor]
"""Renders, perceives and returns the loss (the negated score) for the current parameters."""


class Optimizer:
    """One optimization step at a time over a fixed list of parameters.

    An optimizer with its own schedule (DeepDream's octaves and tiles) may also
    define ``run_steps(pipeline, loss_fn, after_step)``: the run then calls it
    once instead of looping over :meth:`step`, and it must call
    ``after_step(step, loss)`` after each of its ``pipeline.steps`` steps.
    """

    needs_grad: bool = True

    def step(self, loss_fn: LossFn) -> float:  # pragma: no cover - abstract
        """Take one step and return the loss it measured."""
        raise NotImplementedError


class OptimizerConfig(ComponentConfig):
    """Base for optimizer configs; ``build`` returns an :class:`Optimizer`."""

    kind: ClassVar[str] = "optimizer"

    steps: int = Field(200, ge=0, le=1_000_000, description="Number of optimization steps.")

    def build(self, params: list[torch.Tensor], ctx) -> Optimizer:  # pragma: no cover - abstract
        raise NotImplementedError
