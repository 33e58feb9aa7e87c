"""Example for ``register_optimizers``: plain SGD with momentum."""

# --8<-- [start:example]
from typing import Literal

import torch
from pydantic import Field

from apophenic import Optimizer, OptimizerConfig, hookimpl


class SGD(Optimizer):
    def __init__(self, params: list[torch.Tensor], lr: float, momentum: float) -> None:
        self.torch_optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum)

    def step(self, loss_fn) -> float:
        self.torch_optimizer.zero_grad()
        loss = loss_fn()  # renders, perceives and returns the negated score
        loss.backward()
        self.torch_optimizer.step()
        return loss.item()


class SGDConfig(OptimizerConfig):
    """Stochastic gradient descent with momentum."""

    type: Literal["sgd"] = "sgd"
    lr: float = Field(0.5, gt=0, le=100, description="Learning rate.")
    momentum: float = Field(0.9, ge=0, lt=1, description="Momentum factor.")

    def build(self, params, ctx) -> Optimizer:
        return SGD(params, self.lr, self.momentum)


@hookimpl
def register_optimizers(register):
    register(SGDConfig)
# --8<-- [end:example]
