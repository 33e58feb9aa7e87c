"""Colour strings (``#rgb``, ``#rrggbb``, ``rgb(…)``, ``hsl(…)``, CSS names) to RGB floats and back."""

from __future__ import annotations

from PIL import ImageColor

from apophenic.errors import ApophenicError

#: Mondrian's palette: the three primaries plus white and black.
PRIMARY_COLOURS = ("#dd1e1e", "#f5d21e", "#1e3c9b", "#ffffff", "#111111")


def parse_color(text: str, where: str = "colour") -> tuple[float, float, float]:
    """``"#ff8000"`` -> ``(1.0, 0.502, 0.0)``; an :class:`ApophenicError` naming ``where`` and the value otherwise."""
    if not isinstance(text, str):
        raise ApophenicError(f"{where}: expected a colour string like '#ff8000' or 'red', got {text!r}")
    try:
        rgb = ImageColor.getrgb(text.strip())
    except (ValueError, AttributeError):
        raise ApophenicError(f"{where}: {text!r} is not a colour; expected '#rrggbb', '#rgb', 'rgb(r, g, b)' or a CSS name like 'red'") from None
    return tuple(c / 255.0 for c in rgb[:3])  # type: ignore[return-value]


def to_hex(rgb: tuple[float, float, float] | list[float]) -> str:
    """``(1.0, 0.5, 0.0)`` -> ``"#ff8000"`` (each channel rounded to 8 bits)."""
    return "#" + "".join(f"{max(0, min(255, round(float(c) * 255))):02x}" for c in rgb)
