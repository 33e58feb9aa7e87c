"""Loading the images style objectives and generators name: sized for the run, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from apophenic.errors import ApophenicError, ConfigError
from apophenic.image_file import read_image


def load(ctx, path: str, key: str) -> torch.Tensor:
    """``1×3×H×W`` in ``[0, 1]`` from a path relative to the preset; a bad file is a one-line error naming ``key``."""
    try:
        return read_image(ctx.resolve(path))
    except ApophenicError as exc:
        raise ConfigError(ctx.source, key, str(exc)) from None


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize to ``(height, width)`` with antialiasing (no-op when already that size)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)


def resize_long_side(image: torch.Tensor, side: int) -> torch.Tensor:
    """Resize keeping the aspect ratio so the longer side is ``side`` pixels."""
    h, w = image.shape[-2:]
    s = side / max(h, w)
    return resize(image, (max(8, round(h * s)), max(8, round(w * s))))


def load_mask(ctx, path: str, key: str, size: tuple[int, int]) -> torch.Tensor:
    """``1×1×H×W`` weights in ``[0, 1]`` from a grey or colour image (white = 1), resized to ``size``."""
    image = resize(load(ctx, path, key), size)
    mask = image.mean(1, keepdim=True)
    if float(mask.max()) <= 0:
        raise ConfigError(ctx.source, key, f"{path}: the mask is black everywhere; white marks where the term applies")
    return mask


def save_temp(image: torch.Tensor, folder: Path, name: str) -> str:
    """Write a ``1×3×H×W`` image as a lossless PNG and return its path (for per-tile and per-pass configs)."""
    from apophenic.image_file import save_png

    path = folder / f"{name}.png"
    save_png(image, path)
    return str(path)
