"""Simple pictures for image analogies that need no download: one coloured shape on white
(red circle : blue circle :: red square : ?). The shipped example images are made here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SHAPES = ("circle", "square", "triangle")


def shape_image(shape: str, colour: str, size: int = 224) -> np.ndarray:
    """An ``H×W×3`` uint8 picture of one filled shape (antialiased) centred on white."""
    from PIL import Image, ImageColor, ImageDraw

    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    big = size * 4
    im = Image.new("RGB", (big, big), "white")
    draw = ImageDraw.Draw(im)
    rgb = ImageColor.getrgb(colour)
    m = big * 0.2
    if shape == "circle":
        draw.ellipse([m, m, big - m, big - m], fill=rgb)
    elif shape == "square":
        s = big * 0.25
        draw.rectangle([s, s, big - s, big - s], fill=rgb)
    else:
        draw.polygon([(big / 2, m), (big - m, big - m), (m, big - m)], fill=rgb)
    return np.asarray(im.resize((size, size), Image.LANCZOS))


def write_examples(folder: Path, size: int = 224) -> list[Path]:
    """The example images the presets use: red and blue circle, red and blue square."""
    from PIL import Image

    written = []
    for shape in ("circle", "square"):
        for colour in ("red", "blue"):
            path = folder / f"{colour}-{shape}.png"
            Image.fromarray(shape_image(shape, colour, size)).save(path, optimize=True)
            written.append(path)
    return written
