"""Distance from tile pixels to line pieces, min-reduced per (tile, primitive) group.

This is the rasterizer's hot loop, written as one autograd function with a
hand-derived backward. The forward evaluates (tile, piece) pairs in chunks and
keeps, for every group pixel, the minimum *and which pair attained it* (one
``int64`` min over keys that hold the squared distance and the pair index: a
group is one stroke or one blob, so its half width is subtracted once, after
the min). A key is the ``float64`` copy of the ``float32`` squared distance,
read as ``int64`` bits, with the pair index or-ed into the 29 low mantissa bits
that the widening leaves zero: non-negative float bits sort like the numbers,
so the key sorts by distance, then by pair. The backward then
touches only group pixels whose incoming gradient is non-zero — for hard
edges, the one-pixel antialiasing band — and only their winning piece, instead
of every pair at every pixel. Ties go to the lowest pair index.
"""

from __future__ import annotations

import math
import warnings

import torch

#: Pair×pixel elements evaluated at once on the CPU: the chunk's scratch tensors (~20 bytes
#: per element) then stay in cache (1 << 20 was 1.15× slower, 1 << 17 1.15× slower too).
CHUNK_ELEMENTS = 1 << 18
#: ... and on other devices, where each chunk costs kernel launches rather than cache misses.
DEVICE_CHUNK_ELEMENTS = 1 << 20
#: Low bits of a key that hold the pair index: a ``float32`` widened to ``float64`` has its
#: 29 lowest mantissa bits zero.
_PAIR_BITS = 29
_PAIR_MASK = (1 << _PAIR_BITS) - 1


