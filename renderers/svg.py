"""Scenes to SVG 1.1 and back, with a parser that never fetches anything.

Writing is exact up to 3 decimals of a canvas unit and 8 bits per colour
channel. Reading accepts the common subset of SVG that a scene can hold:
``path`` (every command, arcs included), ``rect``, ``circle``, ``ellipse``,
``line``, ``polyline``, ``polygon`` and ``g``, with presentation attributes,
``style``, inheritance and ``transform``. Whatever points outside the
document — ``image``, ``use``, ``xlink:href``, ``url(http…)`` paints,
external entities — is ignored or refused, never followed: the XML is parsed
by defusedxml with entity declarations forbidden.

Painted order in a scene is by kind (rectangles, then blobs, then strokes),
so an SVG that interleaves kinds can come back with a different stacking.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from apophenic.errors import ApophenicError
from apophenic.output import write_atomic  # noqa: F401 - raster.py writes its PNGs with it too
from apophenic.renderers.colors import parse_color, to_hex
from apophenic.renderers.scene import StrokeScene, resample_segments

SVG_NS = "http://www.w3.org/2000/svg"
MAX_SVG_BYTES = 32 * 1024 * 1024
MAX_PRIMITIVES = 20_000
"""Most shapes one SVG may hold; every sub-path of a ``<path>`` counts as one."""
MAX_STROKES = 4_096
"""Most strokes one SVG may hold (the strokes generator's own limit)."""
MAX_SEGMENTS = 64
MAX_DEPTH = 256
"""Deepest nesting of ``<g>``/``<svg>`` read (drawings use a handful; 5,000 exhausted the stack)."""
MAX_COORDINATE = 1e9
"""Largest absolute coordinate after transforms: beyond it float32 tensors lose the drawing."""
_KAPPA = 0.5522847498307936  # cubic control distance for a quarter circle


# == writing =============================================================================

def _num(x: float) -> str:
    text = f"{float(x):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pts(points: np.ndarray) -> str:
    return " ".join(f"{_num(x)} {_num(y)}" for x, y in points)


def _open_path(points: np.ndarray) -> str:
    return f"M{_pts(points[:1])} C" + _pts(points[1:])


def _closed_path(points: np.ndarray) -> str:
    return f"M{_pts(points[:1])} C" + _pts(np.concatenate([points[1:], points[:1]])) + " Z"


def to_svg(scene: StrokeScene, index: int = 0) -> str:
    """The SVG 1.1 text of scene ``index`` of the batch."""
    scene = scene.select(index).detach().to("cpu")
    W, H = scene.width, scene.height
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}" version="1.1" width="{_num(W)}" height="{_num(H)}" viewBox="0 0 {_num(W)} {_num(H)}">',
    ]
    soft = scene.blob_softness[0].numpy()
    if (soft > 0).any():
        out.append("<defs>")
        for i in np.nonzero(soft > 0)[0]:
            out.append(
                f'<filter id="soft-{i}" filterUnits="userSpaceOnUse" x="{_num(-W)}" y="{_num(-H)}" '
                f'width="{_num(3 * W)}" height="{_num(3 * H)}" color-interpolation-filters="sRGB">'
                f'<feGaussianBlur stdDeviation="{_num(soft[i])}"/></filter>'
            )
        out.append("</defs>")
    out.append(f'<rect id="background" x="0" y="0" width="{_num(W)}" height="{_num(H)}" fill="{to_hex(scene.background[0].tolist())}"/>')
    if scene.num_rects:
        out.append('<g id="rectangles">')
        for box, rgba in zip(scene.rect_boxes[0].numpy(), scene.rect_rgba[0].numpy()):
            x0, x1 = sorted((box[0], box[2]))
            y0, y1 = sorted((box[1], box[3]))
            out.append(
                f'<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" height="{_num(y1 - y0)}" '
                f'fill="{to_hex(rgba[:3])}" fill-opacity="{_num(rgba[3])}"/>'
            )
        out.append("</g>")
    if scene.num_blobs:
        out.append('<g id="blobs">')
        for i, (pts, rgba) in enumerate(zip(scene.blob_points[0].numpy(), scene.blob_rgba[0].numpy())):
            blur = f' filter="url(#soft-{i})"' if soft[i] > 0 else ""
            out.append(f'<path d="{_closed_path(pts)}" fill="{to_hex(rgba[:3])}" fill-opacity="{_num(rgba[3])}"{blur}/>')
        out.append("</g>")
    if scene.num_strokes:
        out.append('<g id="strokes" fill="none" stroke-linejoin="round">')
        for pts, width, rgba, rnd in zip(
            scene.stroke_points[0].numpy(), scene.stroke_width[0].numpy(), scene.stroke_rgba[0].numpy(), scene.stroke_round[0].numpy()
        ):
            out.append(
                f'<path d="{_open_path(pts)}" stroke="{to_hex(rgba[:3])}" stroke-opacity="{_num(rgba[3])}" '
                f'stroke-width="{_num(width)}" stroke-linecap="{"round" if rnd else "butt"}"/>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(scene: StrokeScene, path: str | Path, index: int = 0) -> Path:
    """Write scene ``index`` to ``path`` atomically (temporary file, then rename)."""
    return write_atomic(Path(path), to_svg(scene, index).encode("utf-8"))


# == reading =============================================================================

@dataclass
class _Style:
    """Inherited presentation properties."""

    fill: tuple[float, float, float] | None = (0.0, 0.0, 0.0)
    stroke: tuple[float, float, float] | None = None
    fill_opacity: float = 1.0
    stroke_opacity: float = 1.0
    opacity: float = 1.0
    stroke_width: float = 1.0
    linecap: str = "butt"
    filter: str | None = None
    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))


