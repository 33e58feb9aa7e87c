"""The bundled sample images: a CC0 photo from scikit-image and three generated "art" styles.

Regenerate ``data/`` with ``python -m apophenic.plugins.style.samples``. The styles are drawn
here from seeded random numbers, so they are ours to ship (no third-party artwork).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

DATA = Path(__file__).parent / "data"


def swirls(side: int = 256, seed: int = 1) -> Image.Image:
    """Short bright strokes along a swirling flow field on deep blue (a night-sky brushwork texture)."""
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (side, side), (18, 32, 84))
    draw = ImageDraw.Draw(im)
    centres = rng.uniform(0, side, size=(5, 2))
    palette = [(250, 220, 90), (240, 240, 200), (70, 120, 200), (40, 70, 160), (120, 180, 230), (230, 170, 50)]
    for _ in range(2600):
        x, y = rng.uniform(0, side, 2)
        colour = palette[rng.integers(len(palette))]
        width = int(rng.integers(2, 5))
        points = [(x, y)]
        for _ in range(int(rng.integers(4, 10))):
            # Flow: rotation around the nearest centre plus a gentle horizontal drift.
            cx, cy = min(centres, key=lambda c: (c[0] - x) ** 2 + (c[1] - y) ** 2)
            angle = math.atan2(y - cy, x - cx) + math.pi / 2
            x, y = x + 3 * math.cos(angle) + 0.8, y + 3 * math.sin(angle)
            points.append((x, y))
        draw.line(points, fill=colour, width=width, joint="curve")
    return im.filter(ImageFilter.SMOOTH)


def mosaic(side: int = 256, seed: int = 2) -> Image.Image:
    """Voronoi tiles in saturated colours with dark grout (a stained-glass texture)."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, side, size=(90, 2))
    colours = rng.choice(np.array([[200, 40, 40], [240, 190, 40], [40, 90, 180], [30, 150, 90], [230, 230, 210], [140, 60, 150]]), 90)
    yy, xx = np.mgrid[0:side, 0:side]
    d = (xx[..., None] - points[:, 0]) ** 2 + (yy[..., None] - points[:, 1]) ** 2
    order = np.sort(d, axis=-1)
    nearest = d.argmin(-1)
    image = colours[nearest].astype(np.float32)
    edge = np.sqrt(order[..., 1]) - np.sqrt(order[..., 0]) < 3.0
    image[edge] = (25, 20, 20)
    shade = 0.85 + 0.15 * rng.standard_normal((side, side, 1)) * 0.3
    return Image.fromarray(np.clip(image * shade, 0, 255).astype(np.uint8))


def bands(side: int = 256, seed: int = 3) -> Image.Image:
    """Wavy stripes in red, black and cream (an op-art texture)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    phase = rng.uniform(0, 2 * np.pi, 3)
    wave = yy * 14 + 0.9 * np.sin(2 * np.pi * (xx * 2.0) + phase[0]) + 0.4 * np.sin(2 * np.pi * xx * 5 + phase[1])
    index = np.floor(wave).astype(int) % 3
    palette = np.array([[200, 30, 40], [20, 20, 25], [240, 230, 205]], dtype=np.uint8)
    return Image.fromarray(palette[index])


def photos() -> dict[str, np.ndarray]:
    """CC0 photos from scikit-image (see each loader's docstring): the cat Chelsea."""
    import skimage.data

    return {"chelsea": skimage.data.chelsea()}


def write(folder: Path = DATA) -> list[Path]:
    """Write every sample image into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, array in photos().items():
        Image.fromarray(array).save(folder / f"{name}.png", optimize=True)
        written.append(folder / f"{name}.png")
    for name, make in (("swirls", swirls), ("mosaic", mosaic), ("bands", bands)):
        make().save(folder / f"{name}.png", optimize=True)
        written.append(folder / f"{name}.png")
    return written


if __name__ == "__main__":
    for path in write():
        print(path)
