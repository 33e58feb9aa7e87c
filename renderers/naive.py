"""The baseline rasterizer: every primitive evaluated at every pixel, composited one by one.

It computes the same image as :func:`apophenic.renderers.rasterize.rasterize`
with none of the tiling or culling, so it is the correctness reference in the
tests and the speed baseline in ``benchmarks/bench_renderer.py``. Its cost is
primitives × pieces × pixels; do not use it for real work.
"""

from __future__ import annotations

import math

import torch
from torch.utils.checkpoint import checkpoint

from apophenic.renderers import geometry as g
from apophenic.renderers.rasterize import output_size
from apophenic.renderers.scene import StrokeScene


def rasterize_naive(scene: StrokeScene, size: int | tuple[int, int] | None = None, low_memory: bool = False) -> torch.Tensor:
    """Render ``B×3×H×W`` by evaluating each primitive over the whole image.

    ``low_memory`` recomputes each stroke's coverage during the backward pass
    instead of keeping its ``pieces×H×W`` intermediates (the benchmark needs it
    to fit in memory at all).
    """
    H, W = output_size(scene, size)
    sx, sy = W / scene.width, H / scene.height
    s = math.sqrt(sx * sy)
    dev = scene.device
    px = (torch.arange(W, device=dev, dtype=torch.float32) + 0.5)[None, None, :]  # 1×1×W
    py = (torch.arange(H, device=dev, dtype=torch.float32) + 0.5)[None, :, None]  # 1×H×1
    scale = torch.tensor([sx, sy], device=dev)
    images = []
    for b in range(scene.batch):
        img = scene.background[b][:, None, None].expand(3, H, W)
        layers: list[tuple[torch.Tensor, torch.Tensor]] = []
        for r in range(scene.num_rects):
            x0, y0, x1, y1 = (scene.rect_boxes[b, r] * torch.tensor([sx, sy, sx, sy], device=dev)).unbind()
            cover = g.rect_coverage(px[0], py[0], (x0, y0, x1, y1))
            layers.append((cover * scene.rect_rgba[b, r, 3], scene.rect_rgba[b, r, :3]))
        if scene.num_blobs:
            every = scene.blob_points * scale
            poly = g.flatten_closed(every[b], g.pieces_per_segment(torch.cat([every, every[..., :1, :]], -2)))
            for j in range(scene.num_blobs):
                a, c = poly[j, :-1], poly[j, 1:]
                ax, ay = a[:, 0, None, None], a[:, 1, None, None]
                cx, cy = c[:, 0, None, None], c[:, 1, None, None]
                d2 = g.segment_dist2(px - ax, py - ay, cx - ax, cy - ay).amin(0)
                wind = g.crossings(px, py, ax, ay, cx, cy).sum(0)
                dist = torch.sqrt(d2 + 1e-12)
                sd = torch.where(wind != 0, -dist, dist)
                cover = g.fill_coverage(sd, scene.blob_softness[b, j] * s)
                layers.append((cover * scene.blob_rgba[b, j, 3], scene.blob_rgba[b, j, :3]))
        if scene.num_strokes:
            lines = g.flatten_pieces(scene.stroke_points[b] * scale)
            half, ink = g.stroke_half_width(scene.stroke_width[b] * s)
            near_start, near_end = g.cap_reach(lines, half.detach(), ~scene.stroke_round[b])
            for k in range(scene.num_strokes):
                mine = lines.path == k
                a, c = lines.start[mine], lines.end[mine]
                e = c - a
                caps = None
                if not bool(scene.stroke_round[b, k]):
                    col = lambda v: v[:, None, None]  # noqa: E731
                    start, end = a[0], c[-1]
                    caps = g.StrokeCaps(col(start[0] - a[:, 0]), col(start[1] - a[:, 1]), e[0, 0], e[0, 1], col(near_start[mine]),
                                        col(end[0] - a[:, 0]), col(end[1] - a[:, 1]), e[-1, 0], e[-1, 1], col(near_end[mine]))

                def coverage(a, c, hw, caps=caps):
                    ax, ay = a[:, 0, None, None], a[:, 1, None, None]
                    sd = g.stroke_piece_sd(px - ax, py - ay, c[:, 0, None, None] - ax, c[:, 1, None, None] - ay, hw, caps)
                    return g.hard_coverage(sd.amin(0))

                cover = checkpoint(coverage, a, c, half[k], use_reentrant=False) if low_memory else coverage(a, c, half[k])
                layers.append((cover * scene.stroke_rgba[b, k, 3] * ink[k], scene.stroke_rgba[b, k, :3]))
        for alpha, rgb in layers:
            alpha = alpha.clamp(max=g.ALPHA_MAX)
            img = img * (1 - alpha) + rgb[:, None, None] * alpha
        images.append(img)
    return torch.stack(images).clamp(0.0, 1.0)
