"""Built-in gradient optimizers: Adam and L-BFGS."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from apophenic.optimizer import LossFn, Optimizer, OptimizerConfig


class TorchOptimizer(Optimizer):
    """Wraps a ``torch.optim`` optimizer (and an optional learning-rate schedule) behind the one-step interface."""

    def __init__(self, optim: torch.optim.Optimizer, schedule: torch.optim.lr_scheduler.LRScheduler | None = None) -> None:
        self.optim = optim
        self.schedule = schedule

    def step(self, loss_fn: LossFn) -> float:
        measured: list[float] = []

        def closure() -> torch.Tensor:
            self.optim.zero_grad(set_to_none=True)
            loss = loss_fn()
            loss.backward()
            if not measured:
                measured.append(float(loss.detach()))
            return loss

        self.optim.step(closure)
        if self.schedule is not None:
            self.schedule.step()
        return measured[0]

    def state_dict(self) -> dict:
        state = {"optim": self.optim.state_dict()}
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.optim.load_state_dict(state["optim"])
        if self.schedule is not None:
            self.schedule.load_state_dict(state["schedule"])


class AdamConfig(OptimizerConfig):
    """Adam on gradients: the default for images."""

    type: Literal["adam"] = "adam"
    lr: float = Field(0.05, gt=0, le=100, description="Learning rate.")
    schedule: Literal["constant", "cosine"] = Field(
        "constant", description="Learning rate over the run: constant, or cosine from lr down to lr × final_lr (settles the last steps)."
    )
    final_lr: float = Field(0.1, ge=0, le=1, description="With schedule = 'cosine': the last step's learning rate as a fraction of lr.")

    def build(self, params, ctx) -> Optimizer:
        optim = torch.optim.Adam(params, lr=self.lr)
        schedule = None
        if self.schedule == "cosine" and self.steps > 1:
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=self.steps - 1, eta_min=self.lr * self.final_lr)
        return TorchOptimizer(optim, schedule)


class LBFGSConfig(OptimizerConfig):
    """L-BFGS on gradients: the classic choice for Gatys style transfer."""

    type: Literal["lbfgs"] = "lbfgs"
    lr: float = Field(1.0, gt=0, le=100, description="Step size.")
    history: int = Field(20, ge=1, le=1000, description="Number of past updates L-BFGS remembers.")
    max_iter: int = Field(1, ge=1, le=100, description="Function evaluations per step.")

    def build(self, params, ctx) -> Optimizer:
        return TorchOptimizer(torch.optim.LBFGS(params, lr=self.lr, history_size=self.history, max_iter=self.max_iter))
