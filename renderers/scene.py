"""A stroke/blob/rectangle scene: every parameter a tensor, with a batch dimension.

Coordinates are in *canvas units*: ``(0, 0)`` is the top-left corner of the
canvas and ``(width, height)`` the bottom-right one, like an SVG ``viewBox``.
Rendering at another resolution scales them.

Primitives are painted back to front in a fixed order: the background, then
rectangles, then blobs, then strokes; inside a kind, in index order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

from apophenic.errors import ApophenicError


@dataclass
class StrokeScene:
    """A batch of ``B`` scenes sharing one canvas size and primitive counts.

    :param width: canvas width in canvas units.
    :param height: canvas height in canvas units.
    :param stroke_points: ``B×S×(3k+1)×2`` cubic Bézier control points; segment ``j``
        uses points ``3j .. 3j+3``, consecutive segments share their end point.
    :param stroke_width: ``B×S`` full stroke width.
    :param stroke_rgba: ``B×S×4`` colour and opacity in ``[0, 1]``.
    :param stroke_round: ``B×S`` bool: round caps (True) or flat ``butt`` caps (False).
    :param blob_points: ``B×L×3m×2`` closed Bézier loops; segment ``j`` uses points
        ``3j .. 3j+3`` where point ``3m`` is point ``0`` again.
    :param blob_rgba: ``B×L×4`` fill colour and opacity.
    :param blob_softness: ``B×L`` edge blur (Gaussian standard deviation); 0 is a hard edge.
    :param rect_boxes: ``B×R×4`` axis-aligned rectangles as ``x0, y0, x1, y1``.
    :param rect_rgba: ``B×R×4`` fill colour and opacity.
    :param background: ``B×3`` opaque background colour.
    """

    width: float
    height: float
    stroke_points: torch.Tensor
    stroke_width: torch.Tensor
    stroke_rgba: torch.Tensor
    stroke_round: torch.Tensor
    blob_points: torch.Tensor
    blob_rgba: torch.Tensor
    blob_softness: torch.Tensor
    rect_boxes: torch.Tensor
    rect_rgba: torch.Tensor
    background: torch.Tensor

    @classmethod
    def empty(
        cls,
        width: float,
        height: float,
        batch: int = 1,
        background: tuple[float, float, float] = (1.0, 1.0, 1.0),
        device: torch.device | str = "cpu",
    ) -> "StrokeScene":
        """A scene with no primitives, only a background."""
        z = torch.zeros
        return cls(
            width=float(width),
            height=float(height),
            stroke_points=z(batch, 0, 4, 2, device=device),
            stroke_width=z(batch, 0, device=device),
            stroke_rgba=z(batch, 0, 4, device=device),
            stroke_round=torch.ones(batch, 0, dtype=torch.bool, device=device),
            blob_points=z(batch, 0, 12, 2, device=device),
            blob_rgba=z(batch, 0, 4, device=device),
            blob_softness=z(batch, 0, device=device),
            rect_boxes=z(batch, 0, 4, device=device),
            rect_rgba=z(batch, 0, 4, device=device),
            background=torch.tensor([background], dtype=torch.float32, device=device).expand(batch, 3).clone(),
        )

    # -- shape facts ---------------------------------------------------------------
    @property
    def batch(self) -> int:
        return int(self.background.shape[0])

    @property
    def num_strokes(self) -> int:
        return int(self.stroke_points.shape[1])

    @property
    def num_blobs(self) -> int:
        return int(self.blob_points.shape[1])

    @property
    def num_rects(self) -> int:
        return int(self.rect_boxes.shape[1])

    @property
    def stroke_segments(self) -> int:
        """Cubic segments per stroke."""
        return (int(self.stroke_points.shape[2]) - 1) // 3

    @property
    def blob_segments(self) -> int:
        """Cubic segments per blob loop."""
        return int(self.blob_points.shape[2]) // 3

    @property
    def device(self) -> torch.device:
        return self.background.device

    # -- conversions ---------------------------------------------------------------
    def to(self, device: torch.device | str) -> "StrokeScene":
        """The same scene with every tensor on ``device``."""
        return replace(self, **{f.name: getattr(self, f.name).to(device) for f in fields(self) if _is_tensor(self, f.name)})

    def detach(self) -> "StrokeScene":
        """A copy cut from the autograd graph."""
        return replace(self, **{f.name: getattr(self, f.name).detach().clone() for f in fields(self) if _is_tensor(self, f.name)})

    def select(self, index: int) -> "StrokeScene":
        """Scene ``index`` of the batch, as a batch of one."""
        return replace(self, **{f.name: getattr(self, f.name)[index : index + 1] for f in fields(self) if _is_tensor(self, f.name)})

    def validate(self) -> "StrokeScene":
        """Check shapes agree; raise :class:`ApophenicError` naming the first mismatch."""
        b = self.batch
        expect = {
            "stroke_points": (b, self.num_strokes, None, 2),
            "stroke_width": (b, self.num_strokes),
            "stroke_rgba": (b, self.num_strokes, 4),
            "stroke_round": (b, self.num_strokes),
            "blob_points": (b, self.num_blobs, None, 2),
            "blob_rgba": (b, self.num_blobs, 4),
            "blob_softness": (b, self.num_blobs),
            "rect_boxes": (b, self.num_rects, 4),
            "rect_rgba": (b, self.num_rects, 4),
            "background": (b, 3),
        }
        for name, shape in expect.items():
            got = tuple(getattr(self, name).shape)
            if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
                raise ApophenicError(f"StrokeScene.{name}: expected shape {shape} (None: any), got {got}")
        if (self.stroke_points.shape[2] - 1) % 3 != 0 or self.stroke_points.shape[2] < 4:
            raise ApophenicError(f"StrokeScene.stroke_points: expected 3k+1 points per stroke, got {self.stroke_points.shape[2]}")
        if self.blob_points.shape[2] % 3 != 0 or self.blob_points.shape[2] < 3:
            raise ApophenicError(f"StrokeScene.blob_points: expected 3m points per blob, got {self.blob_points.shape[2]}")
        if not (self.width > 0 and self.height > 0):
            raise ApophenicError(f"StrokeScene: canvas size must be positive, got {self.width}×{self.height}")
        return self


def _is_tensor(scene: StrokeScene, name: str) -> bool:
    return isinstance(getattr(scene, name), torch.Tensor)


def split_segment(points: torch.Tensor, t: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """De Casteljau split of cubic segments ``...×4×2`` into two exact halves."""
    p0, p1, p2, p3 = points.unbind(-2)
    a = torch.lerp(p0, p1, t)
    b = torch.lerp(p1, p2, t)
    c = torch.lerp(p2, p3, t)
    d = torch.lerp(a, b, t)
    e = torch.lerp(b, c, t)
    f = torch.lerp(d, e, t)
    return torch.stack([p0, a, d, f], -2), torch.stack([f, e, c, p3], -2)


def resample_segments(points: list[torch.Tensor], segments: int, closed: bool) -> list[torch.Tensor]:
    """Bring paths of different segment counts to ``segments`` each, exactly.

    Each path is ``(3k+1)×2`` (open) or ``3k×2`` (closed). Paths with fewer
    segments have their longest segment split in two until they have enough,
    which keeps the drawn curve identical; paths with more are an error.
    """
    out = []
    for path in points:
        segs = _segments(path, closed)
        if len(segs) > segments:
            raise ApophenicError(f"a path has {len(segs)} segments; at most {segments} fit this scene")
        while len(segs) < segments:
            chord = [float((s[3] - s[0]).norm() + (s[1] - s[0]).norm() + (s[2] - s[3]).norm()) for s in segs]
            i = max(range(len(segs)), key=chord.__getitem__)
            a, b = split_segment(segs[i])
            segs[i : i + 1] = [a, b]
        out.append(_join(segs, closed))
    return out


def _segments(path: torch.Tensor, closed: bool) -> list[torch.Tensor]:
    if closed:
        path = torch.cat([path, path[:1]], 0)
    return [path[3 * j : 3 * j + 4] for j in range((path.shape[0] - 1) // 3)]


def _join(segs: list[torch.Tensor], closed: bool) -> torch.Tensor:
    pts = [segs[0][:1]] + [s[1:] for s in segs]
    path = torch.cat(pts, 0)
    return path[:-1] if closed else path
