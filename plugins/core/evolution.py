"""An evolution strategy: optimizes any generator by evaluating perturbed copies, no gradients.

This is the black-box search White's Perception Engines used: sample a population
of antithetic perturbations ``θ ± σε``, score each, turn the scores into
rank-normalized (or standardized) rewards, and move ``θ`` along the reward-weighted
mean of ``ε`` (Salimans et al. 2017). Because only the loss is evaluated,
non-differentiable renderers and perceivers work too.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from apophenic.errors import NonFiniteLoss
from apophenic.optimizer import Loss, LossFn, Optimizer, OptimizerConfig


def centered_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks scaled to ``[-0.5, 0.5]`` (ties broken by order): robust to outliers and to the loss's scale."""
    n = values.numel()
    ranks = torch.empty(n, dtype=torch.float64)
    ranks[values.argsort()] = torch.arange(n, dtype=torch.float64)
    return ranks / max(1, n - 1) - 0.5


def standardized(values: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit variance (all zeros when every value is equal)."""
    values = values.to(torch.float64)
    std = values.std()
    return (values - values.mean()) / std if std > 0 else torch.zeros_like(values)


class EvolutionStrategy(Optimizer):
    """Antithetic-sampling evolution strategy with an Adam update on the estimated gradient.

    :param params: tensors to optimize; they are overwritten in place.
    :param population: evaluations per step (even: ``population / 2`` antithetic pairs).
    :param sigma: standard deviation of the perturbations, in parameter units.
    :param lr: Adam step size on the search-gradient estimate.
    :param rewards: ``"rank"`` (centered ranks) or ``"standardize"``.
    :param rng: source of the perturbations (seeded from the run).
    """

    needs_grad = False

    def __init__(self, params: list[torch.Tensor], population: int, sigma: float, lr: float,
                 rewards: Literal["rank", "standardize"], rng: torch.Generator) -> None:
        self.params = list(params)
        self.population = population
        self.sigma = sigma
        self.rewards = rewards
        self.rng = rng
        self.theta = torch.cat([p.detach().reshape(-1) for p in self.params]).clone()
        # Adam runs on a stand-in tensor whose .grad we set: the same update rule as the gradient optimizers.
        self._flat = torch.nn.Parameter(self.theta.clone())
        self._adam = torch.optim.Adam([self._flat], lr=lr)

    def _load(self, vector: torch.Tensor) -> None:
        """Write a flat vector into the parameters, in place (the generator keeps its tensors)."""
        offset = 0
        for p in self.params:
            n = p.numel()
            p.data.copy_(vector[offset:offset + n].view_as(p))
            offset += n

    def _evaluate(self, loss_fn: LossFn, vector: torch.Tensor) -> float:
        self._load(vector)
        return float(loss_fn())

    @torch.no_grad()
    def step(self, loss_fn: LossFn) -> float:
        """Evaluate the population, update ``θ``, leave the parameters at the new ``θ``; return the mean loss."""
        # Constraints (clamps) the run applied after the last step are part of θ.
        self.theta = torch.cat([p.detach().reshape(-1) for p in self.params])
        self._flat.data.copy_(self.theta)
        # Common random numbers: every member sees the same transformed views this step.
        loss_fn = loss_fn.fixed_views() if isinstance(loss_fn, Loss) else loss_fn
        pairs = max(1, self.population // 2)
        noise = torch.randn(pairs, self.theta.numel(), generator=self.rng).to(self.theta)
        losses = torch.empty(2 * pairs, dtype=torch.float64)
        for i in range(pairs):
            losses[2 * i] = self._evaluate(loss_fn, self.theta + self.sigma * noise[i])
            losses[2 * i + 1] = self._evaluate(loss_fn, self.theta - self.sigma * noise[i])
        if not torch.isfinite(losses).all():
            raise NonFiniteLoss("the objective became NaN or infinite for a perturbed member; lower sigma")
        rewards = -losses  # the loop hands us a loss; the ES climbs the score
        weights = centered_ranks(rewards) if self.rewards == "rank" else standardized(rewards)
        diff = (weights[0::2] - weights[1::2]).to(self.theta)  # antithetic pair: one weight per ε
        gradient = diff @ noise / (2 * pairs * self.sigma)
        self._adam.zero_grad(set_to_none=False)
        self._flat.grad = -gradient  # Adam minimizes; we ascend the reward
        self._adam.step()
        self.theta = self._flat.detach().clone()
        self._load(self.theta)
        return float(losses.mean())

    def state_dict(self) -> dict:
        return {"theta": self.theta.clone(), "flat": self._flat.detach().clone(), "adam": self._adam.state_dict(),
                "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.theta = state["theta"].to(self.theta)
        self._flat.data.copy_(state["flat"])
        self._adam.load_state_dict(state["adam"])
        self.rng.set_state(state["rng"])


class EvolutionConfig(OptimizerConfig):
    """Evolution strategy: antithetic perturbations and ranked rewards, no gradients (works with any generator)."""

    type: Literal["evolution"] = "evolution"
    population: int = Field(16, ge=2, le=10_000, description="Perturbed copies evaluated per step (rounded down to an even number).")
    sigma: float = Field(0.02, gt=0, le=10, description="Standard deviation of the perturbations, in parameter units.")
    lr: float = Field(0.01, gt=0, le=100, description="Adam step size on the estimated search gradient.")
    rewards: Literal["rank", "standardize"] = Field(
        "rank", description="How scores become weights: centered ranks (robust) or standardized (zero mean, unit variance)."
    )

    def build(self, params, ctx) -> Optimizer:
        return EvolutionStrategy(params, self.population, self.sigma, self.lr, self.rewards, ctx.random(4_000_037))
