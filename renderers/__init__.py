"""Differentiable stroke/blob rendering, SVG export and print-resolution rasterization.

- :class:`StrokeScene` — the primitives, every parameter a tensor (``scene``);
- :func:`rasterize` — tiled, culled, differentiable raster ``B×3×H×W`` (``rasterize``);
- :func:`to_svg` / :func:`write_svg` / :func:`read_svg` / :func:`parse_svg` — exact
  vector export and a safe reader (``svg``);
- :func:`render_svg` (``skia`` or ``cairosvg``) — print rasters of that SVG (``raster``);
- :func:`rasterize_naive` — the every-primitive-at-every-pixel reference (``naive``).
"""

from apophenic.renderers.rasterize import rasterize
from apophenic.renderers.scene import StrokeScene
from apophenic.renderers.svg import parse_svg, read_svg, to_svg, write_svg

__all__ = ["StrokeScene", "parse_svg", "rasterize", "read_svg", "to_svg", "write_svg"]
