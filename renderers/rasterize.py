"""The differentiable rasterizer: tiled, bounding-box culled, composited with "over".

The image is cut into square tiles. Every flattened line piece (and every
rectangle) is paired only with the tiles its bounding box, grown by the
antialiasing margin, touches; distances are evaluated for those pairs alone,
reduced to one coverage map per (tile, primitive) and composited back to
front inside each tile. Cost grows with the area primitives cover, not with
primitives × pixels. Plain torch ops: the same code runs on CPU and CUDA and
gradients reach control points, widths, colours, opacities and softness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from apophenic.errors import ApophenicError
from apophenic.renderers import geometry as g
from apophenic.renderers.composite import composite_over
from apophenic.renderers.distance import piece_distance
from apophenic.renderers.scene import StrokeScene

DEFAULT_TILE = 8


@dataclass
class _Layers:
    """Coverage maps of (tile, primitive) groups, before compositing, sorted by key."""

    key: torch.Tensor  # (G,) int64: tile * n_primitives + paint order, ascending
    tile: torch.Tensor  # (G,) int64: global tile index (batch-major)
    alpha: torch.Tensor  # (G, T, T): coverage × opacity
    rgb: torch.Tensor  # (G, 3)


def output_size(scene: StrokeScene, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(H, W)`` for a requested size: None = canvas size, int = long side, or ``(H, W)``."""
    if size is None:
        return max(1, round(scene.height)), max(1, round(scene.width))
    if isinstance(size, int):
        scale = size / max(scene.width, scene.height)
        return max(1, round(scene.height * scale)), max(1, round(scene.width * scale))
    return int(size[0]), int(size[1])


def rasterize(scene: StrokeScene, size: int | tuple[int, int] | None = None, tile: int = DEFAULT_TILE) -> torch.Tensor:
    """Render a batch of scenes to ``B×3×H×W`` in ``[0, 1]``, differentiably.

    :param scene: the scenes; coordinates in canvas units.
    :param size: output size: None for the canvas size, an int for the long side, or ``(H, W)``.
    :param tile: tile side in pixels (a speed knob; the image does not depend on it).
    """
    H, W = output_size(scene, size)
    if H < 1 or W < 1 or tile < 1:
        raise ApophenicError(f"rasterize: size and tile must be positive, got {(H, W)} and {tile}")
    sx, sy = W / scene.width, H / scene.height
    grid = _Grid(scene.batch, H, W, tile, scene.num_rects + scene.num_blobs + scene.num_strokes, scene.device)

    layers = [
        _rect_layers(scene, grid, sx, sy),
        _blob_layers(scene, grid, sx, sy, offset=scene.num_rects),
        _stroke_layers(scene, grid, sx, sy, offset=scene.num_rects + scene.num_blobs),
    ]
    # "Over" of colours and opacities within [0, 1] stays within [0, 1]: the final clamp
    # (a pass over the image each way) is needed only when some value lies outside.
    colours = [scene.background, scene.stroke_rgba, scene.blob_rgba, scene.rect_rgba]
    in_range = all(bool(((c >= 0) & (c <= 1)).all()) for c in colours if c.numel())
    return _composite([x for x in layers if x is not None], scene.background, grid, clamp=not in_range)


