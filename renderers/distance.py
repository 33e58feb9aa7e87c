"""Distance from tile pixels to line pieces, min-reduced per (tile, primitive) group.

This is the rasterizer's hot loop, written as one autograd function with a
hand-derived backward. The forward evaluates (tile, piece) pairs in chunks and
keeps, for every group pixel, the minimum *and which pair attained it* (one
``int64`` min over "sortable float bits << 32 | pair index"). The backward then
touches only group pixels whose incoming gradient is non-zero — for hard
edges, the one-pixel antialiasing band — and only their winning piece, instead
of every pair at every pixel. Ties go to the lowest pair index.
"""

from __future__ import annotations

import math

import torch

#: Pair×pixel elements evaluated at once; bounds temporary memory (~4 bytes × this × ~10).
CHUNK_ELEMENTS = 1 << 20
_LOW31 = 0x7FFFFFFF


def _sortable(x: torch.Tensor) -> torch.Tensor:
    """float32 -> int32 with the same order."""
    bits = x.view(torch.int32)
    return torch.where(bits < 0, bits ^ _LOW31, bits)


def _unsortable(k: torch.Tensor) -> torch.Tensor:
    return torch.where(k < 0, k ^ _LOW31, k).view(torch.float32)


def _chunks(n: int, tile: int):
    step = max(1, CHUNK_ELEMENTS // (tile * tile))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def _sd(dx, dy, ex, ey, hw, cut_start, cut_end) -> dict[str, torch.Tensor]:
    """Signed distance of pixels ``(dx, dy)`` (relative to the piece start) to a thick piece.

    Same formula as :func:`apophenic.renderers.geometry.stroke_piece_sd`; also
    returns what the gradient needs.
    """
    len2 = (ex * ex + ey * ey).clamp_min(1e-12)
    t = (dx * ex + dy * ey) / len2
    if cut_start is None:
        tc = t.clamp(0.0, 1.0)
    else:
        tc = torch.clamp(t, torch.where(cut_start, -math.inf, 0.0), torch.where(cut_end, math.inf, 1.0))
    qx = dx - tc * ex
    qy = dy - tc * ey
    dist = torch.sqrt(qx * qx + qy * qy + 1e-12)
    out = {"t": t, "tc": tc, "qx": qx, "qy": qy, "dist": dist, "sd": dist - hw}
    if cut_start is not None:
        length = torch.sqrt(len2)
        start = torch.where(cut_start, -t * length, -math.inf)
        end = torch.where(cut_end, (t - 1) * length, -math.inf)
        out["sd"] = torch.maximum(out["sd"], torch.maximum(start, end))
        out["start_wins"] = (start >= end) & (start > dist - hw)
        out["end_wins"] = (end > start) & (end > dist - hw)
        out["length"] = length
    return out


class PieceDistance(torch.autograd.Function):
    """``out[g] = min over pairs p of group g of sd_p(pixels of p's tile)``; see :func:`piece_distance`."""

    @staticmethod
    def forward(ctx, ax, ay, ex, ey, hw, cut_start, cut_end, tx, ty, group, n_groups: int, tile: int):  # type: ignore[override]
        best = torch.full((n_groups, tile, tile), torch.iinfo(torch.int64).max, dtype=torch.int64, device=ax.device)
        centres = torch.arange(tile, device=ax.device, dtype=torch.float32) + 0.5
        col = lambda v, sl: None if v is None else v[sl][:, None, None]  # noqa: E731
        for sl in _chunks(ax.numel(), tile):
            dx = ((tx[sl] * tile).float()[:, None] + centres - ax[sl, None])[:, None, :]
            dy = ((ty[sl] * tile).float()[:, None] + centres - ay[sl, None])[:, :, None]
            sd = _sd(dx, dy, col(ex, sl), col(ey, sl), col(hw, sl), col(cut_start, sl), col(cut_end, sl))["sd"]
            ids = torch.arange(sl.start, sl.stop, device=ax.device)[:, None, None]
            key = (_sortable(sd.contiguous()).to(torch.int64) << 32) | ids
            best.scatter_reduce_(0, group[sl, None, None].expand_as(key), key, "amin", include_self=True)
        winner = best & _LOW31
        ctx.save_for_backward(ax, ay, ex, ey, hw, cut_start, cut_end, tx, ty, winner)
        ctx.tile = tile
        ctx.mark_non_differentiable(winner)
        return _unsortable((best >> 32).to(torch.int32)), winner

    @staticmethod
    def backward(ctx, grad_out, _grad_winner):  # type: ignore[override]
        ax, ay, ex, ey, hw, cut_start, cut_end, tx, ty, winner = ctx.saved_tensors
        tile = ctx.tile
        flat = grad_out.reshape(-1)
        hit = torch.nonzero(flat, as_tuple=True)[0]  # only pixels that pass gradient on
        w = flat[hit]
        p = winner.reshape(-1)[hit]
        pix = hit % (tile * tile)
        dx = (tx[p] * tile + pix % tile).float() + 0.5 - ax[p]
        dy = (ty[p] * tile + pix // tile).float() + 0.5 - ay[p]
        cs = None if cut_start is None else cut_start[p]
        ce = None if cut_end is None else cut_end[p]
        ex_p, ey_p = ex[p], ey[p]
        s = _sd(dx, dy, ex_p, ey_p, hw[p], cs, ce)
        # Body |q| - hw with q = d - tc·e: d/d(start) = -n, d/d(vector) = -tc·n (q ⟂ e where
        # t is not clamped), d/d(hw) = -1. Flat caps -t|e| and (t-1)|e|: d/d(start) = ±ê,
        # d/d(vector) = ∓(d - t·e)/|e|, the end cap also -ê.
        if cs is not None:
            w_start = torch.where(s["start_wins"], w, 0.0)
            w_end = torch.where(s["end_wins"], w, 0.0)
            w_body = w - w_start - w_end
        else:
            w_body = w
        inv = w_body / s["dist"]
        g_ax, g_ay = -inv * s["qx"], -inv * s["qy"]
        g_ex, g_ey = g_ax * s["tc"], g_ay * s["tc"]
        if cs is not None:
            length = s["length"]
            ux, uy = ex_p / length, ey_p / length
            rx, ry = (dx - s["t"] * ex_p) / length, (dy - s["t"] * ey_p) / length
            w_cap = w_start - w_end
            g_ax = g_ax + w_cap * ux
            g_ay = g_ay + w_cap * uy
            g_ex = g_ex - w_cap * rx - w_end * ux
            g_ey = g_ey - w_cap * ry - w_end * uy
        n = ax.numel()
        grads = [torch.zeros(n, dtype=ax.dtype, device=ax.device).index_add_(0, p, v) for v in (g_ax, g_ay, g_ex, g_ey)]
        g_hw = torch.zeros(n, dtype=ax.dtype, device=ax.device).index_add_(0, p, -w_body) if ctx.needs_input_grad[4] else None
        return (*grads, g_hw, None, None, None, None, None, None, None)


def piece_distance(
    ax: torch.Tensor,
    ay: torch.Tensor,
    ex: torch.Tensor,
    ey: torch.Tensor,
    hw: torch.Tensor,
    cut_start: torch.Tensor | None,
    cut_end: torch.Tensor | None,
    tx: torch.Tensor,
    ty: torch.Tensor,
    group: torch.Tensor,
    n_groups: int,
    tile: int,
) -> torch.Tensor:
    """Signed distance ``G×T×T`` from each group's tile pixels to the nearest of its pieces.

    Per pair (all 1-D, same length): piece start ``(ax, ay)`` and vector ``(ex, ey)`` in
    pixels, half width ``hw`` (0: plain distance), flat-cap flags ``cut_start`` /
    ``cut_end`` (both None, or both bool tensors), tile ``(tx, ty)`` and group index.
    """
    if (cut_start is None) != (cut_end is None):
        raise ValueError("cut_start and cut_end must both be given or both be None")
    args = [v.float() for v in (ax, ay, ex, ey, hw)]
    sd, _ = PieceDistance.apply(*args, cut_start, cut_end, tx, ty, group, n_groups, tile)
    return sd.to(ax.dtype)
