"""apophenic-spirograph: an example third-party plugin.

It adds one generator, ``spirograph``: closed epicycle curves (the loops a
spirograph toy draws) rendered as soft, antialiased lines in plain torch, so a
perceiver's gradient can move every wheel, phase, centre and colour. It also
ships one preset, ``spirograph``, that makes EfficientNet-Lite see a spider web.

The docs in ``docs/plugins/tutorial.md`` are built from the marked sections.
"""

from __future__ import annotations

# --8<-- [start:imports]
import math
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from apophenic import BuildContext, Generator, GeneratorConfig, hookimpl
from apophenic.record import write_atomic

# --8<-- [end:imports]

__version__ = "0.1.0"


# --8<-- [start:curves]
def epicycles(amplitude: torch.Tensor, frequency: torch.Tensor, phase: torch.Tensor,
              centre: torch.Tensor, points: int) -> torch.Tensor:
    """Points on closed epicycle curves: ``centre + sum_k a_k (cos, sin)(f_k t + phi_k)``.

    ``amplitude``, ``frequency``, ``phase``: ``...×K`` (K wheels); ``centre``: ``...×2``.
    Returns ``...×(points + 1)×2`` in the image's ``[-1, 1]`` coordinates; the
    last point repeats the first, so the curve is closed.
    """
    t = torch.linspace(0, 2 * math.pi, points + 1, device=amplitude.device)
    angle = frequency[..., None, :] * t[:, None] + phase[..., None, :]  # ...×P×K
    x = (amplitude[..., None, :] * torch.cos(angle)).sum(-1)
    y = (amplitude[..., None, :] * torch.sin(angle)).sum(-1)
    return torch.stack([x, y], -1) + centre[..., None, :]
# --8<-- [end:curves]


# --8<-- [start:raster]
def splat(points: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Line density of polylines ``R×P×2`` (pixel coordinates) on an ``R×H×W`` grid.

    Each segment's midpoint is splatted bilinearly with a weight equal to its
    length, so a line gets the same ink per pixel wherever the curve runs fast
    or slow. Bilinear weights are differentiable in the point positions, and
    the cost grows with the number of points, not with points × pixels.
    """
    rows = points.shape[0]
    mid = (points[:, 1:] + points[:, :-1]) / 2
    length = (points[:, 1:] - points[:, :-1]).norm(dim=-1)
    x, y = mid[..., 0], mid[..., 1]
    x0, y0 = x.detach().floor(), y.detach().floor()
    fx, fy = x - x0, y - y0
    offset = torch.arange(rows, device=points.device)[:, None] * (h * w)
    ink = points.new_zeros(rows * h * w)
    for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                           (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = (x0 + dx).long(), (y0 + dy).long()
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        index = (offset + yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)).flatten()
        ink = ink.index_add(0, index, (weight * length * inside).flatten())
    return ink.view(rows, h, w)


def soften(ink: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur ``R×H×W`` with a Gaussian of ``sigma`` pixels, scaled so a line's centre is ~1."""
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=ink.dtype, device=ink.device)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    image = ink[:, None]
    image = F.conv2d(F.pad(image, (radius, radius, 0, 0)), kernel.view(1, 1, 1, -1))
    image = F.conv2d(F.pad(image, (0, 0, radius, radius)), kernel.view(1, 1, -1, 1))
    # A line of unit density blurs to a peak of 1 / (sqrt(2 pi) sigma); undo that.
    image = image * (math.sqrt(2 * math.pi) * sigma)
    return image[:, 0]
# --8<-- [end:raster]


