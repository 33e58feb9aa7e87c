"""DeepDream's schedule as an optimizer: octaves, jitter, normalized gradient steps, tiles.

Mordvintsev et al. 2015: process a pyramid of scales from small to large,
carrying the detail dreamed at one scale up to the next; at every step shift
the image randomly (the run's transforms, e.g. ``jitter``), take the gradient
of the objective, and step by ``step_size`` divided by the gradient's mean
magnitude. The gradient is computed tile by tile (:mod:`.tiles`) so any
photo size fits in memory.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from apophenic.errors import ApophenicError, ConfigError, NonFiniteLoss
from apophenic.optimizer import Optimizer, OptimizerConfig
from apophenic.plugins.dream.allocator import keep_freed_memory
from apophenic.plugins.dream.photo import PhotoImage
from apophenic.plugins.dream.tiles import fits_in_tile, receptive_field, tiled_gradient
from pydantic import Field, model_validator

MIN_OCTAVE_SIDE = 32
"""Octaves whose shorter side would fall below this are skipped (their steps go to the others)."""


def octave_sizes(h: int, w: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """Image sizes from the smallest octave to the full size."""
    sizes = []
    for i in reversed(range(octaves)):
        s = scale**i
        size = (round(h / s), round(w / s))
        if min(size) >= MIN_OCTAVE_SIDE or i == 0:
            sizes.append(size)
    return sizes


def split_steps(steps: int, parts: int) -> list[int]:
    """``steps`` spread over ``parts`` octaves; the remainder goes to the smallest (cheapest) ones."""
    base, extra = divmod(steps, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    shrink = size[0] < image.shape[-2]
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=shrink)


class DeepDream(Optimizer):
    """Normalized gradient ascent on a photo's pixels over a pyramid of octaves, tile by tile."""

    schedules_itself = True

    def __init__(self, params: list[torch.Tensor], config: "DeepDreamConfig", source) -> None:
        self.params = params
        self.config = config
        self.source = source

    def step(self, loss_fn) -> float:
        """One normalized gradient step on the parameters at full size (no octaves, no tiles)."""
        loss = loss_fn()
        grads = torch.autograd.grad(loss, self.params)
        with torch.no_grad():
            for p, g in zip(self.params, grads):
                p.sub_(self.config.step_size * g / (g.abs().mean() + 1e-8))
        return float(loss)

    # -- the whole schedule -----------------------------------------------------------
    def run_steps(self, pipeline, loss_fn, after_step, first: int = 1, last: int | None = None) -> None:
        """Every step of the dream, octave by octave and tile by tile (``first``/``last`` are not
        used: :attr:`schedules_itself` keeps ``candidates`` from splitting the schedule)."""
        gen = pipeline.generator
        if not isinstance(gen, PhotoImage):
            raise ConfigError(self.source, "optimizer.type", "'deepdream' dreams on a photo: use generator type 'photo' (for images from noise use 'adam')")
        cfg = self.config
        base = gen.pixels.detach().clone()
        h, w = base.shape[-2:]
        self.check_tile(pipeline, max(h, w))
        sizes = octave_sizes(h, w, cfg.octaves, cfg.octave_scale)
        plan = split_steps(pipeline.steps, len(sizes))
        objective, ensemble = pipeline.objective, pipeline.ensemble

        def score(window: torch.Tensor) -> torch.Tensor:
            return objective(ensemble.perceive(window, objective))

        with keep_freed_memory():  # windows reuse the pages the previous one freed (see .allocator)
            self._octaves(pipeline, score, base, sizes, plan, after_step)

    def _octaves(self, pipeline, score, base: torch.Tensor, sizes: list[tuple[int, int]], plan: list[int], after_step) -> None:
        """The steps of every octave, from the smallest size up, carrying the dreamed detail."""
        cfg, gen, transform = self.config, pipeline.generator, pipeline.transform
        h, w = base.shape[-2:]
        detail = None
        step = 0
        for size, n_steps in zip(sizes, plan):
            octave_base = _resize(base, size)
            detail = torch.zeros_like(octave_base) if detail is None else _resize(detail, size)
            image = (octave_base + detail).clamp(0, 1)
            full = tuple(size) == (h, w)
            for _ in range(n_steps):
                step += 1
                views_of = image.detach().requires_grad_(True)
                batch = views_of.repeat(pipeline.augmentations, 1, 1, 1) if pipeline.augmentations > 1 else views_of
                views = transform(batch, pipeline.rng)
                grad_views, total = tiled_gradient(views.detach(), score, cfg.tile, cfg.overlap, pipeline.rng)
                (grad,) = torch.autograd.grad(views, views_of, grad_views)  # undo the shift (and any transform)
                with torch.no_grad():
                    # One number is the finite check: a NaN or infinity anywhere makes the mean magnitude one.
                    magnitude = float(grad.abs().mean())
                    if not (math.isfinite(total) and math.isfinite(magnitude)):
                        raise NonFiniteLoss(f"step {step}: the objective became NaN or infinite; lower step_size or an objective weight")
                    # In place: nothing else holds ``image`` (``views_of`` shares it, but its graph is spent).
                    image.add_(grad, alpha=cfg.step_size / (magnitude + 1e-8)).clamp_(0, 1)
                    if full:  # base + (image − base) is image: no full-size temporaries
                        gen.pixels.copy_(image)
                    else:
                        gen.pixels.copy_((base + _resize(image - octave_base, (h, w))).clamp(0, 1))
                after_step(step, -total)
            detail = image - octave_base

    def check_tile(self, pipeline, side: int) -> None:
        """A tile smaller than what one unit of a dreamed layer sees would cut its view: refuse it."""
        tile = self.config.tile
        if side <= tile:
            return  # the whole image fits in one window: no tiling
        for who, layer in sorted(pipeline.objective.needs, key=lambda n: (n[0] or "", n[1])):
            for name in [who] if who is not None else pipeline.ensemble.optimized:
                perceiver = pipeline.ensemble.perceivers[name]
                if perceiver.resize_to is not None:
                    continue  # every window is resized to the network's input anyway
                exact = perceiver.resolve_layer(layer)
                if not fits_in_tile(perceiver, exact, tile):
                    field = receptive_field(perceiver, exact)
                    raise ConfigError(self.source, "optimizer.tile", f"{tile} px is smaller than the receptive field of {name} layer {exact!r} ({field} px); use a tile of at least {field}")


