"""Image files: reading one a user names (every way PIL can fail is one line naming the file),
and writing PNGs that carry their recipe.

PIL refuses images above ``2 × Image.MAX_IMAGE_PIXELS`` (about 179 megapixels) with a
``DecompressionBombError`` — not an ``OSError`` — and only *warns* between 89 and 179
megapixels, where a float copy of the image already takes gigabytes. Both are refused here,
as is a PNG text chunk larger than PIL's limit ("Decompressed data too large").
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError


def load_image(path: Path, what: str = "image") -> "Image.Image":  # noqa: F821 - PIL is imported lazily
    """The image at ``path`` with its pixels and text chunks (``.info``) read; an unreadable or
    oversized file is a one-line error naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                return im
    except FileNotFoundError:
        raise ApophenicError(f"{path}: no such {what} file") from None
    except IsADirectoryError:
        raise ApophenicError(f"{path}: a folder, not an {what} file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApophenicError(
            f"{path}: the {what} is larger than {Image.MAX_IMAGE_PIXELS} pixels (a decompression bomb?); "
            "scale it down first"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # ValueError: "Decompressed data too large" for an oversized text chunk; SyntaxError: PIL's
        # "broken PNG file" family of parse errors
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise ApophenicError(f"{path}: not a readable {what} ({detail})") from None


def read_image(path: Path, what: str = "image") -> "torch.Tensor":  # noqa: F821 - torch is imported lazily
    """A ``1×3×H×W`` float tensor in ``[0, 1]`` from a PNG/JPEG (any mode, any size)."""
    import numpy as np
    import torch

    rgb = np.asarray(load_image(path, what).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()


RECIPE_KEY = "apophenic:recipe"
"""PNG text chunk holding the resolved run config as JSON."""


def to_pil(images: "torch.Tensor") -> "Image.Image":  # noqa: F821
    """A ``B×3×H×W`` batch in ``[0, 1]`` as one PIL image (a horizontal strip when B > 1)."""
    import numpy as np
    import torch
    from PIL import Image

    images = images.detach().float().clamp(0, 1).cpu()
    strip = torch.cat(list(images), dim=2) if images.shape[0] > 1 else images[0]
    array = (strip.permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(array)


def save_png(images: "torch.Tensor", path: Path, recipe: dict[str, Any] | None = None) -> Path:  # noqa: F821
    """Save images as PNG, embedding ``recipe`` as JSON text when given."""
    import json

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if recipe is not None:
        info.add_text(RECIPE_KEY, json.dumps(recipe, sort_keys=True), zip=True)
    to_pil(images).save(path, pnginfo=info)
    return path
