"""Built-in gradient optimizers: Adam and L-BFGS."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from apophenic.optimizer import LossFn, Optimizer, OptimizerConfig


class TorchOptimizer(Optimizer):
    """Wraps a ``torch.optim`` optimizer behind the one-step interface."""

    def __init__(self, optim: torch.optim.Optimizer) -> None:
        self.optim = optim

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
        return measured[0]


class AdamConfig(OptimizerConfig):
    """Adam on gradients: the default for images."""

    type: Literal["adam"] = "adam"
    lr: float = Field(0.05, gt=0, le=100, description="Learning rate.")

    def build(self, params, ctx) -> Optimizer:
        return TorchOptimizer(torch.optim.Adam(params, lr=self.lr))


class LBFGSConfig(OptimizerConfig):
    """L-BFGS on gradients: the classic choice for Gatys style transfer."""

    type: Literal["lbfgs"] = "lbfgs"
    lr: float = Field(1.0, gt=0, le=100, description="Step size.")
    history: int = Field(20, ge=1, le=1000, description="Number of past updates L-BFGS remembers.")
    max_iter: int = Field(1, ge=1, le=100, description="Function evaluations per step.")

    def build(self, params, ctx) -> Optimizer:
        return TorchOptimizer(torch.optim.LBFGS(params, lr=self.lr, history_size=self.history, max_iter=self.max_iter))
