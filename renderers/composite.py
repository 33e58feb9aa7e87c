"""Back-to-front "over" compositing of per-tile coverage layers, with a hand-written backward.

Layers are grouped by tile and ordered bottom to top inside a tile. "Over"
applied bottom to top is the same as the closed form

    out = base · Π_k (1 - a_k) + Σ_k a_k c_k · Π_{j>k} (1 - a_j),

so the forward walks the layers level by level (the k-th layer of every tile
at once) from the top down on one channel only, keeping each layer's
transmittance "above" it, and then adds every layer's colour in one pass.
The backward needs, per layer, the gradient dotted with the colour under it;
that is the same bottom-up "over" of the scalars ``grad · colour``, again one
channel. Three-channel tensors are touched a handful of times in all instead
of a few times per level, and nothing is done in float64.
"""

from __future__ import annotations

import itertools

import torch

from apophenic.renderers.geometry import ALPHA_MAX


def levels(tile: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """Layers in level order: the bottom layer of every tile, then the second, and so on.

    Returns ``order`` (layer indices) and the size of each level: ``order[:sizes[0]]`` are
    the bottom layers, the next ``sizes[1]`` the layers right above them, ... No tile
    appears twice within a level. ``tile`` must be sorted (layers of one tile contiguous,
    bottom first).
    """
    if tile.numel() == 0:
        return tile, []
    _, counts = torch.unique_consecutive(tile, return_counts=True)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(tile.numel(), device=tile.device) - torch.repeat_interleave(starts, counts)
    return torch.argsort(rank, stable=True), torch.bincount(rank).tolist()


class Over(torch.autograd.Function):
    """``out[t] = layers of tile t composited over base[t]``: see :func:`composite_over`.

    Inside, layers are kept in level order (:func:`levels`), so that each level is a slice:
    the walks over the levels gather and scatter only the per-tile running values, not
    the layers themselves.
    """

    @staticmethod
    def forward(ctx, base, alpha, rgb, tile, order, sizes):  # type: ignore[override]
        alpha = alpha.index_select(0, order)  # level order
        cut = alpha > ALPHA_MAX  # opacity is kept below 1 as in the naive reference; no gradient where cut
        alpha = alpha.clamp_(max=ALPHA_MAX)
        rgb, tile = rgb.index_select(0, order), tile.index_select(0, order)
        bounds = [0, *itertools.accumulate(sizes)]
        levels = [slice(bounds[k], bounds[k + 1]) for k in range(len(sizes))]
        # Transmittance above each layer, walking every tile's layers from the top down.
        trans = torch.ones((base.shape[0], *alpha.shape[1:]), dtype=alpha.dtype, device=alpha.device)
        above = torch.empty_like(alpha)
        for sl in reversed(levels):
            where = tile[sl]
            over_it = torch.index_select(trans, 0, where, out=above[sl])
            trans.index_copy_(0, where, torch.addcmul(over_it, over_it, alpha[sl], value=-1.0))
        weight = alpha * above  # what each layer's colour contributes to the result
        out = base * trans[:, None]
        out.index_add_(0, tile, weight[:, None] * rgb[:, :, None, None])
        ctx.save_for_backward(base, alpha, rgb, tile, above, trans, weight, cut, order)
        ctx.levels = levels
        return out

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        base, alpha, rgb, tile, above, trans, weight, cut, order = ctx.saved_tensors
        grad_out = grad_out.contiguous()  # it arrives as a permuted view of the image's gradient; gathers from that are slow
        G, T = alpha.shape[0], alpha.shape[-1]
        # Sums over the 3 channels are multiply-adds and sums over the pixels a product and a
        # sum (CPU batched matmuls of 1×3 or 3×64 matrices ran 2-10× slower), one channel at a
        # time: a G×3×T² gather or product would be a large temporary, and fresh pages from
        # the allocator cost as much as the arithmetic.
        g_base = grad_out * trans[:, None] if ctx.needs_input_grad[0] else None
        g_rgb = g_alpha = mine = None
        per_channel = []
        for c in range(3):
            grad = grad_out[:, c].index_select(0, tile)  # the gradient at each layer's tile, G×T×T
            if ctx.needs_input_grad[2]:
                per_channel.append((grad.view(G, T * T) * weight.view(G, T * T)).sum(-1))
            if ctx.needs_input_grad[1]:  # grad · c_k
                mine = grad.mul_(rgb[:, c, None, None]) if mine is None else mine.addcmul_(grad, rgb[:, c, None, None])
        if ctx.needs_input_grad[2]:
            g_rgb = torch.empty_like(rgb).index_copy_(0, order, torch.stack(per_channel, 1))
        if ctx.needs_input_grad[1]:
            # d out / d a_k = T_{>k} (c_k - under_k), dotted with the gradient: under_k·grad is the
            # bottom-up "over" of the scalars grad·c over grad·base.
            under = torch.empty_like(alpha)
            acc = _dot3(grad_out, base)  # grad · base (base may be an expanded per-tile colour)
            for sl in ctx.levels:
                where = tile[sl]
                below = torch.index_select(acc, 0, where, out=under[sl])
                acc.index_copy_(0, where, torch.addcmul(below, alpha[sl], mine[sl] - below))
            g_level = mine.sub_(under).mul_(above).masked_fill_(cut, 0.0)
            g_alpha = torch.empty_like(g_level).index_copy_(0, order, g_level)  # back to the caller's order
        return g_base, g_alpha, g_rgb, None, None, None


def _dot3(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sum over dim 1 (the 3 colour channels) of ``x · y``, ``y`` broadcast against ``x``."""
    out = x[:, 0] * y[:, 0]
    out.addcmul_(x[:, 1], y[:, 1]).addcmul_(x[:, 2], y[:, 2])
    return out


def composite_over(base: torch.Tensor, alpha: torch.Tensor, rgb: torch.Tensor, tile: torch.Tensor) -> torch.Tensor:
    """Composite layers over per-tile base colours.

    :param base: ``n×3×T×T`` colour of every tile before any layer.
    :param alpha: ``G×T×T`` layer opacity per pixel, in ``[0, 1]`` (cut to :data:`ALPHA_MAX`).
    :param rgb: ``G×3`` layer colour.
    :param tile: ``G`` tile of each layer, sorted; layers of a tile bottom first.
    """
    return Over.apply(base, alpha, rgb, tile, *levels(tile))
