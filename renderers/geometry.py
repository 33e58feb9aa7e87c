"""Shape math shared by the tiled rasterizer and the naive reference.

Everything works on broadcastable tensors in *pixel* units with pixel centres
at ``i + 0.5``. Curves are flattened into short line pieces; coverage comes
from the signed distance to those pieces, antialiased over one pixel the way
a box filter sees a straight edge, which is what skia and cairo compute.
"""

from __future__ import annotations

import math

import torch

#: Largest distance, in pixels, between a cubic and its flattened polyline.
FLATTEN_TOLERANCE = 0.1
MAX_PIECES = 32
#: Opacity is kept just below 1 so that log-transmittance stays finite.
ALPHA_MAX = 1.0 - 1e-6
_EPS = 1e-12
#: Variance of a one-pixel box filter: hard antialiasing folded into soft edges.
_BOX_VAR = 1.0 / 12.0


def pieces_per_segment(*control: torch.Tensor, tolerance: float = FLATTEN_TOLERANCE) -> int:
    """Line pieces per cubic segment so every flattened curve is within ``tolerance`` px.

    A cubic's chord error with ``n`` uniform pieces is at most ``|B''|max / (8 n²)``
    and ``|B''| <= 6 · max second difference of its control points``.
    """
    worst = 0.0
    for pts in control:
        if pts.numel() == 0 or pts.shape[-2] < 3:
            continue
        second = pts[..., 2:, :] - 2 * pts[..., 1:-1, :] + pts[..., :-2, :]
        worst = max(worst, float(second.detach().norm(dim=-1).max()))
    n = math.ceil(math.sqrt(0.75 * worst / tolerance)) if worst > 0 else 1
    return int(min(max(n, 1), MAX_PIECES))


def _bernstein(pieces: int, like: torch.Tensor) -> torch.Tensor:
    t = torch.linspace(0.0, 1.0, pieces + 1, dtype=like.dtype, device=like.device)
    u = 1 - t
    return torch.stack([u**3, 3 * u * u * t, 3 * u * t * t, t**3], -1)  # (P+1)×4


def flatten_open(points: torch.Tensor, pieces: int) -> torch.Tensor:
    """Open cubic paths ``...×(3k+1)×2`` -> polylines ``...×(kP+1)×2``."""
    k = (points.shape[-2] - 1) // 3
    idx = (torch.arange(k, device=points.device)[:, None] * 3 + torch.arange(4, device=points.device)).reshape(-1)
    segs = points[..., idx, :].reshape(*points.shape[:-2], k, 4, 2)
    curve = torch.einsum("pc,...kcd->...kpd", _bernstein(pieces, points), segs)  # ...×k×(P+1)×2
    first = curve[..., :1, 0, :]
    rest = curve[..., :, 1:, :].reshape(*points.shape[:-2], k * pieces, 2)
    return torch.cat([first, rest], -2)


def flatten_closed(points: torch.Tensor, pieces: int) -> torch.Tensor:
    """Closed cubic loops ``...×3m×2`` -> closed polylines ``...×(mP+1)×2`` (last = first)."""
    return flatten_open(torch.cat([points, points[..., :1, :]], -2), pieces)



class Pieces:
    """Open paths flattened into line pieces, each cubic segment into as few as its own curvature needs.

    ``start`` / ``end``: ``P×2`` piece end points, the pieces of a path consecutive and
    joined exactly (a piece's end is the next piece's start tensor value); ``path``: ``P``
    index of each piece's path (flat over the leading dimensions of the control points);
    ``first`` / ``last``: per path, the index of its first and last piece.
    """

    def __init__(self, start: torch.Tensor, end: torch.Tensor, path: torch.Tensor, first: torch.Tensor, last: torch.Tensor) -> None:
        self.start, self.end, self.path, self.first, self.last = start, end, path, first, last


def segment_pieces(points: torch.Tensor, tolerance: float = FLATTEN_TOLERANCE) -> torch.Tensor:
    """Pieces for each cubic of open paths ``...×(3k+1)×2`` (``...×k``): the bound of :func:`pieces_per_segment`, per segment."""
    k = (points.shape[-2] - 1) // 3
    idx = (torch.arange(k, device=points.device)[:, None] * 3 + torch.arange(4, device=points.device)).reshape(-1)
    segs = points.detach()[..., idx, :].reshape(*points.shape[:-2], k, 4, 2)
    second = segs[..., 2:, :] - 2 * segs[..., 1:-1, :] + segs[..., :-2, :]
    worst = second.norm(dim=-1).amax(-1)
    return torch.ceil(torch.sqrt(0.75 * worst / tolerance)).clamp(1, MAX_PIECES).long()


