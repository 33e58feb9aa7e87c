"""Print-resolution rasters of a scene's SVG, by skia-python or cairosvg.

Both back ends render the SVG that :func:`apophenic.renderers.svg.to_svg`
writes. SVG text that holds only what ``to_svg`` writes (checked element by
element and attribute by attribute) goes to the back end as it is; other SVG
text is first read by the safe parser and written again, so the text a back
end sees holds nothing but shapes: no hrefs, no entities, no external paints. cairosvg is also called with ``unsafe=False``
and a ``url_fetcher`` that refuses every URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from apophenic.errors import ApophenicError
from apophenic.renderers.scene import StrokeScene
from apophenic.renderers.svg import MAX_SVG_BYTES, SVG_NS, parse_svg, to_svg, write_atomic

#: Longest side, in pixels, of a print raster (the run config's ``output.print_size`` limit).
MAX_PRINT_SIDE = 20_000
Backend = Literal["skia", "cairosvg"]


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"external resources are not fetched: {url}")


def print_shape(scene: StrokeScene, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(H, W)`` for a long side (int), an explicit ``(H, W)``, or None (the canvas size)."""
    return _shape(scene.width, scene.height, size)


def _shape(width: float, height: float, size: int | tuple[int, int] | None) -> tuple[int, int]:
    if size is None:
        h, w = round(height), round(width)
    elif isinstance(size, int) and not isinstance(size, bool):
        scale = size / max(width, height)
        h, w = round(height * scale), round(width * scale)
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        h, w = int(size[0]), int(size[1])
    else:
        raise ApophenicError(f"print size {size!r}: expected a long side in pixels or (height, width)")
    if not (1 <= h <= MAX_PRINT_SIDE and 1 <= w <= MAX_PRINT_SIDE):
        raise ApophenicError(f"print size {size!r} gives {w}×{h} pixels; each side must be between 1 and {MAX_PRINT_SIDE}")
    return max(1, h), max(1, w)


# What :func:`to_svg` writes, and nothing else: SVG text made only of these goes to the back
# end as it is; anything else is read by the safe parser and written again first.
_OWN_ELEMENTS = {"svg", "defs", "filter", "feGaussianBlur", "g", "rect", "path"}
_OWN_ATTRIBUTES = {
    "version", "width", "height", "viewBox", "id", "x", "y", "filterUnits", "color-interpolation-filters",
    "stdDeviation", "fill", "fill-opacity", "filter", "d", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap",
    "stroke-linejoin",
}
_LOCAL_FILTER = re.compile(r"url\(#soft-\d+\)")
_VIEWBOX = re.compile(r"0 0 ([0-9.]+) ([0-9.]+)")


def _own_svg(data: bytes) -> tuple[float, float] | None:
    """Canvas size if ``data`` holds only what :func:`to_svg` writes (so a back end may read it as is), else None.

    The check parses with defusedxml (no DTD, no entities) and allows a fixed set of
    elements and attributes, with no ``url(...)`` other than our own ``#soft-N`` blur filters.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SafeET.ParseError):
        return None
    prefix = f"{{{SVG_NS}}}"
    if root.tag != prefix + "svg":
        return None
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or not tag.startswith(prefix) or tag[len(prefix):] not in _OWN_ELEMENTS:
            return None
        for name, value in el.attrib.items():
            if name not in _OWN_ATTRIBUTES or ("url(" in value and not (name == "filter" and _LOCAL_FILTER.fullmatch(value))):
                return None
        if (el.text and el.text.strip()) or (el.tail and el.tail.strip()):
            return None
    box = _VIEWBOX.fullmatch(root.get("viewBox") or "")
    if box is None:
        return None
    width, height = float(box.group(1)), float(box.group(2))
    if not (0 < width <= 1e6 and 0 < height <= 1e6):
        return None
    return width, height


def _svg_of(source: StrokeScene | str | bytes, index: int) -> tuple[str | bytes, float, float]:
    """SVG text a back end may read, and the canvas size.

    A scene is written by :func:`to_svg`. SVG text that holds only what ``to_svg``
    writes is passed on as it is; other text is read by the safe parser and
    written again (about 3× skia's own time for 256 strokes).
    """
    if isinstance(source, StrokeScene):
        return to_svg(source, index), source.width, source.height
    data = source.encode("utf-8") if isinstance(source, str) else source
    own = _own_svg(data) if len(data) <= MAX_SVG_BYTES else None
    if own is not None:
        return data, own[0], own[1]
    scene = parse_svg(data)
    return to_svg(scene, index), scene.width, scene.height


def render_skia(source: StrokeScene | str | bytes, size: int | tuple[int, int] | None = None, index: int = 0) -> np.ndarray:
    """``H×W×3`` uint8 raster of a scene (or SVG text) drawn by skia's SVG renderer."""
    import skia

    text, width, height = _svg_of(source, index)
    h, w = _shape(width, height, size)
    data = text.encode("utf-8") if isinstance(text, str) else text
    # copyData=True: without it skia keeps a pointer into the bytes object, which Python may
    # free before parsing -- an intermittent "could not read" that only shows in long runs.
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(data, True))
    if dom is None:  # pragma: no cover - our own SVG always parses
        raise ApophenicError("skia could not read the SVG")
    surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(w, h, skia.kRGBA_8888_ColorType, skia.kPremul_AlphaType))
    if surface is None:
        raise ApophenicError(f"skia could not allocate a {w}×{h} raster")
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    canvas.scale(w / width, h / height)
    dom.setContainerSize(skia.Size(width, height))
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

    text, width, height = _svg_of(source, index)
    h, w = _shape(width, height, size)
    # svg2png does not pass url_fetcher on; the surface's convert hands it to the parser.
    png = PNGSurface.convert(
        bytestring=text.encode("utf-8") if isinstance(text, str) else text, output_width=w, output_height=h, unsafe=False, url_fetcher=_refuse, background_color="white"
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
