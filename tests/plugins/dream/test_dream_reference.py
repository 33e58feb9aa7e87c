"""DeepDream's steps are the notebook's: roll, gradient, normalized step, clamp — nothing else changes the picture."""

import pytest
import torch
from apophenic.config import validate
from apophenic.loop import build, make_loss, optimize_steps
from apophenic.preset_loader import load_data
from apophenic.registry import get_registry


def _pipeline(overrides):
    registry = get_registry()
    data, source = load_data("dream-shallow", overrides, registry)
    return build(validate(data, registry, source), source)


def _notebook_steps(pipeline, image: torch.Tensor, rng: torch.Generator, steps: int, step_size: float, jitter: int,
                    core: int) -> tuple[torch.Tensor, list[float]]:
    """A plain loop as the DeepDream notebook writes it, drawing the same random numbers."""
    scores = []
    for _ in range(steps):
        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (1, 2), generator=rng)[0])
        torch.randint(0, core, (1,), generator=rng), torch.randint(0, core, (1,), generator=rng)  # the tile grid's offset
        rolled = torch.roll(image, (dy, dx), (2, 3)).requires_grad_(True)
        score = pipeline.objective(pipeline.ensemble.perceive(rolled, pipeline.objective))
        (g,) = torch.autograd.grad(score, rolled)
        g = torch.roll(g, (-dy, -dx), (2, 3))
        image = (image + step_size * g / (g.abs().mean() + 1e-8)).clamp(0, 1)
        scores.append(float(score.detach()))
    return image, scores


def test_full_size_dream_steps_equal_a_notebook_loop():
    steps = 3
    pipeline = _pipeline(['generator.path="skimage:chelsea"', "generator.long_side=80", f"optimizer.steps={steps}",
                          "optimizer.octaves=1", 'device="cpu"'])
    cfg = pipeline.optimizer.config
    jitter = 32  # dream-shallow's
    start = pipeline.generator.pixels.detach().clone()
    rng = torch.Generator().manual_seed(0)
    rng.set_state(pipeline.rng.get_state())
    seen: list[float] = []
    optimize_steps(pipeline, make_loss(pipeline), lambda step, loss: seen.append(-loss))
    expected, scores = _notebook_steps(pipeline, start, rng, steps, cfg.step_size, jitter, cfg.tile - 2 * cfg.overlap)
    assert torch.allclose(pipeline.generator.pixels.detach(), expected, atol=1e-5)
    assert seen == pytest.approx(scores, rel=1e-5)
    assert not torch.equal(expected, start)
