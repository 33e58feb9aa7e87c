"""The ``strokes`` generator: unconstrained parameters -> a constrained scene -> pixels.

Every constraint holds by construction, at every step: positions, widths,
opacities, sizes and free colours go through sigmoids/tanh into their ranges;
a palette colour is a softmax over the fixed colours whose temperature
anneals with run progress and, after ``harden_at``, becomes a hard one-hot
choice with straight-through gradients. The exported SVG always uses the
hard choice.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from apophenic.component import BuildContext
from apophenic.errors import ApophenicError
from apophenic.generator import Generator
from apophenic.plugins.strokes.config import StrokesConfig
from apophenic.renderers.colors import parse_color
from apophenic.renderers.raster import print_shape, render_skia, save_png
from apophenic.renderers.rasterize import rasterize
from apophenic.renderers.scene import StrokeScene, resample_segments
from apophenic.renderers.svg import read_svg, write_svg

#: A blob's control points stay within this many radii of its centre, per axis.
_BLOB_REACH = 1.5
#: Free control points (no segment bound) may sit this far outside the canvas, as a fraction.
_MARGIN = 0.1
#: The palette temperature falls to this fraction of its start by the end of a run.
_FINAL_TEMPERATURE = 0.02


def _logit(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    x = x.clamp(eps, 1 - eps)
    return torch.log(x / (1 - x))


def _atanh(x: torch.Tensor) -> torch.Tensor:
    return torch.atanh(x.clamp(-0.999, 0.999))


def _in_range(raw: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * torch.sigmoid(raw)


def _from_range(value: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    if hi <= lo:
        return torch.zeros_like(value)
    return _logit((value - lo) / (hi - lo))


def circle_loop(segments: int) -> torch.Tensor:
    """Control points ``3m×2`` of a unit circle made of ``m`` cubic segments."""
    k = 4 / 3 * math.tan(math.pi / (2 * segments))
    pts = []
    for j in range(segments):
        a = 2 * math.pi * j / segments
        b = 2 * math.pi * (j + 1) / segments
        p, q = (math.cos(a), math.sin(a)), (math.cos(b), math.sin(b))
        pts += [p, (p[0] - k * math.sin(a), p[1] + k * math.cos(a)), (q[0] + k * math.sin(b), q[1] - k * math.cos(b))]
    return torch.tensor(pts, dtype=torch.float32)


class StrokesGenerator(Generator):
    """Renders a constrained stroke/blob/rectangle drawing; exports SVG and a print PNG.

    Build one with ``StrokesConfig(...).build(ctx)``, :meth:`from_config`, or
    :meth:`from_svg`. :meth:`scene` gives the current drawing as a hardened
    :class:`~apophenic.renderers.scene.StrokeScene`.
    """

    def __init__(self, config: StrokesConfig, size: tuple[int, int], counts: tuple[int, int, int], segments: tuple[int, int], rng: torch.Generator) -> None:
        super().__init__()
        self.config = config
        self.size = (int(size[0]), int(size[1]))
        H, W = self.size
        self.short = float(min(H, W))
        B = config.batch
        S, L, R = counts
        k, m = segments
        palette = config.colours()
        self.register_buffer("palette", torch.tensor(palette, dtype=torch.float32) if palette else torch.zeros(0, 3))
        self.register_buffer("background", torch.tensor(parse_color(config.background), dtype=torch.float32))
        self.register_buffer("canvas", torch.tensor([W, H], dtype=torch.float32))
        self.register_buffer("circle", circle_loop(m))
        self.progress = 0.0
        randn = lambda *shape, std=1.0: nn.Parameter(torch.randn(*shape, generator=rng) * std)  # noqa: E731

        # strokes: a start point, then each control point a bounded step from the previous one
        self.stroke_start = randn(B, S, 2, std=1.2)
        self.stroke_steps = randn(B, S, 3 * k, 2, std=0.6)
        self.stroke_width = randn(B, S)
        self.stroke_colour = self._colour_param(B, S, rng)
        self.stroke_opacity = randn(B, S)
        # blobs: centre, radius, and control points within reach of the centre
        self.blob_centre = randn(B, L, 2, std=1.2)
        self.blob_radius = randn(B, L)
        self.blob_shape = nn.Parameter(_atanh(self.circle / _BLOB_REACH).expand(B, L, 3 * m, 2) + torch.randn(B, L, 3 * m, 2, generator=rng) * 0.15)
        self.blob_colour = self._colour_param(B, L, rng)
        self.blob_opacity = randn(B, L)
        self.blob_softness = randn(B, L)
        # rectangles: two corners anywhere on the canvas, or around a random centre
        if config.rect_start_size is None:
            self.rect_corners = randn(B, R, 4, std=1.2)
        else:
            self.rect_corners = nn.Parameter(self._start_boxes(B, R, config.rect_start_size, rng))
        self.rect_colour = self._colour_param(B, R, rng)
        self.rect_opacity = randn(B, R)

    def _start_boxes(self, B: int, R: int, half: tuple[float, float], rng: torch.Generator) -> torch.Tensor:
        """Raw corners of ``R`` rectangles centred anywhere, half-sides drawn from ``half`` × the short side."""
        centre = 0.05 + 0.9 * torch.rand(B, R, 2, generator=rng)
        sides = (half[0] + (half[1] - half[0]) * torch.rand(B, R, 2, generator=rng)) * self.short / self.canvas
        box = torch.cat([centre - sides, centre + sides], -1).clamp(0.005, 0.995)
        return _logit(box)

    def _colour_param(self, B: int, n: int, rng: torch.Generator) -> nn.Parameter:
        k = self.palette.shape[0]
        return nn.Parameter(torch.randn(B, n, k if k else 3, generator=rng) * (1.0 if k else 1.5))

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_config(cls, config: StrokesConfig, ctx: BuildContext) -> "StrokesGenerator":
        """A random seeded drawing, or one read from ``config.init_svg``."""
        if config.init_svg is not None:
            scene = read_svg(ctx.resolve(config.init_svg))
            return cls.from_scene(scene, config, ctx.size, ctx.device)
        gen = cls(config, ctx.size, config.counts(), (config.segments, config.blob_segments), ctx.random(0x5743))
        return gen.to(ctx.device)

    @classmethod
    def from_svg(cls, path: str | Path, config: StrokesConfig | None = None, size: tuple[int, int] | None = None, device: str | torch.device = "cpu") -> "StrokesGenerator":
        """A generator that starts from an SVG file (its canvas size unless ``size`` is given)."""
        scene = read_svg(path)
        config = config or StrokesConfig(init_svg=str(path))
        size = size or (max(8, round(scene.height)), max(8, round(scene.width)))
        return cls.from_scene(scene, config, size, device)

    @classmethod
    def from_scene(cls, scene: StrokeScene, config: StrokesConfig, size: tuple[int, int], device: str | torch.device = "cpu") -> "StrokesGenerator":
        """A generator whose parameters reproduce ``scene`` (batch item 0), projected onto ``config``'s constraints.

        Shapes outside the constraints are pulled in (a too-long segment is
        shortened, a colour snaps to the nearest palette colour), so the
        constraints hold from the first step.
        """
        scene = scene.select(0).detach().to("cpu")
        allowed = {"free": (1, 1, 1), "line-only": (1, 0, 0), "blob-only": (0, 1, 0), "mondrian": (0, 0, 1)}[config.style]
        for name, n, ok in zip(("strokes", "blobs", "rectangles"), (scene.num_strokes, scene.num_blobs, scene.num_rects), allowed):
            if n and not ok:
                raise ApophenicError(f"{config.init_svg or 'scene'}: has {n} {name}, which style {config.style!r} does not draw")
        if scene.num_strokes + scene.num_blobs + scene.num_rects == 0:
            raise ApophenicError(f"{config.init_svg or 'scene'}: draws nothing")
        k = max(config.segments, scene.stroke_segments if scene.num_strokes else 1)
        m = max(config.blob_segments, scene.blob_segments if scene.num_blobs else 2)
        if k > 16 or m > 16:
            raise ApophenicError(f"{config.init_svg or 'scene'}: paths have up to {max(k, m)} segments; at most 16 per stroke or blob are supported")
        H, W = size
        scale = torch.tensor([W / scene.width, H / scene.height])
        unit = math.sqrt(float(scale[0] * scale[1]))
        gen = cls(config.model_copy(update={"batch": 1}), size, (scene.num_strokes, scene.num_blobs, scene.num_rects), (k, m), torch.Generator().manual_seed(0))
        with torch.no_grad():
            if scene.num_strokes:
                pts = torch.stack(resample_segments(list(scene.stroke_points[0].double()), k, closed=False)).float() * scale
                gen.stroke_start.copy_((_logit(pts[:, 0] / gen.canvas) if gen._step() else gen._point_raw(pts[:, 0]))[None])
                steps = (pts[:, 1:] - pts[:, :-1]) / gen._step() if gen._step() else pts[:, 1:]
                gen.stroke_steps.copy_((_atanh(steps) if gen._step() else gen._point_raw(pts[:, 1:]))[None])
                gen.stroke_width.copy_(_from_range(scene.stroke_width * unit, *config.width))
                gen.stroke_colour.copy_(gen._colour_raw(scene.stroke_rgba[..., :3]))
                gen.stroke_opacity.copy_(_from_range(scene.stroke_rgba[..., 3], *config.opacity))
            if scene.num_blobs:
                pts = torch.stack(resample_segments(list(scene.blob_points[0].double()), m, closed=True)).float() * scale
                lo, hi = pts.amin(1), pts.amax(1)
                centre = (lo + hi) / 2
                radius = ((hi - lo).amax(-1) / 2).clamp(config.blob_size[0] * gen.short, config.blob_size[1] * gen.short)
                gen.blob_centre.copy_(_logit(centre / gen.canvas)[None])
                gen.blob_radius.copy_(_from_range(radius / gen.short, *config.blob_size)[None])
                gen.blob_shape.copy_(_atanh((pts - centre[:, None]) / (radius[:, None, None] * _BLOB_REACH))[None])
                gen.blob_colour.copy_(gen._colour_raw(scene.blob_rgba[..., :3]))
                gen.blob_opacity.copy_(_from_range(scene.blob_rgba[..., 3], *config.opacity))
                gen.blob_softness.copy_(_from_range(scene.blob_softness * unit, *config.softness))
            if scene.num_rects:
                box = scene.rect_boxes[0] * scale.repeat(2)
                gen.rect_corners.copy_(_logit(box / gen.canvas.repeat(2))[None])
                gen.rect_colour.copy_(gen._colour_raw(scene.rect_rgba[..., :3]))
                gen.rect_opacity.copy_(_from_range(scene.rect_rgba[..., 3], *config.opacity))
            if config.background == "white" and scene.background is not None:
                gen.background.copy_(scene.background[0])
        return gen.to(device)

    def _point_raw(self, pts: torch.Tensor) -> torch.Tensor:
        lo, span = -_MARGIN * self.canvas, (1 + 2 * _MARGIN) * self.canvas
        return _logit((pts - lo) / span)

    def _colour_raw(self, rgb: torch.Tensor) -> torch.Tensor:
        if self.palette.shape[0] == 0:
            return _logit(rgb, 1e-2)
        nearest = torch.cdist(rgb.reshape(-1, 3), self.palette).argmin(-1).reshape(rgb.shape[:-1])
        return F.one_hot(nearest, self.palette.shape[0]).float() * 10.0

    # -- the run loop's hooks -------------------------------------------------------
    def set_progress(self, fraction: float) -> None:
        """Tell the generator how far the run is (0..1): the palette choice anneals with it."""
        self.progress = float(min(1.0, max(0.0, fraction)))

    def constrain(self) -> None:
        """Nothing to project: the parameterization keeps every constraint."""

    # -- parameters -> scene ----------------------------------------------------------
    def _step(self) -> float:
        bound = self.config.max_segment_length
        return 0.0 if bound is None else bound * self.short / (3 * math.sqrt(2))

    def _colours(self, raw: torch.Tensor, hard: bool) -> torch.Tensor:
        if self.palette.shape[0] == 0:
            return torch.sigmoid(raw)
        cfg = self.config
        temperature = cfg.temperature * _FINAL_TEMPERATURE**self.progress
        soft = torch.softmax(raw / temperature, -1)
        if hard or self.progress >= cfg.harden_at:
            onehot = F.one_hot(soft.argmax(-1), self.palette.shape[0]).to(soft.dtype)
            soft = onehot if hard else onehot + soft - soft.detach()  # straight-through
        return soft @ self.palette

    def build_scene(self, hard: bool = False) -> StrokeScene:
        """The scene the parameters describe now (differentiable); ``hard``: palette choices made final."""
        cfg = self.config
        B = self.stroke_start.shape[0]
        H, W = self.size
        step = self._step()
        if step:
            start = torch.sigmoid(self.stroke_start) * self.canvas
            pts = torch.cat([start[:, :, None], start[:, :, None] + torch.cumsum(step * torch.tanh(self.stroke_steps), 2)], 2)
        else:
            lo, span = -_MARGIN * self.canvas, (1 + 2 * _MARGIN) * self.canvas
            raw = torch.cat([self.stroke_start[:, :, None], self.stroke_steps], 2)
            pts = lo + span * torch.sigmoid(raw)
        radius = _in_range(self.blob_radius, *cfg.blob_size) * self.short
        centre = torch.sigmoid(self.blob_centre) * self.canvas
        blob = centre[:, :, None] + radius[..., None, None] * _BLOB_REACH * torch.tanh(self.blob_shape)
        corners = torch.sigmoid(self.rect_corners) * self.canvas.repeat(2)
        x0, y0, x1, y1 = corners.unbind(-1)
        boxes = torch.stack([torch.minimum(x0, x1), torch.minimum(y0, y1), torch.maximum(x0, x1), torch.maximum(y0, y1)], -1)
        if cfg.rect_min_size > 0:
            # widen about the centre rather than clamp a corner, so a thin rectangle keeps its place
            centre = (boxes[..., :2] + boxes[..., 2:]) / 2
            half = torch.clamp((boxes[..., 2:] - boxes[..., :2]) / 2, min=cfg.rect_min_size / 2)
            boxes = torch.cat([centre - half, centre + half], -1)
        rgba = lambda colour, opacity: torch.cat([self._colours(colour, hard), _in_range(opacity, *cfg.opacity)[..., None]], -1)  # noqa: E731
        return StrokeScene(
            width=float(W),
            height=float(H),
            stroke_points=pts,
            stroke_width=_in_range(self.stroke_width, *cfg.width),
            stroke_rgba=rgba(self.stroke_colour, self.stroke_opacity),
            stroke_round=torch.full(self.stroke_width.shape, cfg.cap == "round", dtype=torch.bool, device=pts.device),
            blob_points=blob,
            blob_rgba=rgba(self.blob_colour, self.blob_opacity),
            blob_softness=_in_range(self.blob_softness, *cfg.softness),
            rect_boxes=boxes,
            rect_rgba=rgba(self.rect_colour, self.rect_opacity),
            background=self.background.expand(B, 3),
        )

    def scene(self) -> StrokeScene:
        """The current drawing with final palette choices, detached: what the SVG holds."""
        with torch.no_grad():
            return self.build_scene(hard=True).detach()

    def render(self) -> torch.Tensor:
        """``B×3×H×W`` in ``[0, 1]``, differentiable in every parameter."""
        return rasterize(self.build_scene(), self.size)

    def export(self, folder: Path, stem: str = "final", print_size: int | None = None) -> list[Path]:
        """Write ``stem.svg`` and a print PNG rasterized from it by skia.

        The PNG is always ``stem@<N>px.png``, ``N`` its long side in pixels: four times
        the run's unless ``print_size`` names another (one scheme, so a script or a
        print shop finds the print by the same pattern whatever the size).
        A batch writes ``stem-<i>.svg`` etc. for each drawing.
        """
        scene = self.scene().to("cpu")
        long_side = print_size if print_size is not None else 4 * max(self.size)
        print_shape(scene, long_side)  # a bad size fails before anything is written
        tag = f"@{long_side}px"
        folder = Path(folder)
        written = []
        for i in range(scene.batch):
            name = stem if scene.batch == 1 else f"{stem}-{i}"
            written.append(write_svg(scene, folder / f"{name}.svg", index=i))
            written.append(save_png(render_skia(scene, long_side, index=i), folder / f"{name}{tag}.png"))
        return written
