"""Figure 6 of the seed: the four words of an analogy projected to 2-D (PCA), with the
difference vectors B − A and D − C drawn as arrows (parallel when the analogy holds)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.files import write_atomic

WIDTH, HEIGHT, MARGIN = 640, 480, 70
ARROW = "#c0392b"   # the relation B − A and its copy D − C
LINK = "#7f8c8d"    # the other pair of sides, A → C and B → D
POINT = "#2c3e50"


def project(vectors: np.ndarray) -> np.ndarray:
    """Rows projected on their top two principal components (centred), ``n × 2``."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    xy = x @ vt[:2].T
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]))])
    # a fixed orientation so the same analogy always looks the same: A left of B, A above C
    if xy[1, 0] < xy[0, 0]:
        xy[:, 0] *= -1
    if xy[2, 1] < xy[0, 1]:
        xy[:, 1] *= -1
    return xy


def _to_canvas(xy: np.ndarray) -> np.ndarray:
    lo, hi = xy.min(0), xy.max(0)
    span = max(float((hi - lo).max()), 1e-9)
    scale = min((WIDTH - 2 * MARGIN), (HEIGHT - 2 * MARGIN - 30)) / span
    centre = (lo + hi) / 2
    out = (xy - centre) * scale
    out[:, 1] *= -1  # SVG y grows downwards
    return out + np.array([WIDTH / 2, HEIGHT / 2 + 15])


def _arrow(p: np.ndarray, q: np.ndarray, colour: str, dashed: bool = False) -> str:
    d = q - p
    length = float(np.hypot(*d))
    if length < 1e-6:
        return ""
    u = d / length
    end = q - u * 9  # stop short of the dot
    head = [end, end - u * 12 + np.array([-u[1], u[0]]) * 5, end - u * 12 - np.array([-u[1], u[0]]) * 5]
    dash = ' stroke-dasharray="6 5"' if dashed else ""
    shaft_end = end - u * 10
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in head)
    return (
        f'<line x1="{p[0] + u[0] * 9:.1f}" y1="{p[1] + u[1] * 9:.1f}" x2="{shaft_end[0]:.1f}" y2="{shaft_end[1]:.1f}" '
        f'stroke="{colour}" stroke-width="{1.5 if dashed else 2.5}"{dash}/>\n'
        f'<polygon points="{pts}" fill="{colour}"/>\n'
    )


def analogy_svg(words: list[str], vectors: np.ndarray, title: str | None = None) -> str:
    """SVG text for the four words ``A, B, C, D`` and their unit vectors (``4 × dim``)."""
    if len(words) != 4 or len(vectors) != 4:
        raise ApophenicError(f"an analogy figure needs four words, got {len(words)}")
    pts = _to_canvas(project(vectors))
    a, b, c, d = pts
    title = title or f"{words[0]} : {words[1]} :: {words[2]} : {words[3]}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>\n',
        f'<text x="{WIDTH / 2}" y="34" font-size="22" text-anchor="middle" fill="{POINT}">{escape(title)}</text>\n',
        _arrow(a, c, LINK, dashed=True),
        _arrow(b, d, LINK, dashed=True),
        _arrow(a, b, ARROW),
        _arrow(c, d, ARROW),
    ]
    centre = pts.mean(0)
    for i, (word, p) in enumerate(zip(words, pts)):
        fill = "white" if i == 3 else POINT  # the answer is an open dot
        parts.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="6" fill="{fill}" stroke="{POINT}" stroke-width="2"/>\n')
        away = p - centre
        away = away / max(float(np.hypot(*away)), 1e-6)
        lx, ly = p + away * 22 + np.array([0, 6])
        anchor = "start" if away[0] > 0.35 else "end" if away[0] < -0.35 else "middle"
        weight = ' font-style="italic"' if i == 3 else ""
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="18" text-anchor="{anchor}" fill="{POINT}"{weight}>{escape(word)}</text>\n'
        )
    parts.append(
        f'<text x="{WIDTH - 12}" y="{HEIGHT - 12}" font-size="12" text-anchor="end" fill="{LINK}">'
        "PCA of the four word vectors; red arrows: B − A and D − C</text>\n</svg>\n"
    )
    return "".join(parts)


def write_figure(svg: str, out: Path) -> list[Path]:
    """Write ``out`` as ``.svg`` or ``.png`` (rasterized with CairoSVG), atomically."""
    suffix = out.suffix.lower()
    if suffix == ".svg":
        return [write_atomic(out, svg.encode("utf-8"))]
    if suffix == ".png":
        import cairosvg

        return [write_atomic(out, cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=WIDTH * 2))]
    raise ApophenicError(f"{out}: expected a .svg or .png file name")
