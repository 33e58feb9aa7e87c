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


def _sd(dx, dy, ex, ey, hw, caps) -> dict[str, torch.Tensor]:
    """Signed distance of pixels ``(dx, dy)`` (relative to the piece start) to a thick piece.

    Same formula as :func:`apophenic.renderers.geometry.stroke_piece_sd`; also
    returns what the gradient needs. ``caps``: ``(sx, sy, svx, svy, fx, fy, fvx, fvy,
    cut_start, cut_end)`` with the stroke's start/end points relative to the piece start.
    """
    len2 = (ex * ex + ey * ey).clamp_min(1e-12)
    tc = ((dx * ex + dy * ey) / len2).clamp(0.0, 1.0)
    qx = dx - tc * ex
    qy = dy - tc * ey
    dist = torch.sqrt(qx * qx + qy * qy + 1e-12)
    out = {"tc": tc, "qx": qx, "qy": qy, "dist": dist, "sd": dist - hw}
    if caps is not None:
        sx, sy, svx, svy, fx, fy, fvx, fvy, cut_s, cut_e = caps
        s_len = torch.sqrt((svx * svx + svy * svy).clamp_min(1e-12))
        f_len = torch.sqrt((fvx * fvx + fvy * fvy).clamp_min(1e-12))
        bx, by = dx - sx, dy - sy  # pixel minus stroke start
        ax_, ay_ = dx - fx, dy - fy  # pixel minus stroke end
        before = torch.where(cut_s, -(bx * svx + by * svy) / s_len, -math.inf)
        after = torch.where(cut_e, (ax_ * fvx + ay_ * fvy) / f_len, -math.inf)
        out["sd"] = torch.maximum(out["sd"], torch.maximum(before, after))
        out["start_wins"] = (before >= after) & (before > dist - hw)
        out["end_wins"] = (after > before) & (after > dist - hw)
        out.update(bx=bx, by=by, fx_=ax_, fy_=ay_, s_len=s_len, f_len=f_len)
    return out


