"""The unit's activation histogram by class (Radford et al. 2017, Figure 4), drawn with skia."""

from __future__ import annotations

import numpy as np
import skia
from apophenic.plugins.sentiment.card import encode_png, typeface


def histogram_png(values: np.ndarray, labels: np.ndarray, class_names: list[str], title: str,
                  threshold: float | None = None, bins: int = 40, width: int = 900, height: int = 520,
                  xlabel: str = "unit value (cell state after the last character)") -> bytes:
    """Overlaid histograms of one unit's values for the two classes (negative red, positive green)."""
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    counts = [np.histogram(values[labels == k], edges)[0] for k in (0, 1)]
    peak = max(1, max(int(c.max()) for c in counts))
    left, right, top, bottom = 70, 30, 100, 70
    pw, ph = width - left - right, height - top - bottom
    surface = skia.Surface(width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    face = typeface("DejaVu Sans")
    font, small = skia.Font(face, 18), skia.Font(face, 14)
    paint = skia.Paint(AntiAlias=True)
    colors = [skia.Color4f(0.75, 0.22, 0.17, 0.55), skia.Color4f(0.12, 0.48, 0.30, 0.55)]
    bw = pw / bins
    for k in (0, 1):
        paint.setColor4f(colors[k])
        for b, n in enumerate(counts[k]):
            h = ph * n / peak
            canvas.drawRect(skia.Rect.MakeXYWH(left + b * bw, top + ph - h, bw - 1, h), paint)
    paint.setColor(skia.ColorBLACK)
    paint.setStrokeWidth(1.5)
    canvas.drawLine(left, top + ph, left + pw, top + ph, paint)
    canvas.drawLine(left, top, left, top + ph, paint)
    canvas.drawString(title, left, 35, font, paint)
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + frac * pw
        canvas.drawLine(x, top + ph, x, top + ph + 6, paint)
        label = f"{lo + frac * (hi - lo):.2f}"
        canvas.drawString(label, x - small.measureText(label) / 2, top + ph + 24, small, paint)
    canvas.drawString(f"{peak}", left - 8 - small.measureText(f"{peak}"), top + 10, small, paint)
    canvas.drawString(xlabel, left + pw / 2 - small.measureText(xlabel) / 2, height - 15, small, paint)
    if threshold is not None and lo <= threshold <= hi:
        x = left + (threshold - lo) / (hi - lo) * pw
        paint.setColor(skia.Color(60, 60, 60))
        canvas.drawLine(x, top, x, top + ph, paint)
        canvas.drawString("threshold", x + 4, top + 14, small, paint)
    for k in (0, 1):
        paint.setColor4f(colors[k])
        canvas.drawRect(skia.Rect.MakeXYWH(width - 220, 50 + 22 * k, 16, 16), paint)
        paint.setColor(skia.ColorBLACK)
        canvas.drawString(f"{class_names[k]} (n={int((labels == k).sum())})", width - 198, 64 + 22 * k, small, paint)
    return encode_png(surface)
