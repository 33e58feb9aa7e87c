"""Fixed, seeded scenes for tests, benchmarks and the docs picture."""

from __future__ import annotations

import math

import torch

from apophenic.renderers.scene import StrokeScene


def random_strokes(n: int, size: int, seed: int = 0, segments: int = 2, width: tuple[float, float] = (1.0, 7.0)) -> torch.Tensor:
    """``1×n×(3k+1)×2`` smooth strokes: a start anywhere, then steps of up to 7.5% of the side."""
    g = torch.Generator().manual_seed(seed)
    start = torch.rand(1, n, 1, 2, generator=g) * size
    steps = (torch.rand(1, n, 3 * segments, 2, generator=g) - 0.5) * (0.15 * size)
    return torch.cat([start, start + steps.cumsum(2)], 2)


def demo_scene(size: int = 224, strokes: int = 24, blobs: int = 5, rects: int = 3, seed: int = 0, soft: bool = False) -> StrokeScene:
    """A mixed scene: rectangles, wobbly blobs (one soft if ``soft``), round and flat strokes."""
    g = torch.Generator().manual_seed(seed)
    scale = size / 224
    m = 4
    k = 4 / 3 * math.tan(math.pi / (2 * m))
    circle = []
    for j in range(m):
        a, b = 2 * math.pi * j / m, 2 * math.pi * (j + 1) / m
        circle += [(math.cos(a), math.sin(a)), (math.cos(a) - k * math.sin(a), math.sin(a) + k * math.cos(a)),
                   (math.cos(b) + k * math.sin(b), math.sin(b) - k * math.cos(b))]
    circle_t = torch.tensor(circle)
    centres = 30 * scale + torch.rand(1, blobs, 1, 2, generator=g) * (size - 60 * scale)
    radii = (15 + torch.rand(1, blobs, 1, 1, generator=g) * 30) * scale
    wobble = 1 + (torch.rand(1, blobs, 3 * m, 2, generator=g) - 0.5) * 0.5
    corners = torch.rand(1, rects, 2, 2, generator=g) * size
    boxes = torch.cat([corners.amin(2), corners.amax(2)], -1)
    softness = torch.zeros(1, blobs)
    if soft and blobs:
        softness[0, 0] = 3.0 * scale
    return StrokeScene(
        width=float(size),
        height=float(size),
        stroke_points=random_strokes(strokes, size, seed + 1),
        stroke_width=(1.0 + torch.rand(1, strokes, generator=g) * 6.0) * scale,
        stroke_rgba=torch.cat([torch.rand(1, strokes, 3, generator=g), 0.6 + 0.4 * torch.rand(1, strokes, 1, generator=g)], -1),
        stroke_round=torch.arange(strokes)[None] % 3 != 0,
        blob_points=centres + radii * circle_t * wobble,
        blob_rgba=torch.cat([torch.rand(1, blobs, 3, generator=g), 0.5 + 0.5 * torch.rand(1, blobs, 1, generator=g)], -1),
        blob_softness=softness,
        rect_boxes=boxes,
        rect_rgba=torch.cat([torch.rand(1, rects, 3, generator=g), 0.7 + 0.3 * torch.rand(1, rects, 1, generator=g)], -1),
        background=torch.tensor([[0.96, 0.94, 0.90]]),
    ).validate()


def strokes_only(n: int, size: int, seed: int = 0) -> StrokeScene:
    """``n`` random opaque-ish round strokes on white, for timing."""
    g = torch.Generator().manual_seed(seed)
    empty = StrokeScene.empty(size, size)
    empty.stroke_points = random_strokes(n, size, seed)
    empty.stroke_width = 1.0 + torch.rand(1, n, generator=g) * 6.0 * size / 224
    empty.stroke_rgba = torch.rand(1, n, 4, generator=g)
    empty.stroke_round = torch.ones(1, n, dtype=torch.bool)
    return empty.validate()