# --8<-- [start:generator]
class Spirograph(Generator):
    """Curves of epicycles drawn with soft lines over a paper-coloured background."""

    def __init__(self, config: "SpirographConfig", size: tuple[int, int], rng: torch.Generator) -> None:
        super().__init__()
        b, c, k = config.batch, config.curves, config.wheels
        # Integer frequencies keep every curve closed; the first wheel turns once.
        freq = torch.randint(2, 10, (b, c, k), generator=rng).float()
        freq = freq * torch.where(torch.rand(b, c, k, generator=rng) < 0.5, -1.0, 1.0)
        freq[..., 0] = 1.0
        self.register_buffer("frequency", freq)
        decay = torch.arange(1, k + 1).float() ** -0.8
        self.amplitude = nn.Parameter((0.2 + 0.2 * torch.rand(b, c, k, generator=rng)) * decay)
        self.phase = nn.Parameter(2 * math.pi * torch.rand(b, c, k, generator=rng))
        self.centre = nn.Parameter(0.4 * torch.rand(b, c, 2, generator=rng) - 0.2)
        self.colour = nn.Parameter(torch.randn(b, c, 3, generator=rng))  # logits of RGB
        self.opacity = nn.Parameter(torch.full((b, c), 1.0))  # logit
        self.register_buffer("paper", torch.tensor(config.background).view(1, 3, 1, 1))
        self.size, self.points, self.width = size, config.points, config.width

    def curves(self) -> torch.Tensor:
        """Every curve as ``B×C×(P+1)×2`` points in pixel coordinates."""
        h, w = self.size
        xy = epicycles(self.amplitude, self.frequency, self.phase, self.centre, self.points)
        scale = xy.new_tensor([w / 2, h / 2])
        return (xy + 1) * scale - 0.5

    def render(self) -> torch.Tensor:
        h, w = self.size
        b, c = self.opacity.shape
        pts = self.curves()
        ink = soften(splat(pts.reshape(b * c, -1, 2), h, w), self.width).view(b, c, 1, h, w)
        alpha = torch.sigmoid(self.opacity)[..., None, None, None] * (1 - torch.exp(-3 * ink))
        colour = torch.sigmoid(self.colour)[..., None, None]
        image = self.paper.expand(b, 3, h, w)
        for i in range(c):  # paint curves back to front
            image = image * (1 - alpha[:, i]) + colour[:, i] * alpha[:, i]
        return image

    def constrain(self) -> None:
        with torch.no_grad():
            self.centre.clamp_(-1, 1)
            self.amplitude.clamp_(-1, 1)
# --8<-- [end:generator]

    # --8<-- [start:export]
    def export(self, folder: Path, stem: str = "final", print_size: int | None = None) -> list[Path]:
        """Write ``<stem>.svg``: one polyline per curve, the vector twin of the PNG."""
        h, w = self.size
        with torch.no_grad():
            pts = self.curves().cpu()
            colour = (torch.sigmoid(self.colour) * 255).round().int().cpu()
            opacity = torch.sigmoid(self.opacity).cpu()
        paper = "rgb({},{},{})".format(*(int(round(float(v) * 255)) for v in self.paper.flatten()))
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
                 f'<rect width="{w}" height="{h}" fill="{paper}"/>']
        for i in range(pts.shape[1]):  # the first image of the batch
            xy = " ".join(f"{x + 0.5:.2f},{y + 0.5:.2f}" for x, y in pts[0, i].tolist())
            r, g, b = colour[0, i].tolist()
            parts.append(f'<polyline points="{xy}" fill="none" stroke="rgb({r},{g},{b})" '
                         f'stroke-opacity="{float(opacity[0, i]):.3f}" stroke-width="{2 * self.width:.2f}"/>')
        parts.append("</svg>\n")
        # Written beside the target, then renamed: a crash never leaves half an SVG,
        # and the file gets the usual permissions (the umask's).
        return [write_atomic(Path(folder) / f"{stem}.svg", "\n".join(parts))]
    # --8<-- [end:export]


# --8<-- [start:config]
class SpirographConfig(GeneratorConfig):
    """Spirograph curves (epicycles) drawn with soft lines; also exported as SVG."""

    type: Literal["spirograph"] = "spirograph"
    batch: int = Field(1, ge=1, le=16, description="Number of drawings optimized together.")
    curves: int = Field(6, ge=1, le=64, description="Number of closed curves in each drawing.")
    wheels: int = Field(3, ge=1, le=8, description="Wheels (epicycles) per curve; more wheels, more loops.")
    points: int = Field(2048, ge=16, le=65536, description="Points sampled along each curve; raise it for big images.")
    width: float = Field(1.0, gt=0.2, le=20, description="Line softness: Gaussian sigma in pixels.")
    background: tuple[float, float, float] = Field((1.0, 0.98, 0.94), description="Paper colour as RGB in [0, 1].")

    def build(self, ctx: BuildContext) -> Generator:
        # ctx.random(salt) is seeded from the run's seed: same seed, same drawing.
        return Spirograph(self, ctx.size, ctx.random(salt=11)).to(ctx.device)
# --8<-- [end:config]


# --8<-- [start:hooks]
@hookimpl
def register_generators(register):
    register(SpirographConfig)


@hookimpl
def register_presets(register):
    register(Path(__file__).parent / "presets")
# --8<-- [end:hooks]