class PieceDistance(torch.autograd.Function):
    """``out[g] = min over pairs p of group g of sd_p(pixels of p's tile)``; see :func:`piece_distance`."""

    @staticmethod
    def forward(ctx, ax, ay, ex, ey, hw, cap_points, cut_start, cut_end, tx, ty, group, n_groups: int, tile: int):  # type: ignore[override]
        best = torch.full((n_groups, tile, tile), torch.iinfo(torch.int64).max, dtype=torch.int64, device=ax.device)
        centres = torch.arange(tile, device=ax.device, dtype=torch.float32) + 0.5
        col = lambda v, sl: v[sl][:, None, None]  # noqa: E731
        for sl in _chunks(ax.numel(), tile):
            dx = ((tx[sl] * tile).float()[:, None] + centres - ax[sl, None])[:, None, :]
            dy = ((ty[sl] * tile).float()[:, None] + centres - ay[sl, None])[:, :, None]
            caps = None if cap_points is None else _caps(cap_points, ax, ay, cut_start, cut_end, lambda v, sl=sl: col(v, sl))
            sd = _sd(dx, dy, col(ex, sl), col(ey, sl), col(hw, sl), caps)["sd"]
            ids = torch.arange(sl.start, sl.stop, device=ax.device)[:, None, None]
            key = (_sortable(sd.contiguous()).to(torch.int64) << 32) | ids
            best.scatter_reduce_(0, group[sl, None, None].expand_as(key), key, "amin", include_self=True)
        winner = best & _LOW31
        ctx.save_for_backward(ax, ay, ex, ey, hw, cap_points, cut_start, cut_end, tx, ty, winner)
        ctx.tile = tile
        ctx.mark_non_differentiable(winner)
        return _unsortable((best >> 32).to(torch.int32)), winner

    @staticmethod
    def backward(ctx, grad_out, _grad_winner):  # type: ignore[override]
        ax, ay, ex, ey, hw, cap_points, cut_start, cut_end, tx, ty, winner = ctx.saved_tensors
        tile = ctx.tile
        flat = grad_out.reshape(-1)
        hit = torch.nonzero(flat, as_tuple=True)[0]  # only pixels that pass gradient on
        w = flat[hit]
        p = winner.reshape(-1)[hit]
        pix = hit % (tile * tile)
        dx = (tx[p] * tile + pix % tile).float() + 0.5 - ax[p]
        dy = (ty[p] * tile + pix // tile).float() + 0.5 - ay[p]
        caps = None if cap_points is None else _caps(cap_points, ax, ay, cut_start, cut_end, lambda v: v[p])
        s = _sd(dx, dy, ex[p], ey[p], hw[p], caps)
        # Body |q| - hw with q = d - tc·e: d/d(start) = -n, d/d(vector) = -tc·n (q ⟂ e where
        # t is not clamped), d/d(hw) = -1.
        if caps is not None:
            w_start = torch.where(s["start_wins"], w, 0.0)
            w_end = torch.where(s["end_wins"], w, 0.0)
            w_body = w - w_start - w_end
        else:
            w_body = w
        inv = w_body / s["dist"]
        g_ax, g_ay = -inv * s["qx"], -inv * s["qy"]
        g_ex, g_ey = g_ax * s["tc"], g_ay * s["tc"]
        n = ax.numel()
        zeros = lambda: torch.zeros(n, dtype=ax.dtype, device=ax.device)  # noqa: E731
        grads = [zeros().index_add_(0, p, v) for v in (g_ax, g_ay, g_ex, g_ey)]
        g_hw = zeros().index_add_(0, p, -w_body) if ctx.needs_input_grad[4] else None
        g_caps = None
        if caps is not None:
            # Start plane -(b·v)/|v| with b = pixel - S: d/dS = v/|v|, d/dv = -(b - (b·v̂)v̂)/|v|.
            # End plane (c·u)/|u| with c = pixel - F: d/dF = -u/|u|, d/du = (c - (c·û)û)/|u|.
            svx, svy, fvx, fvy = caps[2], caps[3], caps[6], caps[7]
            sl_, fl_ = s["s_len"], s["f_len"]
            sux, suy, fux, fuy = svx / sl_, svy / sl_, fvx / fl_, fvy / fl_
            b_along = s["bx"] * sux + s["by"] * suy
            c_along = s["fx_"] * fux + s["fy_"] * fuy
            per = [
                w_start * sux, w_start * suy,
                -w_start * (s["bx"] - b_along * sux) / sl_, -w_start * (s["by"] - b_along * suy) / sl_,
                -w_end * fux, -w_end * fuy,
                w_end * (s["fx_"] - c_along * fux) / fl_, w_end * (s["fy_"] - c_along * fuy) / fl_,
            ]
            g_caps = torch.stack([zeros().index_add_(0, p, v) for v in per], -1)
        return (*grads, g_hw, g_caps, None, None, None, None, None, None, None)


def _caps(cap_points, ax, ay, cut_start, cut_end, pick):
    """Cap planes relative to each piece's start, selected by ``pick`` (a chunk or the winners)."""
    sx, sy, svx, svy, fx, fy, fvx, fvy = (pick(cap_points[:, i]) for i in range(8))
    a_x, a_y = pick(ax), pick(ay)
    return (sx - a_x, sy - a_y, svx, svy, fx - a_x, fy - a_y, fvx, fvy, pick(cut_start), pick(cut_end))


def piece_distance(
    ax: torch.Tensor,
    ay: torch.Tensor,
    ex: torch.Tensor,
    ey: torch.Tensor,
    hw: torch.Tensor,
    cap_points: torch.Tensor | None,
    cut_start: torch.Tensor | None,
    cut_end: torch.Tensor | None,
    tx: torch.Tensor,
    ty: torch.Tensor,
    group: torch.Tensor,
    n_groups: int,
    tile: int,
) -> torch.Tensor:
    """Signed distance ``G×T×T`` from each group's tile pixels to the nearest of its pieces.

    Per pair (same length ``n``): piece start ``(ax, ay)`` and vector ``(ex, ey)`` in
    pixels, half width ``hw`` (0: plain distance), tile ``(tx, ty)`` and group index.
    Flat caps: ``cap_points`` ``n×8`` = stroke start point, first piece vector, stroke
    end point, last piece vector, with bool ``cut_start`` / ``cut_end`` saying which
    planes cut this piece (all three None when no stroke has flat caps).
    """
    if cap_points is not None and (cut_start is None or cut_end is None):
        raise ValueError("cap_points needs cut_start and cut_end")
    args = [v.float() for v in (ax, ay, ex, ey, hw)]
    caps = None if cap_points is None else cap_points.float()
    sd, _ = PieceDistance.apply(*args, caps, cut_start, cut_end, tx, ty, group, n_groups, tile)
    return sd.to(ax.dtype)
