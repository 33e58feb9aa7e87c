"""Opening an image file a user names: every way PIL can fail is one line naming the file.

PIL refuses images above ``2 × Image.MAX_IMAGE_PIXELS`` (about 179 megapixels) with a
``DecompressionBombError`` — not an ``OSError`` — and only *warns* between 89 and 179
megapixels, where a float copy of the image already takes gigabytes. Both are refused here,
as is a PNG text chunk larger than PIL's limit ("Decompressed data too large").
"""

from __future__ import annotations

import warnings
from pathlib import Path

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