class DeepDreamConfig(OptimizerConfig):
    """DeepDream's schedule: octaves, normalized gradient steps, tiled gradients (needs generator 'photo')."""

    type: Literal["deepdream"] = "deepdream"
    steps: int = Field(40, ge=0, le=100_000, description="Steps in all, spread over the octaves (the notebook: 10 per octave).")
    step_size: float = Field(0.006, gt=0, le=1, description="Mean change of a pixel per step (in 0..1; the notebook's 1.5/255).")
    octaves: int = Field(4, ge=1, le=12, description="Scales in the pyramid, dreamed from the smallest up.")
    octave_scale: float = Field(1.4, ge=1.0, le=4.0, description="Size ratio between neighbouring octaves.")
    tile: int = Field(1024, ge=16, le=8192, description="Side of the window the gradient is computed on; larger images are tiled.")
    overlap: int = Field(64, ge=0, le=2048, description="Context in pixels around each tile's core (each side); the grid also moves randomly every step.")

    @model_validator(mode="after")
    def _core_left(self):
        if self.tile - 2 * self.overlap < 8:
            raise ValueError(f"tile ({self.tile}) must exceed twice the overlap ({self.overlap}) by at least 8 pixels")
        return self

    def build(self, params: list[torch.Tensor], ctx) -> Optimizer:
        if not params:
            raise ApophenicError("deepdream: the generator has no parameters")
        return DeepDream(params, self, ctx.source)