def _at(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[index]`` along dim 0: ``index_select`` is ~4× faster than advanced indexing on CPU."""
    return x.index_select(0, index)


def _divmod(x: torch.Tensor, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x // d, x % d)`` for non-negative integers; a shift and a mask when ``d`` is a power of two (~9× faster)."""
    if d & (d - 1) == 0:
        return x >> (d.bit_length() - 1), x & (d - 1)
    return x // d, x % d


def _chunk_rows(device: torch.device, tile: int) -> int:
    """Pairs evaluated at once (each pair is one row of ``tile²`` pixels)."""
    return max(1, (CHUNK_ELEMENTS if device.type == "cpu" else DEVICE_CHUNK_ELEMENTS) // (tile * tile))


def _chunks(n: int, tile: int, device: torch.device):
    step = _chunk_rows(device, tile)
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
    def forward(ctx, ax, ay, ex, ey, hw, opacity, cap_points, cut_start, cut_end, piece, tx, ty, group, n_groups: int, tile: int):  # type: ignore[override]
        # Within a group every pair has the same half width (one stroke, or 0 for a blob), so the
        # minimum of ``dist - hw`` is ``sqrt(min dist²) - hw``: the hot loop keys on squared
        # distance (see the module docstring for the key).
        best = torch.full((n_groups, tile * tile), torch.iinfo(torch.int64).max, dtype=torch.int64, device=ax.device)
        if cap_points is None:
            _min_dist2(best, ax, ay, ex, ey, piece, tx, ty, group, tile, None)
        else:
            capped = _at(cut_start | cut_end, piece)
            plain = torch.nonzero(~capped, as_tuple=True)[0]
            _min_dist2(best, ax, ay, ex, ey, piece, tx, ty, group, tile, plain)
            _min_capped(best, ax, ay, ex, ey, hw, cap_points, cut_start, cut_end, piece, tx, ty, group, tile, torch.nonzero(capped, as_tuple=True)[0])
        ctx.tile = tile
        d2 = (best & ~_PAIR_MASK).view(torch.float64).float()  # exact: those bits were zero before the or
        dist = d2.sqrt_().view(n_groups, tile, tile)
        if opacity is None:
            ctx.save_for_backward(ax, ay, ex, ey, hw, None, None, cap_points, cut_start, cut_end, piece, tx, ty, best)
            return dist if hw is None else dist - hw[:, None, None]
        # Hard coverage straight away: clamp(0.5 - sd, 0, 1) · opacity, sd = dist - hw.
        raw = torch.sub((hw + 0.5)[:, None, None], dist, out=dist)
        ctx.save_for_backward(ax, ay, ex, ey, hw, opacity, raw, cap_points, cut_start, cut_end, piece, tx, ty, best)
        return raw.clamp(0.0, 1.0).mul_(opacity[:, None, None])

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        ax, ay, ex, ey, hw, opacity, raw, cap_points, cut_start, cut_end, piece, tx, ty, best = ctx.saved_tensors
        tile = ctx.tile
        g_opacity = None
        if opacity is not None:
            # out = clamp(raw, 0, 1) · opacity with raw = 0.5 - sd: the gradient reaching sd is
            # -grad · opacity where the clamp passes it (0 <= raw <= 1, the antialiasing band),
            # as autograd's clamp does. Only band pixels are visited (found from raw alone:
            # full-size masked or where-ed gradients cost several passes more).
            n_groups = raw.shape[0]
            g_opacity = (grad_out * raw.clamp(0.0, 1.0)).view(n_groups, -1).sum(1)
            hit = torch.nonzero(torch.le((raw - 0.5).abs_(), 0.5).view(-1), as_tuple=True)[0]
            grp, pix = _divmod(hit, tile * tile)
            w = _at(grad_out.reshape(-1), hit) * -_at(opacity, grp)
        else:
            flat = grad_out.reshape(-1)
            hit = torch.nonzero(flat, as_tuple=True)[0]  # only pixels that pass gradient on
            grp, pix = _divmod(hit, tile * tile)
            w = _at(flat, hit)
        p = _at(best.view(-1), hit) & _PAIR_MASK  # the winning pair of each pixel
        pc = _at(piece, p)  # ... and its piece
        row, col = _divmod(pix, tile)
        pax, pay = _at(ax, pc), _at(ay, pc)
        dx = (_at(tx, p) * tile + col).float() + 0.5 - pax
        dy = (_at(ty, p) * tile + row).float() + 0.5 - pay
        caps = None if cap_points is None else _caps(_at(cap_points, grp), pax, pay, _at(cut_start, pc), _at(cut_end, pc))
        s = _sd(dx, dy, _at(ex, pc), _at(ey, pc), 0.0 if hw is None else _at(hw, grp), caps)
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
        zeros = lambda size: torch.zeros(size, dtype=ax.dtype, device=ax.device)  # noqa: E731
        grads = [zeros(n).index_add_(0, pc, v) for v in (g_ax, g_ay, g_ex, g_ey)]
        g_hw = zeros(hw.numel()).index_add_(0, grp, -w_body) if hw is not None and ctx.needs_input_grad[4] else None
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
            g_caps = torch.zeros_like(cap_points).index_add_(0, grp, torch.stack(per, -1))
        return (*grads, g_hw, g_opacity, g_caps, None, None, None, None, None, None, None, None)


def _pixels(tx, ty, ax, ay, tile: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel centres minus the piece start: ``(n,1,T)`` along x and ``(n,T,1)`` along y."""
    centres = torch.arange(tile, device=ax.device, dtype=torch.float32) + 0.5
    dx = (tx * tile).float()[:, None] + centres - ax[:, None]
    dy = (ty * tile).float()[:, None] + centres - ay[:, None]
    return dx[:, None, :], dy[:, :, None]


def _keep_min(best, d2, rows, group, tile: int) -> None:
    """``best[group] = min(best[group], key(d2, pair index))``, per pixel (see the module docstring)."""
    key = d2.reshape(rows.numel(), tile * tile).double().view(torch.int64).bitwise_or_(rows[:, None])
    _amin_rows(best, _at(group, rows), key)


def _amin_rows(best: torch.Tensor, index: torch.Tensor, key: torch.Tensor) -> None:
    """``best[index[i]] = min(best[index[i]], key[i])`` elementwise; index_reduce_ is ~3× faster than scatter_reduce_ here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "index_reduce() is in beta"
        best.index_reduce_(0, index, key, "amin", include_self=True)


def _min_dist2(best, ax, ay, ex, ey, piece, tx, ty, group, tile: int, subset) -> None:
    """Squared distance to plain pieces (no cap plane), in chunks; ``subset``: pair indices or None for all.

    Every pair is one row of ``T²`` pixels, so each step is a plain row-times-scalar op
    (no ``(n,1,T) + (n,T,1)`` broadcasts, which CPU kernels run slowly). The key is the
    squared distance widened into a ``float64`` buffer with the pair index or-ed into its
    low bits: two contiguous passes (writing two ``int32`` halves was two strided copies,
    twice as slow, and far slower than that with two threads). The scratch tensors are
    allocated once per call and reused by every chunk.
    """
    n = piece.numel() if subset is None else subset.numel()
    if n == 0:
        return
    T2 = tile * tile
    step = _chunk_rows(ax.device, tile)
    cell = torch.arange(T2, device=ax.device)
    cx, cy = (cell % tile).float() + 0.5, (cell // tile).float() + 0.5  # pixel centre in its tile
    fused = _compiled_keys() if _COMPILE else None
    m = min(step, n)
    dx_buf, dy_buf, t_buf = (torch.empty((m, T2), device=ax.device) for _ in range(3))
    key_buf = torch.empty((m, T2), dtype=torch.float64, device=ax.device)
    for start in range(0, n, step):
        stop = min(n, start + step)
        k = stop - start
        if subset is None:  # consecutive pairs: slices, not gathers
            rows = torch.arange(start, stop, device=ax.device)
            pc, ptx, pty, grp = piece[start:stop], tx[start:stop], ty[start:stop], group[start:stop]
        else:
            rows = subset[start:stop]
            pc, ptx, pty, grp = _at(piece, rows), _at(tx, rows), _at(ty, rows), _at(group, rows)
        # Piece start relative to its tile's origin: the pixels are then cx - ox, cy - oy.
        ox = _at(ax, pc) - (ptx * tile).float()
        oy = _at(ay, pc) - (pty * tile).float()
        vx, vy = _at(ex, pc), _at(ey, pc)
        if fused is not None:
            _amin_rows(best, grp, fused(-ox, -oy, vx, vy, rows, tile))
            continue
        inv = 1.0 / (vx * vx + vy * vy).clamp_min(1e-12)
        vx, vy, ux, uy = vx[:, None], vy[:, None], (vx * inv)[:, None], (vy * inv)[:, None]
        dx = torch.sub(cx, ox[:, None], out=dx_buf[:k])
        dy = torch.sub(cy, oy[:, None], out=dy_buf[:k])
        t = torch.mul(dx, ux, out=t_buf[:k]).addcmul_(dy, uy).clamp_(0.0, 1.0)
        qx = dx.addcmul_(t, vx, value=-1.0)
        qy = dy.addcmul_(t, vy, value=-1.0)
        d2 = qx.mul_(qx).addcmul_(qy, qy)
        key = key_buf[:k].copy_(d2).view(torch.int64).bitwise_or_(rows[:, None])
        _amin_rows(best, grp, key)


def _plain_keys(ox: torch.Tensor, oy: torch.Tensor, vx: torch.Tensor, vy: torch.Tensor, rows: torch.Tensor, tile: int) -> torch.Tensor:
    """``n×T²`` keys (squared distance, pair) from tile origin minus piece start ``(ox, oy)``: the fusable form."""
    cell = torch.arange(tile * tile, device=ox.device)
    dx = ox[:, None] + ((cell % tile).float() + 0.5)
    dy = oy[:, None] + ((cell // tile).float() + 0.5)
    vx, vy = vx[:, None], vy[:, None]
    t = ((dx * vx + dy * vy) / (vx * vx + vy * vy).clamp_min(1e-12)).clamp(0.0, 1.0)
    qx, qy = dx - t * vx, dy - t * vy
    d2 = qx * qx + qy * qy
    return d2.double().view(torch.int64) | rows[:, None]


#: Whether the hot loop runs through ``torch.compile`` (see :func:`set_compile`).
_COMPILE = False
_FUSED = None


def set_compile(enabled: bool = True) -> None:
    """Run the distance hot loop through ``torch.compile`` (one fused loop instead of ~10 passes).

    The first render in a process compiles for 10–70 s (less once inductor's on-disk
    cache is warm), so it pays only for long optimizations; off by default. Images
    agree to 1e-6 (float rounding).
    """
    global _COMPILE
    _COMPILE = bool(enabled)


def _compiled_keys():
    global _FUSED
    if _FUSED is None:
        _FUSED = torch.compile(_plain_keys, dynamic=True)
    return _FUSED


def _min_capped(best, ax, ay, ex, ey, hw, cap_points, cut_start, cut_end, piece, tx, ty, group, tile: int, subset) -> None:
    """Pieces cut by a flat cap: the key is ``max(dist, cap + hw)²``, so that key - hw is the capped sd."""
    for sl in _chunks(subset.numel(), tile, ax.device):
        rows = subset[sl]
        pc, grp = _at(piece, rows), _at(group, rows)
        pax, pay = _at(ax, pc), _at(ay, pc)
        dx, dy = _pixels(_at(tx, rows), _at(ty, rows), pax, pay, tile)
        col = lambda v: v[:, None, None]  # noqa: E731
        phw = col(_at(hw, grp))
        caps = _caps(_at(cap_points, grp), pax, pay, _at(cut_start, pc), _at(cut_end, pc), col)
        s = _sd(dx, dy, col(_at(ex, pc)), col(_at(ey, pc)), phw, caps)
        reach = torch.maximum(s["dist"], s["sd"] + phw)
        _keep_min(best, (reach * reach).contiguous(), rows, group, tile)


def _caps(cap_points, ax, ay, cut_start, cut_end, shape=lambda v: v):
    """Cap planes relative to each piece's start (one row of ``cap_points`` per piece start ``ax, ay``)."""
    sx, sy, svx, svy, fx, fy, fvx, fvy = (cap_points[:, i] for i in range(8))
    return tuple(shape(v) for v in (sx - ax, sy - ay, svx, svy, fx - ax, fy - ay, fvx, fvy, cut_start, cut_end))


def piece_distance(
    ax: torch.Tensor,
    ay: torch.Tensor,
    ex: torch.Tensor,
    ey: torch.Tensor,
    hw: torch.Tensor | None,
    opacity: torch.Tensor | None,
    cap_points: torch.Tensor | None,
    cut_start: torch.Tensor | None,
    cut_end: torch.Tensor | None,
    piece: torch.Tensor,
    tx: torch.Tensor,
    ty: torch.Tensor,
    group: torch.Tensor,
    n_groups: int,
    tile: int,
) -> torch.Tensor:
    """Signed distance ``G×T×T`` from each group's tile pixels to the nearest of its pieces.

    Per piece: start ``(ax, ay)`` and vector ``(ex, ey)`` in pixels, and for flat caps
    bool ``cut_start`` / ``cut_end`` saying which cap planes cut it. Per group: half
    width ``hw`` (None: plain distance), ``opacity`` (None: return the signed distance;
    else return the hard coverage ``clamp(0.5 - sd, 0, 1) · opacity`` in the same
    pass, the layer's alpha) and ``cap_points`` ``G×8`` = stroke start point,
    first piece vector, stroke end point, last piece vector (None, with the cuts, when
    no stroke has flat caps). Per (piece, tile) pair: the ``piece`` index, the tile
    ``(tx, ty)`` and the ``group``. Gradients flow to the per-piece and per-group
    tensors directly (the pairs are gathered inside, not by autograd).
    """
    if cap_points is not None and (cut_start is None or cut_end is None or hw is None):
        raise ValueError("cap_points needs cut_start, cut_end and hw")
    if opacity is not None and hw is None:
        raise ValueError("opacity (coverage output) needs hw")
    if piece.numel() > _PAIR_MASK:
        raise ValueError(f"{piece.numel()} (piece, tile) pairs: at most {_PAIR_MASK} fit in a distance key")
    args = [v.float().contiguous() for v in (ax, ay, ex, ey)]  # columns of n×2 tensors arrive strided
    hw32 = None if hw is None else hw.float()
    op32 = None if opacity is None else opacity.float()
    caps = None if cap_points is None else cap_points.float()
    sd = PieceDistance.apply(*args, hw32, op32, caps, cut_start, cut_end, piece, tx, ty, group, n_groups, tile)
    return sd.to(ax.dtype)
