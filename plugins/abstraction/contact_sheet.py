"""One PNG with every drawing of a sweep and its held-out score underneath (Pillow)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from apophenic.image_file import to_pil


@dataclass
class Cell:
    """One drawing on the sheet: the image (``1×3×H×W``), a title and caption lines."""

    image: torch.Tensor
    title: str
    lines: list[str]


def score_lines(scores: Sequence[dict]) -> list[str]:
    """``lite2 p=0.83 rank 1`` per scored classifier (``efficientnet-`` shortened)."""
    return [f"{s['perceiver'].removeprefix('efficientnet-')}  p={s['probability']:.2f}  rank {s['rank']}" for s in scores]


def caption_for(record: dict) -> list[str]:
    """Held-out scores of a run, or a note that none exists (then the ensemble's, marked as such)."""
    held = [s for s in record.get("scores", []) if s.get("held_out")]
    if held:
        return ["held out: " + line for line in score_lines(held)]
    return ["no held-out score"] + ["optimized: " + line for line in score_lines(record.get("scores", []))[:2]]


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the bitmap font has one size
        return ImageFont.load_default()


def contact_sheet(cells: Sequence[Cell], path: Path, thumb: int = 224, columns: int | None = None) -> Path:
    """Write the sheet to ``path`` atomically (temp file, then rename) and return it."""
    from PIL import Image, ImageDraw

    if not cells:
        raise ValueError("a contact sheet needs at least one drawing")
    columns = columns or min(5, len(cells))
    rows = math.ceil(len(cells) / columns)
    pad, title_size, line_size = 12, 16, 13
    lines = max(len(c.lines) for c in cells)
    caption = title_size + 6 + lines * (line_size + 4) + 4
    cell_w, cell_h = thumb + pad, thumb + caption + pad
    sheet = Image.new("RGB", (columns * cell_w + pad, rows * cell_h + pad), "white")
    draw = ImageDraw.Draw(sheet)
    title_font, line_font = _font(title_size), _font(line_size)
    for i, cell in enumerate(cells):
        x = pad + (i % columns) * cell_w
        y = pad + (i // columns) * cell_h
        image = to_pil(cell.image[:1]).resize((thumb, thumb), Image.LANCZOS)
        sheet.paste(image, (x, y))
        draw.rectangle([x - 1, y - 1, x + thumb, y + thumb], outline=(200, 200, 200))
        ty = y + thumb + 4
        draw.text((x, ty), cell.title, fill="black", font=title_font)
        ty += title_size + 6
        for line in cell.lines:
            draw.text((x, ty), line, fill=(60, 60, 60), font=line_font)
            ty += line_size + 4
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    sheet.save(tmp, format="PNG")
    os.replace(tmp, path)
    return path
