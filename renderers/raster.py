"""Print-resolution rasters of a scene's SVG, by skia-python or cairosvg.

Both back ends render the SVG that :func:`apophenic.renderers.svg.to_svg`
writes. SVG text from elsewhere is first read by the safe parser and written
again, so the text a back end sees holds nothing but shapes: no hrefs, no
entities, no external paints. cairosvg is also called with ``unsafe=False``
and a ``url_fetcher`` that refuses every URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from apophenic.errors import ApophenicError
from apophenic.renderers.scene import StrokeScene
from apophenic.renderers.svg import parse_svg, to_svg, write_atomic

#: Longest side, in pixels, of a print raster (the run config's ``output.print_size`` limit).
MAX_PRINT_SIDE = 20_000
Backend = Literal["skia", "cairosvg"]


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"external resources are not fetched: {url}")


def print_shape(scene: StrokeScene, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(H, W)`` for a long side (int), an explicit ``(H, W)``, or None (the canvas size)."""
    if size is None:
        h, w = round(scene.height), round(scene.width)
    elif isinstance(size, int) and not isinstance(size, bool):
        scale = size / max(scene.width, scene.height)
        h, w = round(scene.height * scale), round(scene.width * scale)
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        h, w = int(size[0]), int(size[1])
    else:
        raise ApophenicError(f"print size {size!r}: expected a long side in pixels or (height, width)")
    if not (1 <= h <= MAX_PRINT_SIDE and 1 <= w <= MAX_PRINT_SIDE):
        raise ApophenicError(f"print size {size!r} gives {w}×{h} pixels; each side must be between 1 and {MAX_PRINT_SIDE}")
    return max(1, h), max(1, w)


def _svg_of(source: StrokeScene | str | bytes, index: int) -> tuple[str, StrokeScene]:
    scene = source if isinstance(source, StrokeScene) else parse_svg(source)
    return to_svg(scene, index), scene


def render_skia(source: StrokeScene | str | bytes, size: int | tuple[int, int] | None = None, index: int = 0) -> np.ndarray:
    """``H×W×3`` uint8 raster of a scene (or SVG text) drawn by skia's SVG renderer."""
    import skia

    text, scene = _svg_of(source, index)
    h, w = print_shape(scene, size)
    # copyData=True: without it skia keeps a pointer into the bytes object, which Python may
    # free before parsing -- an intermittent "could not read" that only shows in long runs.
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(text.encode("utf-8"), True))
    if dom is None:  # pragma: no cover - our own SVG always parses
        raise ApophenicError("skia could not read the SVG")
    surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(w, h, skia.kRGBA_8888_ColorType, skia.kPremul_AlphaType))
    if surface is None:
        raise ApophenicError(f"skia could not allocate a {w}×{h} raster")
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    canvas.scale(w / scene.width, h / scene.height)
    dom.setContainerSize(skia.Size(scene.width, scene.height))
    dom.render(canvas)
    rgba = surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
    return np.ascontiguousarray(rgba[..., :3])


def render_cairo(source: StrokeScene | str | bytes, size: int | tuple[int, int] | None = None, index: int = 0) -> np.ndarray:
    """``H×W×3`` uint8 raster of a scene (or SVG text) drawn by cairosvg.

    cairosvg ignores ``feGaussianBlur``, so soft blob edges come out hard.
    """
    import io

    from cairosvg.surface import PNGSurface
    from PIL import Image

    text, scene = _svg_of(source, index)
    h, w = print_shape(scene, size)
    # svg2png does not pass url_fetcher on; the surface's convert hands it to the parser.
    png = PNGSurface.convert(
        bytestring=text.encode("utf-8"), output_width=w, output_height=h, unsafe=False, url_fetcher=_refuse, background_color="white"
    )
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def render_svg(source: StrokeScene | str | bytes, size: int | tuple[int, int] | None = None, backend: Backend = "skia", index: int = 0) -> np.ndarray:
    """``H×W×3`` uint8 raster by the named back end."""
    if backend == "skia":
        return render_skia(source, size, index)
    if backend == "cairosvg":
        return render_cairo(source, size, index)
    raise ApophenicError(f"unknown raster back end {backend!r}; expected 'skia' or 'cairosvg'")


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write an ``H×W×3`` uint8 array as PNG, atomically."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return write_atomic(Path(path), buf.getvalue())
