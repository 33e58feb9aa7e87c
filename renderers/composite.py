"""Back-to-front "over" compositing of per-tile coverage layers, with a hand-written backward.

Layers are grouped by tile and ordered bottom to top inside a tile. The
forward walks the layers level by level (the k-th layer of every tile at
once), so each level is one gather, one blend and one scatter over the tiles
that have a k-th layer; it keeps the colour under each layer for the
backward, which walks the levels top down. Compared with the closed form
(transmittance as the exponential of a cumulative sum of log(1 - alpha) in
float64) it touches every layer pixel a few times instead of a few dozen.
"""

from __future__ import annotations

import torch


def levels(tile: torch.Tensor) -> list[torch.Tensor]:
    """Indices of the layers at each depth: ``levels(tile)[k]`` holds the k-th layer of every tile.

    ``tile`` must be sorted (layers of one tile contiguous, bottom first).
    """
    if tile.numel() == 0:
        return []
    _, counts = torch.unique_consecutive(tile, return_counts=True)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(tile.numel(), device=tile.device) - torch.repeat_interleave(starts, counts)
    order = torch.argsort(rank, stable=True)
    sizes = torch.bincount(rank).tolist()
    return list(torch.split(order, sizes))


class Over(torch.autograd.Function):
    """``out[t] = layers of tile t composited over base[t]``: see :func:`composite_over`."""

    @staticmethod
    def forward(ctx, base, alpha, rgb, tile, level_index):  # type: ignore[override]
        out = base.clone()
        below = torch.empty((alpha.shape[0], *base.shape[1:]), dtype=base.dtype, device=base.device)
        for idx in level_index:
            where = tile[idx]
            under = out.index_select(0, where)
            below.index_copy_(0, idx, under)
            a = alpha.index_select(0, idx)[:, None]
            c = rgb.index_select(0, idx)[:, :, None, None]
            out.index_copy_(0, where, torch.addcmul(under, a, c - under))
        ctx.save_for_backward(alpha, rgb, tile, below)
        ctx.level_index = level_index
        return out

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        alpha, rgb, tile, below = ctx.saved_tensors
        grad = grad_out.clone()
        g_alpha = torch.zeros_like(alpha) if ctx.needs_input_grad[1] else None
        g_rgb = torch.zeros_like(rgb) if ctx.needs_input_grad[2] else None
        for idx in reversed(ctx.level_index):
            where = tile[idx]
            g = grad.index_select(0, where)
            a = alpha.index_select(0, idx)[:, None]
            # out = under + a (c - under): d/da = c - under, d/dc = a, d/dunder = 1 - a.
            if g_alpha is not None:
                c = rgb.index_select(0, idx)[:, :, None, None]
                g_alpha.index_copy_(0, idx, (g * (c - below.index_select(0, idx))).sum(1))
            if g_rgb is not None:
                g_rgb.index_copy_(0, idx, (g * a).sum((2, 3)))
            grad.index_copy_(0, where, g - g * a)
        return grad if ctx.needs_input_grad[0] else None, g_alpha, g_rgb, None, None


def composite_over(base: torch.Tensor, alpha: torch.Tensor, rgb: torch.Tensor, tile: torch.Tensor) -> torch.Tensor:
    """Composite layers over per-tile base colours.

    :param base: ``n×3×T×T`` colour of every tile before any layer.
    :param alpha: ``G×T×T`` layer opacity per pixel, in ``[0, 1)``.
    :param rgb: ``G×3`` layer colour.
    :param tile: ``G`` tile of each layer, sorted; layers of a tile bottom first.
    """
    return Over.apply(base, alpha, rgb, tile, levels(tile))
