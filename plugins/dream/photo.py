"""The `photo` generator: a photograph as raw pixels to dream on, blended back to the original."""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from apophenic.errors import ApophenicError, unknown_name
from apophenic.generator import Generator, GeneratorConfig
from apophenic.image_file import read_image
from pydantic import Field
from torch import nn

SAMPLE_PREFIX = "skimage:"
"""``skimage:NAME`` names a sample photo bundled in scikit-image's wheel (no download)."""

SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina",
           "camera", "brick", "grass", "gravel", "moon", "coins", "page", "text")
"""scikit-image loaders whose images ship inside the wheel (the others need ``pooch`` and the network)."""


def sample_photo(name: str) -> torch.Tensor:
    """A scikit-image sample as a ``1×3×H×W`` tensor in ``[0, 1]`` (grey images become RGB)."""
    if name not in SAMPLES:
        raise ApophenicError(unknown_name("sample photo", f"{SAMPLE_PREFIX}{name}", [SAMPLE_PREFIX + s for s in SAMPLES]))
    from skimage import data

    array = np.asarray(getattr(data, name)())
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    array = array[..., :3].astype(np.float32)
    array = array / (255.0 if array.max() > 1.0 else 1.0)
    return torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)[None].contiguous()


def load_photo(spec: str, ctx=None) -> torch.Tensor:
    """A photo from a file (relative to the preset's folder) or ``skimage:NAME``, as ``1×3×H×W`` in ``[0, 1]``."""
    if spec.startswith(SAMPLE_PREFIX):
        return sample_photo(spec[len(SAMPLE_PREFIX):])
    path = ctx.resolve(spec) if ctx is not None else spec
    return read_image(path)


def fit_long_side(image: torch.Tensor, long_side: int | None) -> torch.Tensor:
    """Resize so the longer side is ``long_side`` pixels, keeping the aspect ratio (``None``: unchanged)."""
    h, w = image.shape[-2:]
    if long_side is None or max(h, w) == long_side:
        return image
    scale = long_side / max(h, w)
    size = (max(8, round(h * scale)), max(8, round(w * scale)))
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)


class PhotoImage(Generator):
    """A photo whose pixels are the parameters; renders ``original + blend × (pixels − original)``.

    Pixels are optimized directly (no sigmoid), so DeepDream's normalized
    gradient steps act in image space as in the original notebook, and
    :meth:`constrain` keeps them in ``[0, 1]``.
    """

    def __init__(self, photo: torch.Tensor, blend: float) -> None:
        super().__init__()
        self.register_buffer("original", photo.clone())
        self.pixels = nn.Parameter(photo.clone())
        self.blend = blend

    def render(self) -> torch.Tensor:
        if self.blend == 1.0:
            return self.pixels
        return self.original + self.blend * (self.pixels - self.original)

    def constrain(self) -> None:
        with torch.no_grad():
            self.pixels.clamp_(0.0, 1.0)


class PhotoConfig(GeneratorConfig):
    """A photo to dream on (a PNG/JPEG file or a scikit-image sample), blended back with a strength."""

    type: Literal["photo"] = "photo"
    path: str = Field(description="Image file (PNG/JPEG; relative to the preset's folder) or skimage:NAME, e.g. skimage:chelsea.")
    long_side: int | None = Field(
        None, ge=16, le=16384, description="Resize so the longer side has this many pixels (aspect kept); unset: the photo's own size. The run's `size` is not used."
    )
    blend: float = Field(1.0, ge=0, le=1, description="Strength: 1 the full dream, 0 the original photo; the result is original + blend × (dream − original).")

    def continue_from(self, folder) -> "PhotoConfig":
        """Dream on a previous run's ``final.png`` (pipeline stages)."""
        return self.model_copy(update={"path": str(folder / "final.png")})

    def build(self, ctx) -> Generator:
        photo = fit_long_side(load_photo(self.path, ctx), self.long_side)
        return PhotoImage(photo, self.blend).to(ctx.device)