def flatten_pieces(points: torch.Tensor, tolerance: float = FLATTEN_TOLERANCE) -> Pieces:
    """Open cubic paths ``...×(3k+1)×2`` -> :class:`Pieces`, each segment within ``tolerance`` px of its curve.

    Unlike :func:`flatten_open` (one piece count for the whole batch, set by its most
    curved segment), every segment gets its own count, so a path is flattened the
    same alone or in any batch, and nearly straight segments cost few pieces.
    """
    k = (points.shape[-2] - 1) // 3
    paths = points.shape[:-2].numel()
    idx = (torch.arange(k, device=points.device)[:, None] * 3 + torch.arange(4, device=points.device)).reshape(-1)
    segs = points[..., idx, :].reshape(paths * k, 4, 2)
    counts = segment_pieces(points, tolerance).reshape(-1)  # paths·k
    seg = torch.repeat_interleave(torch.arange(paths * k, device=points.device), counts)
    j = torch.arange(seg.numel(), device=points.device) - (torch.cumsum(counts, 0) - counts)[seg]
    t = j.to(points.dtype) / counts[seg].to(points.dtype)
    u = 1 - t
    weights = torch.stack([u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t], -1)  # P×4
    start = torch.einsum("pc,pcd->pd", weights, segs[seg])
    per_path = counts.reshape(paths, k).sum(-1)
    last = torch.cumsum(per_path, 0) - 1
    first = last - per_path + 1
    path = seg // k
    is_last = torch.zeros(seg.numel(), dtype=torch.bool, device=points.device)
    is_last[last] = True
    end = torch.where(is_last[:, None], points.reshape(paths, -1, 2)[:, -1][path], start.roll(-1, 0))
    return Pieces(start, end, path, first, last)


