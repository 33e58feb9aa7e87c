"""Optimizer: how a run changes the generator's parameters each step.

Gradient optimizers (Adam, L-BFGS) call ``loss.backward()``; gradient-free
ones (an evolution strategy) only evaluate the loss, so non-differentiable
generators and perceivers work too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import torch
from pydantic import Field

from apophenic.component import ComponentConfig
from apophenic.errors import NonFiniteLoss

if TYPE_CHECKING:
    from apophenic.build import RunParts

LossFn = Callable[[], torch.Tensor]
"""Renders, perceives and returns the loss (the negated score) for the current parameters."""


class Loss:
    """The run's loss: render, draw random views, perceive, return the negated score.

    :param fn: computes the loss once.
    :param views: the random generator the views of each evaluation are drawn from.
    """

    def __init__(self, fn: LossFn, views: torch.Generator | None = None) -> None:
        self.fn = fn
        self.views = views

    def __call__(self) -> torch.Tensor:
        return self.fn()

    def fixed_views(self) -> "Loss":
        """This loss with every evaluation seeing the views the next one would have seen.

        A gradient-free optimizer evaluates many candidates in one step; common random
        numbers (the same views for each) make their comparison fair.
        """
        if self.views is None:
            return self
        views, state = self.views, self.views.get_state()

        def same_views() -> torch.Tensor:
            views.set_state(state)
            return self.fn()

        return Loss(same_views, views)


class Optimizer:
    """One optimization step at a time over a fixed list of parameters.

    An optimizer with a schedule of its own (DeepDream's octaves and tiles) overrides
    :meth:`run_steps` and sets :attr:`schedules_itself`.
    """

    needs_grad: bool = True
    """False for gradient-free optimizers: their steps run under ``torch.no_grad()``."""

    schedules_itself: bool = False
    """True when :meth:`run_steps` is overridden with a schedule that cannot be split (no ``candidates``)."""

    def step(self, loss_fn: LossFn) -> float:  # pragma: no cover - abstract
        """Take one step and return the loss it measured."""
        raise NotImplementedError

    def state_dict(self) -> dict | None:
        """The optimizer's state between two steps, for resuming an interrupted run: plain tensors,
        numbers, strings and containers only (it is saved with ``torch.save`` and loaded with
        ``weights_only=True``). ``None`` (the default) means this optimizer cannot resume."""
        return None

    def load_state_dict(self, state: dict) -> None:
        """Continue from a :meth:`state_dict`; the default cannot (its :meth:`state_dict` is ``None``)."""
        raise NotImplementedError(f"{type(self).__name__} cannot resume")

    def run_steps(self, parts: "RunParts", loss_fn: LossFn, after_step: Callable[[int, float], None],
                  first: int = 1, last: int | None = None) -> None:
        """Run steps ``first..last`` (default: to ``parts.steps``), calling ``after_step(step, loss)`` after each.

        The default takes one :meth:`step` per step and tells the generator its progress first.
        An optimizer with its own schedule overrides this and must still call ``after_step``
        after each of its ``parts.steps`` steps (the run constrains the generator there).
        """
        steps = parts.steps
        for step in range(first, (steps if last is None else last) + 1):
            parts.generator.set_progress((step - 1) / max(1, steps - 1))
            try:
                if self.needs_grad:
                    loss = self.step(loss_fn)
                else:
                    with torch.no_grad():
                        loss = self.step(loss_fn)
            except NonFiniteLoss as exc:
                raise NonFiniteLoss(f"step {step}: {exc}") from None
            after_step(step, loss)


class OptimizerConfig(ComponentConfig):
    """Base for optimizer configs; ``build`` returns an :class:`Optimizer`."""

    kind: ClassVar[str] = "optimizer"

    steps: int = Field(200, ge=0, le=1_000_000, description="Number of optimization steps.")

    def build(self, params: list[torch.Tensor], ctx) -> Optimizer:  # pragma: no cover - abstract
        raise NotImplementedError
