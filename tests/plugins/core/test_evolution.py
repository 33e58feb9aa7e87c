"""The evolution strategy: climbs a score without gradients, in place, seeded, inside the real run loop."""

from __future__ import annotations

import json

import pytest
import torch

from apophenic.optimizer import Loss

from apophenic.component import BuildContext
from apophenic.plugins.core.evolution import EvolutionConfig, centered_ranks, standardized


def _quadratic(params, target):
    """Loss = squared distance to ``target``; evaluated without autograd, like a black box."""

    def loss_fn():
        return sum(((p - t) ** 2).sum() for p, t in zip(params, target))

    return loss_fn


def test_centered_ranks_and_standardized_rewards():
    r = centered_ranks(torch.tensor([3.0, -1.0, 10.0, 0.0]))
    assert r.tolist() == pytest.approx([1 / 6, -0.5, 0.5, -1 / 6])
    s = standardized(torch.tensor([1.0, 2.0, 3.0]))
    assert float(s.mean()) == pytest.approx(0) and float(s.std()) == pytest.approx(1)
    assert standardized(torch.tensor([2.0, 2.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("rewards", ["rank", "standardize"])
def test_evolution_reduces_a_loss_it_cannot_differentiate(rewards):
    a = torch.nn.Parameter(torch.zeros(3, 4))
    b = torch.nn.Parameter(torch.ones(5))
    target = [torch.full((3, 4), 0.5), torch.full((5,), -0.25)]
    ids = (id(a), id(b))
    opt = EvolutionConfig(population=20, sigma=0.05, lr=0.05, rewards=rewards).build([a, b], BuildContext(seed=1))
    assert opt.needs_grad is False
    loss_fn = _quadratic([a, b], target)
    with torch.no_grad():
        start = float(loss_fn())
        for _ in range(150):
            opt.step(loss_fn)
        end = float(loss_fn())
    assert end < 0.05 * start
    assert (id(a), id(b)) == ids and a.grad is None  # the generator's own tensors, updated in place


def test_evolution_is_seeded():
    def run(seed):
        p = torch.nn.Parameter(torch.zeros(6))
        opt = EvolutionConfig(population=6).build([p], BuildContext(seed=seed))
        with torch.no_grad():
            for _ in range(3):
                opt.step(_quadratic([p], [torch.ones(6)]))
        return p.detach().clone()

    assert torch.equal(run(0), run(0)) and not torch.equal(run(0), run(1))


def test_every_member_sees_the_same_views_when_the_loop_offers_its_rng():
    p = torch.nn.Parameter(torch.zeros(2))
    views = torch.Generator().manual_seed(0)
    drawn = []

    def draw_and_score():
        drawn.append(float(torch.rand(1, generator=views)))
        return (p ** 2).sum()

    loss_fn = Loss(draw_and_score, views=views)
    opt = EvolutionConfig(population=8).build([p], BuildContext())
    with torch.no_grad():
        opt.step(loss_fn)
        opt.step(loss_fn)
    assert len(set(drawn[:8])) == 1 and len(set(drawn[8:])) == 1 and drawn[0] != drawn[8]


def test_evolution_optimizes_a_pixel_image_through_the_run_loop(tmp_path):
    from apophenic.config import validate
    from apophenic.registry import get_registry
    from apophenic.run import execute

    registry = get_registry()
    config = validate({
        "size": 16, "seed": 0,
        "generator": {"type": "pixels"},
        "perceivers": [{"type": "random-cnn", "kernels": [3], "channels": 4}],
        "objectives": [{"type": "channel", "layer": "conv3", "channel": 1}],
        "optimizer": {"type": "evolution", "population": 8, "sigma": 0.05, "lr": 0.05, "steps": 15},
    }, registry, None)
    result = execute(config, tmp_path, progress=False, registry=registry)
    record = json.loads((result.folder / "run.json").read_text())
    assert record["config"]["optimizer"]["type"] == "evolution"
    assert record["objective"]["end"]["total"] > record["objective"]["start"]["total"]
