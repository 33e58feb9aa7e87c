"""Building a run: from a validated config to the parts the loop drives.

:func:`build` makes the perceivers first (objectives check their layers against
them), then the objective — each term times its ``weight``, applied here so no
objective has to — the generator, the transforms and the optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from pydantic import BaseModel

from apophenic.component import BuildContext
from apophenic.device import pick_device
from apophenic.errors import ApophenicError
from apophenic.generator import Generator
from apophenic.memory_estimate import check_fits
from apophenic.objective import Objective, Perception
from apophenic.optimizer import Optimizer
from apophenic.perceiver import Perceiver
from apophenic.transform import Compose, Transform


@dataclass
class Ensemble:
    """The run's perceivers with their weights, split into optimized and held-out."""

    perceivers: dict[str, Perceiver]
    weights: dict[str, float]
    held_out: frozenset[str]

    @property
    def optimized(self) -> list[str]:
        """Names of the perceivers the optimization sees."""
        return [n for n in self.perceivers if n not in self.held_out]

    def perceive(self, images: torch.Tensor, objective: Objective) -> Perception:
        """Run the optimized perceivers that the objective reads, tapping only the layers it needs."""
        features: dict[str, dict[str, torch.Tensor]] = {}
        for name in self.optimized:
            layers = {layer for who, layer in objective.needs if who is None or who == name}
            if layers:
                features[name] = self.perceivers[name].perceive(images, layers)
        return Perception(images, features, self.weights)


@dataclass
class RunParts:
    """Everything built from one run config, ready to optimize.

    :param steps: optimization steps.
    :param augmentations: transformed copies of each image perceived per step.
    :param rng: the random generator the per-step views are drawn from.
    :param class_targets: ImageNet classes scored on every classifier at the end.
    """

    generator: Generator
    ensemble: Ensemble
    objective: Objective
    transform: Transform
    optimizer: Optimizer
    steps: int
    augmentations: int
    rng: torch.Generator
    ctx: BuildContext
    class_targets: list[int] = field(default_factory=list)


def build(config: BaseModel, source: Path | None = None) -> RunParts:
    """Build generator, ensemble, objective, transforms and optimizer from a validated run config."""
    where = source or "config"
    device = pick_device(config.device)
    check_fits(config.hw, config.generator.batch_size(), config.augmentations, device, where)
    torch.manual_seed(config.seed)
    ctx = BuildContext(device=device, seed=config.seed, size=config.hw, source=source,
                       search_paths=[Path(p) for p in config.search_paths])
    names = [p.label for p in config.perceivers]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ApophenicError(f"{where}: perceivers: name {sorted(dupes)[0]!r} is used twice; give one a `name`")
    perceivers = {p.label: p.build(ctx) for p in config.perceivers}
    held_out = frozenset(p.label for p in config.perceivers if p.held_out)
    ctx.perceivers, ctx.held_out = perceivers, held_out
    ensemble = Ensemble(perceivers, {p.label: p.weight for p in config.perceivers}, held_out)
    if not config.objectives:
        raise ApophenicError(f"{where}: objectives: at least one objective is needed")
    objective = sum((o.weight * o.build(ctx) for o in config.objectives), start=0)
    generator = config.generator.build(ctx)
    transform = Compose([t.build(ctx) for t in config.transforms])
    params = [p for p in generator.parameters() if p.requires_grad]
    if not params:
        raise ApophenicError(f"{where}: generator {config.generator.type!r} has no parameters to optimize")
    optimizer = config.optimizer.build(params, ctx)
    from apophenic.imagenet import match_class

    targets = [t for o in config.objectives for t in o.class_targets()]
    targets = list(dict.fromkeys(targets + [match_class(t) for t in config.score_targets]))
    return RunParts(generator, ensemble, objective, transform, optimizer, config.optimizer.steps,
                    config.augmentations, ctx.random(3), ctx, targets)