@dataclass
class _Collected:
    strokes: list[tuple[np.ndarray, float, tuple, bool]] = field(default_factory=list)
    blobs: list[tuple[np.ndarray, tuple, float]] = field(default_factory=list)
    rects: list[tuple[tuple[float, float, float, float], tuple]] = field(default_factory=list)
    background: tuple[float, float, float] | None = None

    def count(self) -> int:
        return len(self.strokes) + len(self.blobs) + len(self.rects)


# Elements whose content is never drawn directly, or that point outside the document.
_SKIPPED = {
    "defs", "image", "use", "text", "foreignObject", "script", "style", "pattern", "clipPath", "mask", "symbol",
    "marker", "metadata", "title", "desc", "linearGradient", "radialGradient", "filter", "a", "switch", "font",
}
_INHERITED = ("fill", "stroke", "fill-opacity", "stroke-opacity", "stroke-width", "stroke-linecap")


def read_svg(source: str | Path) -> StrokeScene:
    """Read an SVG file into a batch-of-one :class:`StrokeScene`.

    Raises :class:`ApophenicError` naming the file for anything unreadable,
    malformed, unsupported or unsafe. Nothing outside the file is opened.
    """
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read the SVG file ({exc.strerror or exc})") from None
    if size > MAX_SVG_BYTES:
        raise ApophenicError(f"{path}: SVG file is {size / 1e6:.0f} MB; at most {MAX_SVG_BYTES // 2**20} MB are accepted")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read the SVG file ({exc.strerror or exc})") from None
    return parse_svg(data, source=str(path))


