"""Pair culling, per-segment flattening and single-kind scenes: the tiled rasterizer still draws what the naive one draws."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from apophenic.renderers import geometry as g
from apophenic.renderers.demo import demo_scene, random_strokes
from apophenic.renderers.naive import rasterize_naive
from apophenic.renderers.rasterize import rasterize
from apophenic.renderers.scene import StrokeScene


def _random_scene(seed: int, size: int = 48, batch: int = 2) -> StrokeScene:
    """Mixed scenes with wide and hairline strokes, flat and round caps, soft and hard blobs, several items."""
    items = []
    for i in range(batch):
        s = demo_scene(size, strokes=8, blobs=2, rects=2, seed=seed * 10 + i, soft=bool(i % 2))
        gen = torch.Generator().manual_seed(seed * 10 + i)
        width = torch.rand(1, 8, generator=gen) * 12.0 + 0.3  # from sub-pixel to wider than a tile
        items.append(replace(s, stroke_points=random_strokes(8, size, seed * 10 + i, segments=3), stroke_width=width,
                             stroke_round=torch.rand(1, 8, generator=gen) < 0.5))
    fields = {n: torch.cat([getattr(x, n) for x in items]) for n in
              ("stroke_points", "stroke_width", "stroke_rgba", "stroke_round", "blob_points", "blob_rgba", "blob_softness", "rect_boxes", "rect_rgba", "background")}
    return replace(items[0], **fields).validate()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_scenes_match_the_naive_reference(seed: int):
    scene = _random_scene(seed)
    reference = rasterize_naive(scene)
    for tile in (3, 8, 13):
        assert (rasterize(scene, tile=tile) - reference).abs().max() < 1e-5, tile


def test_gradients_of_random_flat_capped_strokes_match_the_naive_reference():
    scene = _random_scene(4, size=40, batch=1)
    names = ("stroke_points", "stroke_width", "stroke_rgba")
    target = torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(0))
    tiled, naive = (replace(scene, **{n: getattr(scene, n).clone().requires_grad_() for n in names}) for _ in range(2))
    ((rasterize(tiled) - target) ** 2).sum().backward()
    ((rasterize_naive(naive) - target) ** 2).sum().backward()
    for n in names:
        want = getattr(naive, n).grad
        assert torch.allclose(getattr(tiled, n).grad, want, rtol=1e-3, atol=1e-3 * float(want.abs().max())), n


@pytest.mark.parametrize("keep", ["strokes", "blobs", "rects"])
def test_a_scene_of_one_kind_matches_the_naive_reference(keep: str):
    counts = {"strokes": 0, "blobs": 0, "rects": 0, keep: 5}
    scene = demo_scene(40, seed=3, **counts)
    assert (rasterize(scene, tile=6) - rasterize_naive(scene)).abs().max() < 1e-5


def test_a_stroke_is_flattened_the_same_alone_and_in_a_batch():
    scene = _random_scene(5, batch=2)
    strokes_only = replace(scene, blob_points=scene.blob_points[:, :0], blob_rgba=scene.blob_rgba[:, :0],
                           blob_softness=scene.blob_softness[:, :0], rect_boxes=scene.rect_boxes[:, :0], rect_rgba=scene.rect_rgba[:, :0])
    both = rasterize(strokes_only)
    assert torch.equal(both[1:], rasterize(strokes_only.select(1)))


def test_per_segment_pieces_stay_within_the_tolerance_and_join_up():
    points = random_strokes(20, 300, seed=7, segments=3)  # 1×20×10×2
    lines = g.flatten_pieces(points)
    counts = g.segment_pieces(points)
    assert int(counts.min()) >= 1 and lines.start.shape[0] == int(counts.sum())
    assert int(counts.max()) > int(counts.min())  # curvier segments get more pieces
    # consecutive pieces of a path share their end points exactly
    inner = torch.ones(lines.start.shape[0], dtype=torch.bool)
    inner[lines.last] = False
    assert torch.equal(lines.end[inner], lines.start[1:][inner[:-1]])
    assert torch.equal(lines.start[lines.first], points[0, :, 0]) and torch.equal(lines.end[lines.last], points[0, :, -1])
    # every point of the curve lies within the tolerance of its own segment's pieces
    t = torch.linspace(0, 1, 201)[:, None]
    u = 1 - t
    for p in range(20):
        mine = lines.path == p
        a, b = lines.start[mine], lines.end[mine]
        for k in range(3):
            c = points[0, p, 3 * k: 3 * k + 4]
            curve = u**3 * c[0] + 3 * u * u * t * c[1] + 3 * u * t * t * c[2] + t**3 * c[3]  # 201×2
            d = curve[:, None, :] - a[None]
            e = (b - a)[None]
            s = ((d * e).sum(-1) / (e * e).sum(-1).clamp_min(1e-12)).clamp(0, 1)
            dist = (d - s[..., None] * e).norm(dim=-1).amin(1)
            assert float(dist.max()) <= g.FLATTEN_TOLERANCE + 1e-4


def test_colours_outside_the_unit_range_still_give_an_image_within_it():
    scene = demo_scene(32, strokes=5, blobs=2, rects=1, seed=6)
    loud = replace(scene, stroke_rgba=scene.stroke_rgba * 1.8, background=scene.background + 0.5)
    image = rasterize(loud)
    assert float(image.max()) <= 1.0 and float(image.min()) >= 0.0
    assert (image - rasterize_naive(loud)).abs().max() < 1e-5


def test_the_tile_test_keeps_the_tiles_with_a_pixel_centre_within_reach_and_little_else():
    from apophenic.renderers.rasterize import _Grid

    gen = torch.Generator().manual_seed(1)
    for T in (3, 8, 13):
        grid = _Grid(1, 64, 64, T, 1, torch.device("cpu"))
        a = torch.rand(300, 2, generator=gen) * 64
        v = (torch.rand(300, 2, generator=gen) - 0.5) * 30
        v[::17] = 0  # points
        v[::13, 1] = 0  # horizontal pieces
        reach = torch.rand(300, generator=gen) * 6 + 0.5
        b = a + v
        lo, hi = torch.minimum(a, b) - reach[:, None], torch.maximum(a, b) + reach[:, None]
        elem, tx, ty = grid.pairs(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])
        kept = set(zip(*(x.tolist() for x in grid.near(elem, tx, ty, a, v, reach))))
        # brute force: distance from every pixel centre of the tile to the piece
        c = torch.arange(T, dtype=torch.float32) + 0.5
        px = (tx[:, None] * T + c).repeat_interleave(T, 1)  # n×T²
        py = (ty[:, None] * T + c).repeat(1, T)
        dx, dy = px - a[elem, 0:1], py - a[elem, 1:2]
        ex, ey = v[elem, 0:1], v[elem, 1:2]
        t = ((dx * ex + dy * ey) / (ex * ex + ey * ey).clamp_min(1e-12)).clamp(0, 1)
        dist = torch.hypot(dx - t * ex, dy - t * ey).amin(1)
        for i, key in enumerate(zip(elem.tolist(), tx.tolist(), ty.tolist())):
            if dist[i] <= reach[elem[i]]:
                assert key in kept, (T, key)  # never drop a tile that holds a pixel within reach
            elif dist[i] > reach[elem[i]] + 0.5**0.5 + 1e-3:
                # and keep no tile out of reach: the test is exact for the box spanned by the
                # pixel centres, whose points lie within half a pixel diagonal of a centre
                assert key not in kept, (T, key)
