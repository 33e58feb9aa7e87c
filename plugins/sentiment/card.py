"""Typeset text with skia: each character coloured by the sentiment unit's value.

Used for the image cards of generated reviews and for the probe's
per-character traces (the model "changing its mind" as it reads).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import skia
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.configs import CardConfig


def parse_color(text: str, key: str) -> tuple[int, int, int]:
    """``#rrggbb`` -> (r, g, b)."""
    t = text.strip().lstrip("#")
    if len(t) != 6:
        raise ApophenicError(f"{key}: colour {text!r} is not #rrggbb")
    try:
        return int(t[0:2], 16), int(t[2:4], 16), int(t[4:6], 16)
    except ValueError:
        raise ApophenicError(f"{key}: colour {text!r} is not #rrggbb") from None


@dataclass(frozen=True)
class Scale:
    """Maps a unit value to [-1, 1]: ``(value - neutral) / spread``, with the positive direction ``sign``."""

    neutral: float
    spread: float
    sign: int = 1

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.clip(self.sign * (np.asarray(values, dtype=np.float64) - self.neutral) / max(self.spread, 1e-9), -1, 1)


def char_colors(t: np.ndarray, config: CardConfig) -> list[tuple[int, int, int]]:
    """Colours for scaled values in [-1, 1]: neutral grey toward green (positive) or red (negative)."""
    neu = np.array(parse_color(config.neutral_color, "neutral_color"), dtype=np.float64)
    pos = np.array(parse_color(config.positive_color, "positive_color"), dtype=np.float64)
    neg = np.array(parse_color(config.negative_color, "negative_color"), dtype=np.float64)
    out = []
    for v in t:
        end = pos if v >= 0 else neg
        c = neu + abs(v) * (end - neu)
        out.append(tuple(int(round(x)) for x in c))
    return out


def typeface(family: str) -> skia.Typeface:
    """The named family, else a serif, else whatever the system has."""
    mgr = skia.FontMgr()
    for name in (family, "DejaVu Serif", "Liberation Serif", "serif"):
        face = mgr.matchFamilyStyle(name, skia.FontStyle())
        if face is not None:
            return face
    face = mgr.legacyMakeTypeface("", skia.FontStyle())
    if face is None:
        raise ApophenicError("no font found on this system for the card (install any TrueType font)")
    return face


def _clean(ch: str) -> str:
    if ch == "\t":
        return " "
    return ch if ch == "\n" or ch.isprintable() else ""


def layout(text: str, font: skia.Font, width: float, line_height: float) -> list[tuple[int, str, float, float]]:
    """Positions ``(index, char, x, baseline_y)``, wrapping at spaces; long words break anywhere."""
    placed: list[tuple[int, str, float, float]] = []
    x, line = 0.0, 0
    i = 0
    chars = [_clean(c) for c in text]
    while i < len(chars):
        if chars[i] == "\n":
            x, line, i = 0.0, line + 1, i + 1
            continue
        j = i  # one word (or one run of spaces) at a time
        space = chars[i] == " "
        while j < len(chars) and chars[j] != "\n" and (chars[j] == " ") == space:
            j += 1
        widths = [font.measureText(c) if c else 0.0 for c in chars[i:j]]
        if not space and x > 0 and x + sum(widths) > width:
            x, line = 0.0, line + 1
        for k, w in zip(range(i, j), widths):
            if space and x == 0 and line > 0:
                continue  # no leading spaces after a wrap
            if x + w > width and x > 0:
                x, line = 0.0, line + 1
            if chars[k]:
                placed.append((k, chars[k], x, line * line_height))
            x += w
        i = j
    return placed


def render(text: str, values: np.ndarray, scale: Scale, config: CardConfig, title: str | None = None,
           footer: str | None = None) -> bytes:
    """A PNG card: optional title, the text coloured per character, a legend line."""
    if len(values) != len(text):
        raise ValueError("one value per character is needed")
    face = typeface(config.font)
    font = skia.Font(face, config.font_size)
    small = skia.Font(face, config.font_size * 0.6)
    head = skia.Font(face, config.font_size * 1.15)
    head.setEmbolden(True)
    line_h = config.font_size * 1.45
    inner = config.width - 2 * config.margin
    placed = layout(text, font, inner, line_h)
    lines = (max((p[3] for p in placed), default=0.0) / line_h) + 1
    top = config.margin + (line_h * 1.6 if title else 0) + config.font_size
    height = int(top + lines * line_h + config.margin + (config.font_size * 1.6 if footer else 0))
    surface = skia.Surface(config.width, height)
    canvas = surface.getCanvas()
    canvas.clear(skia.Color(*parse_color(config.background, "background")))
    paint = skia.Paint(AntiAlias=True)
    if title:
        paint.setColor(skia.Color(40, 40, 40))
        canvas.drawString(title, config.margin, config.margin + config.font_size, head, paint)
    colors = char_colors(scale(values), config)
    for index, ch, x, y in placed:
        paint.setColor(skia.Color(*colors[index]))
        canvas.drawString(ch, config.margin + x, top + y, font, paint)
    if footer:
        paint.setColor(skia.Color(110, 110, 110))
        canvas.drawString(footer, config.margin, height - config.margin * 0.6, small, paint)
    return encode_png(surface)


def encode_png(surface: skia.Surface) -> bytes:
    data = surface.makeImageSnapshot().encodeToData(skia.EncodedImageFormat.kPNG, 100)
    return bytes(data)


def trace_html(text: str, values: np.ndarray, scale: Scale, config: CardConfig, title: str = "") -> str:
    """The same colouring as an HTML page (hover a character to see the unit's value)."""
    colors = char_colors(scale(values), config)
    spans = []
    for ch, (r, g, b), v in zip(text, colors, values):
        body = "<br>" if ch == "\n" else html.escape(ch)
        spans.append(f'<span style="color:rgb({r},{g},{b})" title="{v:.3f}">{body}</span>')
    return ("<!doctype html><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
            f"<body style='background:{config.background};font:{config.font_size * 0.6:.0f}px Georgia,serif;"
            "max-width:50em;margin:3em auto;line-height:1.5'>"
            f"<h3>{html.escape(title)}</h3><p>" + "".join(spans) + "</p></body>")