@torch.no_grad()
def cap_reach(pieces: Pieces, half_width: torch.Tensor, butt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Which pieces lie within reach of their flat-capped stroke's start / end (``P`` bools each).

    A piece whose round end or joint could poke past the cap plane is one that
    starts (ends) less than a half width plus a pixel from the stroke's start (end).
    ``half_width`` and ``butt`` hold one value per path.
    """
    length = (pieces.end - pieces.start).norm(dim=-1).double()
    walked = torch.cumsum(length, 0)  # along all paths; float64 keeps long batches exact enough
    before = walked - length  # walked up to each piece's start
    since_start = before - before[pieces.first][pieces.path]
    to_end = walked[pieces.last][pieces.path] - walked
    reach = (half_width.double() + 1.0)[pieces.path]
    flat = butt[pieces.path]
    return flat & (since_start < reach), flat & (to_end < reach)


# -- distances -------------------------------------------------------------------------

def stroke_piece_sd(
    dx: torch.Tensor,
    dy: torch.Tensor,
    ex: torch.Tensor,
    ey: torch.Tensor,
    half_width: torch.Tensor,
    caps: "StrokeCaps | None" = None,
) -> torch.Tensor:
    """Signed distance from pixels to one thick line piece of a stroke (a capsule).

    ``dx, dy``: pixel minus piece start; ``ex, ey``: piece vector. Pieces within
    reach of a flat-capped end carry ``caps``: the capsule is then cut by the
    plane through the stroke's end point, perpendicular to its end tangent, so
    neither the piece's round end nor its neighbours' joints poke past the cap.
    """
    len2 = (ex * ex + ey * ey).clamp_min(_EPS)
    t = ((dx * ex + dy * ey) / len2).clamp(0.0, 1.0)
    qx = dx - t * ex
    qy = dy - t * ey
    sd = torch.sqrt(qx * qx + qy * qy + _EPS) - half_width
    if caps is not None:
        sd = torch.maximum(sd, caps.cut(dx, dy))
    return sd


class StrokeCaps:
    """The flat-cap planes a piece must respect, relative to the piece start.

    ``start_*``: stroke start point minus piece start, and the first piece's vector;
    ``end_*``: stroke end point minus piece start, and the last piece's vector;
    ``cut_start`` / ``cut_end``: whether each plane applies to this piece.
    """

    def __init__(self, start_ox, start_oy, start_vx, start_vy, cut_start, end_ox, end_oy, end_vx, end_vy, cut_end) -> None:
        self.start = (start_ox, start_oy, start_vx, start_vy)
        self.end = (end_ox, end_oy, end_vx, end_vy)
        self.cut_start, self.cut_end = cut_start, cut_end

    def terms(self, dx: torch.Tensor, dy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Signed distance past the start plane and past the end plane (-inf where not cut)."""
        ox, oy, vx, vy = self.start
        before = -((dx - ox) * vx + (dy - oy) * vy) / torch.sqrt((vx * vx + vy * vy).clamp_min(_EPS))
        ox, oy, vx, vy = self.end
        after = ((dx - ox) * vx + (dy - oy) * vy) / torch.sqrt((vx * vx + vy * vy).clamp_min(_EPS))
        return torch.where(self.cut_start, before, -math.inf), torch.where(self.cut_end, after, -math.inf)

    def cut(self, dx: torch.Tensor, dy: torch.Tensor) -> torch.Tensor:
        before, after = self.terms(dx, dy)
        return torch.maximum(before, after)


def segment_dist2(dx: torch.Tensor, dy: torch.Tensor, ex: torch.Tensor, ey: torch.Tensor) -> torch.Tensor:
    """Squared distance from pixels to a line segment (``dx, dy``: pixel minus start)."""
    len2 = (ex * ex + ey * ey).clamp_min(_EPS)
    t = ((dx * ex + dy * ey) / len2).clamp(0.0, 1.0)
    qx = dx - t * ex
    qy = dy - t * ey
    return qx * qx + qy * qy


@torch.no_grad()
def crossings(px: torch.Tensor, py: torch.Tensor, ax: torch.Tensor, ay: torch.Tensor, bx: torch.Tensor, by: torch.Tensor) -> torch.Tensor:
    """Winding contribution (+1, -1, 0) of edge a->b for a ray from each pixel towards +x."""
    up = (ay <= py) & (by > py)
    down = (by <= py) & (ay > py)
    dyab = by - ay
    safe = torch.where(dyab == 0, torch.ones_like(dyab), dyab)
    x_cross = ax + (py - ay) * (bx - ax) / safe
    right = x_cross > px
    return (up & right).to(torch.int16) - (down & right).to(torch.int16)


# -- coverage --------------------------------------------------------------------------

def stroke_half_width(width: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Half width used for the distance, and the opacity factor for lines under one pixel.

    A line thinner than a pixel is drawn one pixel wide with proportionally less
    opacity: the same ink per unit length as the box-filtered thin line.
    """
    return (0.5 * width).clamp_min(0.5), width.clamp(0.0, 1.0)


def hard_coverage(sd: torch.Tensor) -> torch.Tensor:
    """Pixel coverage of a shape edge at signed distance ``sd`` (negative inside)."""
    return (0.5 - sd).clamp(0.0, 1.0)


def fill_coverage(sd: torch.Tensor, softness: torch.Tensor) -> torch.Tensor:
    """Coverage of a fill, hard-edged where ``softness`` is 0, else Gaussian-blurred.

    A blurred edge is the Gaussian CDF of the distance; the pixel's own box
    filter adds its variance.
    """
    sigma = torch.sqrt(softness * softness + _BOX_VAR)
    soft = 0.5 * (1 - torch.erf(sd / (sigma * math.sqrt(2.0))))
    return torch.where(softness > 0, soft, hard_coverage(sd))


def fill_margin(softness: torch.Tensor) -> torch.Tensor:
    """How far outside a fill's edge its coverage can be non-zero, in pixels."""
    sigma = torch.sqrt(softness * softness + _BOX_VAR)
    return torch.where(softness > 0, 4.0 * sigma + 0.5, torch.full_like(softness, 0.5))


def rect_coverage(px: torch.Tensor, py: torch.Tensor, box: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Exact box-filter coverage of pixels by an axis-aligned rectangle ``(x0, y0, x1, y1)``."""
    x0, y0, x1, y1 = box
    ox = (torch.minimum(px + 0.5, x1) - torch.maximum(px - 0.5, x0)).clamp(0.0, 1.0)
    oy = (torch.minimum(py + 0.5, y1) - torch.maximum(py - 0.5, y0)).clamp(0.0, 1.0)
    return ox * oy