def parse_svg(data: str | bytes, source: str = "<svg>") -> StrokeScene:
    """Parse SVG text into a batch-of-one :class:`StrokeScene` (see :func:`read_svg`)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_SVG_BYTES:
        raise ApophenicError(f"{source}: SVG is {len(data) / 1e6:.0f} MB; at most {MAX_SVG_BYTES // 2**20} MB are accepted")
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ApophenicError(f"{source}: SVG declares entities or external references ({type(exc).__name__}); they are refused because they can read files or URLs") from None
    except SafeET.ParseError as exc:
        raise ApophenicError(f"{source}: not well-formed XML ({exc})") from None
    if _local(root.tag) != "svg":
        raise ApophenicError(f"{source}: the root element is <{_local(root.tag)}>, expected <svg>")
    width, height, origin = _canvas(root, source)
    start = _Style(matrix=np.array([[1.0, 0, -origin[0]], [0, 1.0, -origin[1]], [0, 0, 1]]))
    filters = _filters(root)
    found = _Collected()
    # Overflow to inf/nan is caught by the finiteness checks on every point, as one line;
    # numpy's RuntimeWarnings on the way there would only add lines to stderr.
    with np.errstate(all="ignore"):
        _walk(root, start, found, filters, source, width, height, top=True)
    return _scene(found, width, height, source)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _length(text: str | None, what: str, source: str) -> float | None:
    if text is None:
        return None
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(px|pt|mm|cm|in)?\s*", text)
    if not m:
        raise ApophenicError(f"{source}: {what}={text!r} is not a length; expected a number (optionally px)")
    unit = {"px": 1.0, None: 1.0, "pt": 4 / 3, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}[m.group(2)]
    return float(m.group(1)) * unit


def _canvas(root, source: str) -> tuple[float, float, tuple[float, float]]:
    box = root.get("viewBox")
    if box is not None:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            x, y, w, h = (float(p) for p in parts)
        except ValueError:
            raise ApophenicError(f"{source}: viewBox={box!r}; expected four numbers 'x y width height'") from None
        origin = (x, y)
    else:
        w = _length(root.get("width"), "width", source)
        h = _length(root.get("height"), "height", source)
        if w is None or h is None:
            raise ApophenicError(f"{source}: the <svg> has neither a viewBox nor width and height")
        origin = (0.0, 0.0)
    if not (0 < w <= 1e6 and 0 < h <= 1e6):
        raise ApophenicError(f"{source}: canvas size {w}×{h} is not usable; expected positive sizes up to 1e6")
    return w, h, origin


def _filters(root) -> dict[str, float]:
    """Blur deviation of each ``<filter id>`` made of one feGaussianBlur (document-local only)."""
    out: dict[str, float] = {}
    for el in root.iter():
        if _local(el.tag) != "filter" or not el.get("id"):
            continue
        blurs = [c for c in el if _local(c.tag) == "feGaussianBlur"]
        if blurs:
            try:
                out[el.get("id")] = float(re.split(r"[\s,]+", blurs[0].get("stdDeviation", "0").strip())[0])
            except ValueError:
                continue
    return out


def _properties(el) -> dict[str, str]:
    props = {k: v for k, v in el.attrib.items() if isinstance(k, str) and "}" not in k}
    for decl in (el.get("style") or "").split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            props[name.strip()] = value.strip()
    return props


def _paint(value: str, source: str, where: str) -> tuple[float, float, float] | None:
    value = value.strip()
    if value in ("none", "transparent", ""):
        return None
    if value.startswith("url("):
        # Gradients and patterns are not representable; a fallback colour after the url is.
        fallback = value[value.find(")") + 1 :].strip()
        return _paint(fallback, source, where) if fallback else None
    if value == "currentColor":
        return (0.0, 0.0, 0.0)
    return parse_color(value, f"{source}: {where}")


def _float(value: str, source: str, where: str) -> float:
    try:
        return float(value.strip().rstrip("px").strip())
    except ValueError:
        raise ApophenicError(f"{source}: {where}={value!r} is not a number") from None


def _child_style(style: _Style, el, filters: dict[str, float], source: str) -> _Style:
    props = _properties(el)
    tag = _local(el.tag)
    s = _Style(**{**style.__dict__})
    s.opacity = style.opacity
    s.filter = None  # filters are not inherited
    if "fill" in props:
        s.fill = _paint(props["fill"], source, f"<{tag}> fill")
    if "stroke" in props:
        s.stroke = _paint(props["stroke"], source, f"<{tag}> stroke")
    if "fill-opacity" in props:
        s.fill_opacity = _unit(_float(props["fill-opacity"], source, f"<{tag}> fill-opacity"))
    if "stroke-opacity" in props:
        s.stroke_opacity = _unit(_float(props["stroke-opacity"], source, f"<{tag}> stroke-opacity"))
    if "opacity" in props:
        s.opacity = style.opacity * _unit(_float(props["opacity"], source, f"<{tag}> opacity"))
    if "stroke-width" in props:
        s.stroke_width = max(0.0, _float(props["stroke-width"], source, f"<{tag}> stroke-width"))
    if "stroke-linecap" in props:
        s.linecap = props["stroke-linecap"].strip()
    if "filter" in props:
        m = re.fullmatch(r"\s*url\(\s*#([^)\s]+)\s*\)\s*", props["filter"])
        s.filter = m.group(1) if m and m.group(1) in filters else None
    if "transform" in props:
        s.matrix = style.matrix @ _transform(props["transform"], source)
    return s


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x))


def _transform(text: str, source: str) -> np.ndarray:
    m = np.eye(3)
    pos = 0
    for match in re.finditer(r"\s*,?\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)", text):
        if match.start() != pos:
            break
        pos = match.end()
        name, args = match.group(1), [float(a) for a in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", match.group(2))]
        t = np.eye(3)
        try:
            if name == "matrix":
                a, b, c, d, e, f = args
                t = np.array([[a, c, e], [b, d, f], [0, 0, 1]])
            elif name == "translate":
                t[0, 2], t[1, 2] = args[0], args[1] if len(args) > 1 else 0.0
            elif name == "scale":
                t[0, 0], t[1, 1] = args[0], args[1] if len(args) > 1 else args[0]
            elif name == "rotate":
                r = math.radians(args[0])
                rot = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
                if len(args) == 3:
                    cx, cy = args[1], args[2]
                    rot = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]]) @ rot @ np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
                t = rot
            elif name == "skewX":
                t[0, 1] = math.tan(math.radians(args[0]))
            elif name == "skewY":
                t[1, 0] = math.tan(math.radians(args[0]))
        except (ValueError, IndexError):
            raise ApophenicError(f"{source}: transform={text!r}: wrong number of arguments to {name}") from None
        m = m @ t
    if text[pos:].strip():
        raise ApophenicError(f"{source}: transform={text!r} is not a list of matrix/translate/scale/rotate/skew")
    return m


def _walk(el, style: _Style, found: _Collected, filters: dict[str, float], source: str, W: float, H: float, top: bool = False, level: int = 0) -> None:
    if level > MAX_DEPTH:
        raise ApophenicError(f"{source}: groups nest deeper than {MAX_DEPTH} levels")
    for child in el:
        tag = _local(child.tag)
        if tag in _SKIPPED or not tag:
            continue  # never followed: that is where hrefs and external resources live
        s = _child_style(style, child, filters, source)
        if tag in ("g", "svg"):
            _walk(child, s, found, filters, source, W, H, level=level + 1)
            continue
        subpaths = _geometry(child, tag, source)
        if subpaths is None:
            continue
        _add(child, tag, subpaths, s, found, filters, source, W, H, top)
        # counted after every element, sub-paths included, before any tensor is built
        if found.count() > MAX_PRIMITIVES:
            raise ApophenicError(f"{source}: more than {MAX_PRIMITIVES} shapes (each sub-path counts); this is not a drawing the renderer can optimize")
        if len(found.strokes) > MAX_STROKES:
            raise ApophenicError(f"{source}: more than {MAX_STROKES} strokes (each stroked sub-path counts); this is not a drawing the renderer can optimize")


def _add(el, tag, geometry, s: _Style, found: _Collected, filters, source, W, H, top) -> None:
    mat = s.matrix
    scale = math.sqrt(abs(np.linalg.det(mat[:2, :2])))
    blur = filters.get(s.filter, 0.0) * scale if s.filter else 0.0
    if not (math.isfinite(blur) and math.isfinite(scale)):
        raise ApophenicError(f"{source}: a <{tag}> has a transform or blur that is not finite")
    stroke = (*s.stroke, s.stroke_opacity * s.opacity) if s.stroke is not None and s.stroke_width > 0 else None
    if tag == "rect":
        segs, (x0, y0, x1, y1) = geometry
        if s.fill is not None:
            fill = (*s.fill, s.fill_opacity * s.opacity)
            p = _finite_points(_apply(mat, np.array([[x0, y0], [x1, y1]])), source, tag)
            box = (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max()))
            covers = box[0] <= 1e-6 and box[1] <= 1e-6 and box[2] >= W - 1e-6 and box[3] >= H - 1e-6
            first = el.get("id") == "background" or (top and found.count() == 0)
            if abs(mat[0, 1]) > 1e-9 or abs(mat[1, 0]) > 1e-9 or blur > 0:
                found.blobs.append((_apply(mat, _rect_loop(x0, y0, x1, y1))[:-1], fill, blur))
            elif first and covers and fill[3] >= 1.0 and found.background is None:
                found.background = s.fill
            else:
                found.rects.append((box, fill))
        if stroke is not None:
            found.strokes.append((_finite_points(_apply(mat, _rect_loop(x0, y0, x1, y1)), source, tag), _finite_width(s.stroke_width * scale, source, tag), stroke, s.linecap != "butt"))
        return
    for segs, _closed in geometry:
        if not segs:
            continue
        if len(segs) > MAX_SEGMENTS:
            raise ApophenicError(f"{source}: a <{tag}> has a sub-path of {len(segs)} curve segments; at most {MAX_SEGMENTS} are supported")
        pts = _finite_points(_apply(mat, np.concatenate([segs[0][:1]] + [seg[1:] for seg in segs])), source, tag)
        if s.fill is not None and tag != "line":
            loop = pts if np.allclose(pts[0], pts[-1]) else np.concatenate([pts, _line(pts[-1], pts[0])[1:]])
            if _area(loop) > 1e-3:  # a fill with no inside (a stroked line's default black fill) draws nothing
                found.blobs.append((loop[:-1], (*s.fill, s.fill_opacity * s.opacity), blur))
        if stroke is not None:
            found.strokes.append((pts, _finite_width(s.stroke_width * scale, source, tag), stroke, s.linecap != "butt"))


def _finite_points(pts: np.ndarray, source: str, tag: str) -> np.ndarray:
    # 1e400 parses as inf, and 1e300 scaled by a transform overflows: either ran for a minute
    # and then failed inside autograd, so it is refused while reading.
    with np.errstate(all="ignore"):
        ok = bool(np.isfinite(pts).all()) and float(np.abs(pts).max()) <= MAX_COORDINATE
    if not ok:
        raise ApophenicError(f"{source}: a <{tag}> has a coordinate that is not finite or beyond ±{MAX_COORDINATE:g} after transforms")
    return pts


def _finite_width(width: float, source: str, tag: str) -> float:
    if not math.isfinite(width) or width > MAX_COORDINATE:
        raise ApophenicError(f"{source}: a <{tag}> has a stroke width that is not finite or beyond {MAX_COORDINATE:g} after transforms")
    return width


def _area(loop: np.ndarray) -> float:
    """Area enclosed by a closed control polygon (a fine proxy for the curve's)."""
    x, y = loop[:, 0], loop[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def _apply(mat: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ mat[:2, :2].T + mat[:2, 2]


def _line(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.stack([p, p + (q - p) / 3, p + 2 * (q - p) / 3, q])


def _rect_loop(x0, y0, x1, y1) -> np.ndarray:
    corners = [np.array(c, float) for c in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    return np.concatenate([corners[0][None]] + [_line(corners[i], corners[i + 1])[1:] for i in range(4)])


def _segments_of(points: np.ndarray) -> list[np.ndarray]:
    return [points[3 * j : 3 * j + 4] for j in range((len(points) - 1) // 3)]


def _ellipse_loop(cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    k = _KAPPA
    unit = np.array([
        [1, 0], [1, k], [k, 1], [0, 1], [-k, 1], [-1, k], [-1, 0], [-1, -k], [-k, -1], [0, -1], [k, -1], [1, -k], [1, 0],
    ], float)
    return unit * [rx, ry] + [cx, cy]


def _attr(el, name: str, source: str, default: float | None = 0.0) -> float:
    value = el.get(name)
    if value is None:
        if default is None:
            raise ApophenicError(f"{source}: <{_local(el.tag)}> needs a {name!r} attribute")
        return default
    length = _length(value, f"<{_local(el.tag)}> {name}", source)
    return float(length)


def _geometry(el, tag: str, source: str):
    """Sub-paths as (list of cubic segments 4×2, closed) in the element's own coordinates."""
    if tag == "path":
        return parse_path(el.get("d") or "", source)
    if tag == "rect":
        x, y = _attr(el, "x", source), _attr(el, "y", source)
        w, h = _attr(el, "width", source), _attr(el, "height", source)
        if w <= 0 or h <= 0:
            return None
        # rectangles keep their box; strokes around them come back as closed paths
        return (_segments_of(_rect_loop(x, y, x + w, y + h)), (x, y, x + w, y + h))
    if tag in ("circle", "ellipse"):
        cx, cy = _attr(el, "cx", source), _attr(el, "cy", source)
        if tag == "circle":
            rx = ry = _attr(el, "r", source)
        else:
            rx, ry = _attr(el, "rx", source), _attr(el, "ry", source)
        if rx <= 0 or ry <= 0:
            return None
        return [(_segments_of(_ellipse_loop(cx, cy, rx, ry)), True)]
    if tag == "line":
        p = np.array([_attr(el, "x1", source), _attr(el, "y1", source)])
        q = np.array([_attr(el, "x2", source), _attr(el, "y2", source)])
        return [([_line(p, q)], False)]
    if tag in ("polyline", "polygon"):
        nums = [float(v) for v in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", el.get("points") or "")]
        pts = np.array(nums[: len(nums) // 2 * 2], float).reshape(-1, 2)
        if len(pts) < 2:
            return None
        if tag == "polygon":
            pts = np.concatenate([pts, pts[:1]])
        return [([_line(pts[i], pts[i + 1]) for i in range(len(pts) - 1)], tag == "polygon")]
    return None


# -- path data ----------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SEP = re.compile(r"[\s,]*")


class _Scanner:
    def __init__(self, text: str, source: str) -> None:
        self.text, self.pos, self.source = text, 0, source

    def skip(self) -> None:
        self.pos = _SEP.match(self.text, self.pos).end()

    def done(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def command(self) -> str | None:
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] in "MmLlHhVvCcSsQqTtAaZz":
            self.pos += 1
            return self.text[self.pos - 1]
        return None

    def has_number(self) -> bool:
        self.skip()
        return bool(_NUMBER.match(self.text, self.pos))

    def number(self) -> float:
        self.skip()
        m = _NUMBER.match(self.text, self.pos)
        if not m:
            near = self.text[self.pos : self.pos + 12]
            raise ApophenicError(f"{self.source}: path data: expected a number at {near!r} (position {self.pos})")
        self.pos = m.end()
        return float(m.group())

    def flag(self) -> bool:
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] in "01":
            self.pos += 1
            return self.text[self.pos - 1] == "1"
        raise ApophenicError(f"{self.source}: path data: expected an arc flag 0 or 1 at position {self.pos}")

    def point(self, rel: bool, cur: np.ndarray) -> np.ndarray:
        p = np.array([self.number(), self.number()])
        return p + cur if rel else p


def parse_path(d: str, source: str = "<path>") -> list[tuple[list[np.ndarray], bool]]:
    """SVG path data -> sub-paths of cubic segments (each ``4×2``) and whether each is closed."""
    sc = _Scanner(d, source)
    paths: list[tuple[list[np.ndarray], bool]] = []
    segs: list[np.ndarray] = []
    cur = start = np.zeros(2)
    last_ctrl: np.ndarray | None = None
    last_quad: np.ndarray | None = None
    cmd: str | None = None
    while not sc.done():
        nxt = sc.command()
        if nxt is None:
            if cmd is None or cmd in "Zz":
                raise ApophenicError(f"{source}: path data must start with a command (M), got {d[sc.pos : sc.pos + 12]!r}")
            nxt = {"M": "L", "m": "l"}.get(cmd, cmd)  # repeated arguments
        cmd = nxt
        rel, op = cmd.islower(), cmd.upper()
        ctrl, quad = None, None
        if len(paths) > MAX_PRIMITIVES:
            raise ApophenicError(f"{source}: a path has more than {MAX_PRIMITIVES} sub-paths; at most {MAX_PRIMITIVES} shapes are supported")
        if op == "M":
            if segs:
                paths.append((segs, False))
            segs = []
            cur = start = sc.point(rel, cur)
        elif op == "Z":
            if segs and not np.allclose(cur, start):
                segs.append(_line(cur, start))
            if segs:
                paths.append((segs, True))
            segs, cur = [], start
        elif op in "LHV":
            if op == "L":
                p = sc.point(rel, cur)
            elif op == "H":
                x = sc.number()
                p = np.array([x + cur[0] if rel else x, cur[1]])
            else:
                y = sc.number()
                p = np.array([cur[0], y + cur[1] if rel else y])
            segs.append(_line(cur, p))
            cur = p
        elif op == "C":
            c1, c2, p = sc.point(rel, cur), sc.point(rel, cur), sc.point(rel, cur)
            segs.append(np.stack([cur, c1, c2, p]))
            cur, ctrl = p, c2
        elif op == "S":
            c1 = 2 * cur - last_ctrl if last_ctrl is not None else cur
            c2, p = sc.point(rel, cur), sc.point(rel, cur)
            segs.append(np.stack([cur, c1, c2, p]))
            cur, ctrl = p, c2
        elif op in "QT":
            q = sc.point(rel, cur) if op == "Q" else (2 * cur - last_quad if last_quad is not None else cur)
            p = sc.point(rel, cur)
            segs.append(np.stack([cur, cur + 2 / 3 * (q - cur), p + 2 / 3 * (q - p), p]))
            cur, quad = p, q
        elif op == "A":
            rx, ry, rot = abs(sc.number()), abs(sc.number()), sc.number()
            large, sweep = sc.flag(), sc.flag()
            p = sc.point(rel, cur)
            segs.extend(_arc(cur, p, rx, ry, rot, large, sweep))
            cur = p
        last_ctrl, last_quad = ctrl, quad
        if len(segs) > MAX_SEGMENTS * 4:
            raise ApophenicError(f"{source}: a path has more than {MAX_SEGMENTS} curve segments in one sub-path")
    if segs:
        paths.append((segs, False))
    return paths


def _arc(p0, p1, rx, ry, phi_deg, large, sweep) -> list[np.ndarray]:
    """Elliptical arc (SVG endpoint parameterization) as cubic segments of at most 90°."""
    if np.allclose(p0, p1):
        return []
    if rx == 0 or ry == 0:
        return [_line(p0, p1)]
    phi = math.radians(phi_deg)
    cos, sin = math.cos(phi), math.sin(phi)
    dx, dy = (p0 - p1) / 2
    x1 = cos * dx + sin * dy
    y1 = -sin * dx + cos * dy
    lam = x1 * x1 / (rx * rx) + y1 * y1 / (ry * ry)
    if lam > 1:
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
    den = rx * rx * y1 * y1 + ry * ry * x1 * x1
    coef = math.sqrt(max(0.0, num / den)) if den else 0.0
    if large == sweep:
        coef = -coef
    cx1, cy1 = coef * rx * y1 / ry, -coef * ry * x1 / rx
    cx = cos * cx1 - sin * cy1 + (p0[0] + p1[0]) / 2
    cy = sin * cx1 + cos * cy1 + (p0[1] + p1[1]) / 2

    def angle(ux, uy, vx, vy):
        return math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)

    t1 = angle(1, 0, (x1 - cx1) / rx, (y1 - cy1) / ry)
    dt = angle((x1 - cx1) / rx, (y1 - cy1) / ry, (-x1 - cx1) / rx, (-y1 - cy1) / ry)
    if not sweep and dt > 0:
        dt -= 2 * math.pi
    elif sweep and dt < 0:
        dt += 2 * math.pi
    n = max(1, math.ceil(abs(dt) / (math.pi / 2) - 1e-9))
    step = dt / n
    k = 4 / 3 * math.tan(step / 4)
    out = []

    def at(t):
        x, y = rx * math.cos(t), ry * math.sin(t)
        return np.array([cos * x - sin * y + cx, sin * x + cos * y + cy])

    def tangent(t):
        x, y = -rx * math.sin(t), ry * math.cos(t)
        return np.array([cos * x - sin * y, sin * x + cos * y])

    start = p0
    for i in range(n):
        a, b = t1 + i * step, t1 + (i + 1) * step
        end = p1 if i == n - 1 else at(b)
        out.append(np.stack([start, start + k * tangent(a), end - k * tangent(b), end]))
        start = end
    return out


# -- assembling the scene -------------------------------------------------------------------

def _scene(found: _Collected, W: float, H: float, source: str) -> StrokeScene:
    if found.count() == 0:
        raise ApophenicError(f"{source}: the SVG draws nothing the renderer can hold (paths, rects, circles, ellipses, lines, polygons)")
    scene = StrokeScene.empty(W, H, background=found.background or (1.0, 1.0, 1.0))
    f32 = torch.float32
    if found.strokes:
        k = max((len(p) - 1) // 3 for p, *_ in found.strokes)
        pts = resample_segments([torch.tensor(p, dtype=torch.float64) for p, *_ in found.strokes], k, closed=False)
        scene.stroke_points = torch.stack(pts).to(f32)[None]
        scene.stroke_width = torch.tensor([[w for _, w, _, _ in found.strokes]], dtype=f32)
        scene.stroke_rgba = torch.tensor([[c for _, _, c, _ in found.strokes]], dtype=f32)
        scene.stroke_round = torch.tensor([[r for *_, r in found.strokes]], dtype=torch.bool)
    if found.blobs:
        m = max(len(p) // 3 for p, *_ in found.blobs)
        pts = resample_segments([torch.tensor(p, dtype=torch.float64) for p, *_ in found.blobs], m, closed=True)
        scene.blob_points = torch.stack(pts).to(f32)[None]
        scene.blob_rgba = torch.tensor([[c for _, c, _ in found.blobs]], dtype=f32)
        scene.blob_softness = torch.tensor([[s for *_, s in found.blobs]], dtype=f32)
    if found.rects:
        scene.rect_boxes = torch.tensor([[b for b, _ in found.rects]], dtype=f32)
        scene.rect_rgba = torch.tensor([[c for _, c in found.rects]], dtype=f32)
    return scene.validate()