class _Grid:
    """The tiling of a ``B×H×W`` batch of images."""

    def __init__(self, batch: int, H: int, W: int, tile: int, n_primitives: int, device: torch.device) -> None:
        self.batch, self.H, self.W, self.T = batch, H, W, tile
        self.ntx, self.nty = math.ceil(W / tile), math.ceil(H / tile)
        self.per_image = self.ntx * self.nty
        self.n_primitives = max(n_primitives, 1)
        self.device = device
        self.centres = torch.arange(tile, device=device, dtype=torch.float32) + 0.5

    @torch.no_grad()
    def pairs(self, x0: torch.Tensor, y0: torch.Tensor, x1: torch.Tensor, y1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(element, tile x, tile y) for every tile an element's pixel box ``[x0,x1]×[y0,y1]`` touches."""
        T = self.T
        inside = (x1 >= 0) & (y1 >= 0) & (x0 <= self.W) & (y0 <= self.H) & (x1 >= x0) & (y1 >= y0)
        tx0 = torch.floor(x0 / T).clamp(0, self.ntx - 1).long()
        tx1 = torch.floor(x1 / T).clamp(0, self.ntx - 1).long()
        ty0 = torch.floor(y0 / T).clamp(0, self.nty - 1).long()
        ty1 = torch.floor(y1 / T).clamp(0, self.nty - 1).long()
        wide = tx1 - tx0 + 1
        count = torch.where(inside, wide * (ty1 - ty0 + 1), 0)
        elem = torch.repeat_interleave(torch.arange(count.numel(), device=count.device), count)
        start = torch.cumsum(count, 0) - count
        local = torch.arange(elem.numel(), device=count.device) - _at(start, elem)
        wide = _at(wide, elem)
        return elem, _at(tx0, elem) + local % wide, _at(ty0, elem) + local // wide

    @torch.no_grad()
    def near(self, elem, tx, ty, start, vector, reach):
        """Keep the (piece, tile) pairs where some pixel centre of the tile lies within ``reach`` of the piece.

        The bounding box of a slanted piece grown by its reach holds tiles that no point of
        the piece comes near; dropping them here saves their T×T distances. The test is exact
        (up to 1e-3 px) for the box spanned by the tile's pixel centres: a segment and a box
        that do not intersect are nearest at an end of the segment or a corner of the box.
        """
        T = self.T
        ax, ay = _at(start[:, 0], elem), _at(start[:, 1], elem)
        vx, vy = _at(vector[:, 0], elem), _at(vector[:, 1], elem)
        r = _at(reach, elem) + 1e-3
        lo_x = (tx * T).to(ax.dtype) + 0.5
        lo_y = (ty * T).to(ay.dtype) + 0.5
        hi_x, hi_y = lo_x + (T - 1), lo_y + (T - 1)
        inv_len2 = 1.0 / (vx * vx + vy * vy).clamp_min(1e-12)

        def to_box(px, py):  # point to box distance
            return torch.hypot((lo_x - px).clamp_min(0) + (px - hi_x).clamp_min(0), (lo_y - py).clamp_min(0) + (py - hi_y).clamp_min(0))

        def to_piece(px, py):  # point to segment distance
            cx, cy = px - ax, py - ay
            t = ((cx * vx + cy * vy) * inv_len2).clamp(0.0, 1.0)
            return torch.hypot(cx - t * vx, cy - t * vy)

        # Of the four corners only the one reaching furthest towards the piece's line can be
        # nearest to the piece's inside (when the line crosses the box, the nearest point of a
        # piece that does not is one of its ends).
        side = torch.where((lo_x + hi_x - 2 * ax) * -vy + (lo_y + hi_y - 2 * ay) * vx > 0, -1.0, 1.0)  # towards the line
        cx = torch.where(side * -vy > 0, hi_x, lo_x)
        cy = torch.where(side * vx > 0, hi_y, lo_y)
        d = torch.minimum(torch.minimum(to_box(ax, ay), to_box(ax + vx, ay + vy)), to_piece(cx, cy))
        keep = (d <= r) | _crosses_box(ax, ay, vx, vy, lo_x, lo_y, hi_x, hi_y)
        keep = torch.nonzero(keep, as_tuple=True)[0]
        return _at(elem, keep), _at(tx, keep), _at(ty, keep)

    def tile_index(self, batch: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
        return batch * self.per_image + ty * self.ntx + tx

    def pixel_offsets(self, tx: torch.Tensor, ty: torch.Tensor, ox: torch.Tensor, oy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixel centres of each pair's tile minus ``(ox, oy)``: ``(n,1,T)`` and ``(n,T,1)``."""
        dx = (tx * self.T).to(ox.dtype)[:, None] + self.centres[None, :] - ox[:, None]
        dy = (ty * self.T).to(oy.dtype)[:, None] + self.centres[None, :] - oy[:, None]
        return dx[:, None, :], dy[:, :, None]


def _at(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[index]`` along dim 0: ``index_select`` is ~4× faster than advanced indexing on CPU."""
    return x.index_select(0, index)


def _crosses_box(ax, ay, vx, vy, lo_x, lo_y, hi_x, hi_y) -> torch.Tensor:
    """Whether segment ``a + t·v``, ``t`` in [0, 1], meets the box (separating axes: x, y and the segment's normal)."""
    bx, by = ax + vx, ay + vy
    overlap = (torch.minimum(ax, bx) <= hi_x) & (torch.maximum(ax, bx) >= lo_x) & (torch.minimum(ay, by) <= hi_y) & (torch.maximum(ay, by) >= lo_y)
    # the box's corners on both sides of the segment's line: |centre × v| <= half extent along the normal
    cross = ((lo_x + hi_x) * 0.5 - ax) * vy - ((lo_y + hi_y) * 0.5 - ay) * vx
    return overlap & (cross.abs() <= 0.5 * ((hi_x - lo_x) * vy.abs() + (hi_y - lo_y) * vx.abs()))


def _groups(grid: _Grid, tile: torch.Tensor, order: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Unique (tile, primitive) keys, sorted, and each pair's group index."""
    key = tile * grid.n_primitives + order
    return torch.unique(key, sorted=True, return_inverse=True)


def _rect_layers(scene: StrokeScene, grid: _Grid, sx: float, sy: float) -> _Layers | None:
    if scene.num_rects == 0:
        return None
    R = scene.num_rects
    box = scene.rect_boxes.reshape(-1, 4) * torch.tensor([sx, sy, sx, sy], device=scene.device)
    x0, y0, x1, y1 = box.unbind(-1)
    elem, tx, ty = grid.pairs(x0.detach() - 0.5, y0.detach() - 0.5, x1.detach() + 0.5, y1.detach() + 0.5)
    b, r = elem // R, elem % R
    order = torch.argsort(grid.tile_index(b, tx, ty) * grid.n_primitives + r)  # layers sorted by key, like the other kinds
    elem, tx, ty, b, r = elem[order], tx[order], ty[order], b[order], r[order]
    dx, dy = grid.pixel_offsets(tx, ty, torch.zeros_like(x0[elem]), torch.zeros_like(y0[elem]))
    col = lambda v: v[elem][:, None, None]  # noqa: E731
    cover = g.rect_coverage(dx, dy, (col(x0), col(y0), col(x1), col(y1)))
    rgba = scene.rect_rgba.reshape(-1, 4)[elem]
    tile = grid.tile_index(b, tx, ty)
    key = tile * grid.n_primitives + r
    return _Layers(key, tile, cover * rgba[:, 3, None, None], rgba[:, :3])


def _blob_layers(scene: StrokeScene, grid: _Grid, sx: float, sy: float, offset: int) -> _Layers | None:
    if scene.num_blobs == 0:
        return None
    B, L = scene.batch, scene.num_blobs
    scale = torch.tensor([sx, sy], device=scene.device)
    pts = scene.blob_points * scale
    poly = g.flatten_closed(pts, g.pieces_per_segment(torch.cat([pts, pts[..., :1, :]], -2)))  # B×L×(E+1)×2
    a, e = poly[..., :-1, :], poly[..., 1:, :] - poly[..., :-1, :]
    E = a.shape[-2]
    soft = scene.blob_softness * math.sqrt(sx * sy)
    margin = g.fill_margin(soft.detach())  # B×L
    with torch.no_grad():
        lo = poly.amin(-2) - margin[..., None]  # B×L×2
        hi = poly.amax(-2) + margin[..., None]
        # An edge is needed by every tile of its rows from the blob's left side to the
        # edge itself: distances near it, and the +x ray of the winding number.
        ex0 = lo[..., None, 0].expand(B, L, E)
        ex1 = torch.maximum(a[..., 0], a[..., 0] + e[..., 0]) + margin[..., None]
        ey0 = torch.minimum(a[..., 1], a[..., 1] + e[..., 1]) - margin[..., None]
        ey1 = torch.maximum(a[..., 1], a[..., 1] + e[..., 1]) + margin[..., None]
        # Rows outside the blob's grown box cannot be covered.
        ey0 = torch.maximum(ey0, lo[..., None, 1])
        ey1 = torch.minimum(ey1, hi[..., None, 1])
    elem, tx, ty = grid.pairs(ex0.reshape(-1), ey0.reshape(-1), ex1.reshape(-1), ey1.reshape(-1))
    if elem.numel() == 0:
        return None
    blob = elem // E  # flat b*L + l
    b, index = blob // L, blob % L
    af, ef = a.reshape(-1, 2), e.reshape(-1, 2)
    tile = grid.tile_index(b, tx, ty)
    keys, inverse = _groups(grid, tile, offset + index)
    G = keys.numel()
    dist = piece_distance(af[:, 0], af[:, 1], ef[:, 0], ef[:, 1], None, None, None, None, None, elem, tx, ty, inverse, G, grid.T)
    with torch.no_grad():
        # Winding from absolute coordinates so neighbouring edges agree exactly on shared vertices.
        col = lambda v: v[elem][:, None, None]  # noqa: E731
        bf = poly[..., 1:, :].reshape(-1, 2)
        px, py = grid.pixel_offsets(tx, ty, torch.zeros(elem.shape, device=scene.device), torch.zeros(elem.shape, device=scene.device))
        wind = g.crossings(px, py, col(af[:, 0]), col(af[:, 1]), col(bf[:, 0]), col(bf[:, 1]))
        winding = torch.zeros((G, grid.T, grid.T), dtype=torch.int32, device=scene.device).index_add_(0, inverse, wind.to(torch.int32))
    sd = torch.where(winding != 0, -dist, dist)
    first = torch.zeros(G, dtype=torch.long, device=scene.device).scatter_(0, inverse, torch.arange(inverse.numel(), device=scene.device))
    gblob = blob[first]
    cover = g.fill_coverage(sd, soft.reshape(-1)[gblob][:, None, None])
    rgba = scene.blob_rgba.reshape(-1, 4)[gblob]
    return _Layers(keys, keys // grid.n_primitives, cover * rgba[:, 3, None, None], rgba[:, :3])


def _stroke_layers(scene: StrokeScene, grid: _Grid, sx: float, sy: float, offset: int) -> _Layers | None:
    if scene.num_strokes == 0:
        return None
    S = scene.num_strokes
    lines = g.flatten_pieces(scene.stroke_points * torch.tensor([sx, sy], device=scene.device))
    a, e = lines.start, lines.end - lines.start  # P×2, pieces of all strokes (flat b*S + s in lines.path)
    half, ink = g.stroke_half_width(scene.stroke_width * math.sqrt(sx * sy))  # B×S
    with torch.no_grad():
        reach = _at(half.reshape(-1), lines.path) + 0.5 + 1e-3
        x0, x1 = torch.minimum(a[:, 0], lines.end[:, 0]) - reach, torch.maximum(a[:, 0], lines.end[:, 0]) + reach
        y0, y1 = torch.minimum(a[:, 1], lines.end[:, 1]) - reach, torch.maximum(a[:, 1], lines.end[:, 1]) + reach
    elem, tx, ty = grid.pairs(x0, y0, x1, y1)
    elem, tx, ty = grid.near(elem, tx, ty, a.detach(), e.detach(), reach)
    if elem.numel() == 0:
        return None
    stroke = _at(lines.path, elem)  # flat b*S + s
    b, s = stroke // S, stroke % S
    butt = ~scene.stroke_round
    # Pairs sorted by group: the distance pass then updates each group's row from neighbouring
    # pairs (its scattered min ran ~1.6x slower on randomly ordered groups).
    key, order = torch.sort(grid.tile_index(b, tx, ty) * grid.n_primitives + (offset + s), stable=True)
    elem, tx, ty, stroke = (_at(v, order) for v in (elem, tx, ty, stroke))
    keys, inverse, counts = torch.unique_consecutive(key, return_inverse=True, return_counts=True)
    G = keys.numel()
    gstroke = _at(stroke, torch.cumsum(counts, 0) - counts)  # the stroke of each group (from its first pair)
    caps = cut_start = cut_end = None
    if bool(butt.any()):
        cut_start, cut_end = g.cap_reach(lines, half.detach().reshape(-1), butt.reshape(-1))
        ends = torch.cat([a[lines.first], e[lines.first], lines.end[lines.last], e[lines.last]], -1)  # (B·S)×8
        caps = _at(ends, gstroke)
    rgba = _at(scene.stroke_rgba.reshape(-1, 4), gstroke)
    opacity = rgba[:, 3] * _at(ink.reshape(-1), gstroke)
    # The layer's alpha, g.hard_coverage(sd) · opacity, comes out of the distance pass itself.
    alpha = piece_distance(a[:, 0], a[:, 1], e[:, 0], e[:, 1], _at(half.reshape(-1), gstroke), opacity, caps, cut_start, cut_end, elem, tx, ty, inverse, G, grid.T)
    return _Layers(keys, keys // grid.n_primitives, alpha, rgba[:, :3])


def _composite(layers: list[_Layers], background: torch.Tensor, grid: _Grid, clamp: bool = True) -> torch.Tensor:
    """Back-to-front "over" inside every tile, then tiles back into images."""
    T, B = grid.T, grid.batch
    n_tiles = B * grid.per_image
    bg = background[torch.arange(n_tiles, device=grid.device) // grid.per_image][:, :, None, None]  # (B·tiles)×3×1×1
    if len(layers) == 1:  # one kind of primitive: its keys are already sorted
        out = composite_over(bg.expand(n_tiles, 3, T, T), layers[0].alpha, layers[0].rgb, layers[0].tile)
    elif layers:
        key = torch.cat([x.key for x in layers])
        order = torch.argsort(key)
        tile = _at(torch.cat([x.tile for x in layers]), order)
        alpha = _at(torch.cat([x.alpha for x in layers]), order)
        rgb = _at(torch.cat([x.rgb for x in layers]), order)
        out = composite_over(bg.expand(n_tiles, 3, T, T), alpha, rgb, tile)
    else:
        out = bg.expand(n_tiles, 3, T, T)
    image = out.reshape(B, grid.nty, grid.ntx, 3, T, T).permute(0, 3, 1, 4, 2, 5).reshape(B, 3, grid.nty * T, grid.ntx * T)
    if image.shape[-2:] != (grid.H, grid.W):  # (a full-range slice would still cost a zero-fill and copy in the backward)
        image = image[:, :, : grid.H, : grid.W]
    return image.clamp(0.0, 1.0) if clamp else image
