"""The ``embedding`` objective: make a perceiver's embedding of the image point where a target
vector points — the picture answer to A : B :: C : ? when the target is
embed(B) − embed(A) + embed(C)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from apophenic.errors import ApophenicError, ConfigError
from apophenic.objective import Objective, ObjectiveConfig


def load_image(path: Path, size: tuple[int, int]) -> torch.Tensor:
    """A ``1×3×H×W`` image in ``[0, 1]`` resized to ``size`` (a one-line error when it cannot be read)."""
    from apophenic.image_file import read_image

    image = read_image(path)
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)


@torch.no_grad()
def embed(perceiver, images: torch.Tensor, layer: str) -> torch.Tensor:
    """Flattened features of ``layer``, one row per image."""
    device = next(perceiver.parameters(), torch.empty(0)).device
    return perceiver.perceive(images.to(device), [layer])[layer].flatten(1).float()


def analogy_target(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """``b − a + c``: the point that relates to ``c`` as ``b`` relates to ``a``."""
    return b - a + c


def read_vectors(path: Path) -> dict[str, np.ndarray] | np.ndarray:
    """A saved target: ``.npy`` (one vector for every perceiver) or ``.npz`` (one array per perceiver name)."""
    if not path.is_file():
        raise ApophenicError(f"{path}: no such vector file")
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as data:
                return {k: np.asarray(data[k], dtype=np.float32).reshape(-1) for k in data.files}
        return np.asarray(np.load(path, allow_pickle=False), dtype=np.float32).reshape(-1)
    except (ValueError, OSError, EOFError, MemoryError) as exc:  # MemoryError: a header claiming a huge shape
        raise ApophenicError(f"{path}: not a .npy/.npz vector file ({str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__})") from None


class EmbeddingConfig(ObjectiveConfig):
    """Raise the cosine similarity of a perceiver's embedding to a target: an image analogy B − A + C, one image, or a saved vector."""

    type: Literal["embedding"] = "embedding"
    layer: str = Field("pool", description="Layer whose (flattened) output is the embedding; 'pool' is EfficientNet's 1280-d penultimate layer.")
    a: str | None = Field(None, description="Image A of A : B :: C : ? (path, relative to the preset).")
    b: str | None = Field(None, description="Image B of A : B :: C : ?.")
    c: str | None = Field(None, description="Image C of A : B :: C : ?.")
    image: str | None = Field(None, description="A single image whose embedding is the target (instead of a, b, c).")
    vector: str | None = Field(None, description="A saved target: .npy (every perceiver) or .npz (one array per perceiver name).")

    @model_validator(mode="after")
    def _one_target(self) -> "EmbeddingConfig":
        triple = [self.a, self.b, self.c]
        given = sum([any(x is not None for x in triple), self.image is not None, self.vector is not None])
        if given != 1:
            raise ValueError("give exactly one target: images a, b and c; or image; or vector")
        if any(x is not None for x in triple) and not all(x is not None for x in triple):
            raise ValueError("an image analogy needs all three images a, b and c")
        return self

    def targets(self, ctx, names: list[str]) -> dict[str, torch.Tensor]:
        """The target vector for each perceiver in ``names``."""
        out: dict[str, torch.Tensor] = {}
        if self.vector is not None:
            saved = read_vectors(ctx.resolve(self.vector))
            for name in names:
                if isinstance(saved, dict):
                    if name not in saved:
                        raise ConfigError(ctx.source, "objectives.vector", f"{self.vector} has no array for perceiver {name!r} (has {', '.join(saved) or 'none'})")
                    out[name] = torch.from_numpy(saved[name])
                else:
                    out[name] = torch.from_numpy(saved)
            return out
        keys = ["image"] if self.image is not None else ["a", "b", "c"]
        images = {}
        for key in keys:
            path = ctx.resolve(getattr(self, key))
            try:
                images[key] = load_image(path, ctx.size)
            except ApophenicError as exc:
                raise ConfigError(ctx.source, f"objectives.{key}", str(exc)) from None
        for name in names:
            p = ctx.perceivers[name]
            e = {k: embed(p, v, self.layer)[0] for k, v in images.items()}
            out[name] = e["image"] if self.image is not None else analogy_target(e["a"], e["b"], e["c"])
        return out

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        self.check_layer(ctx, names, self.layer)
        targets = self.targets(ctx, names)
        layer = self.layer
        for name in names:
            width = embed(ctx.perceivers[name], torch.zeros(1, 3, *ctx.size), layer).shape[1]
            if targets[name].numel() != width:
                raise ConfigError(ctx.source, "objectives", f"target for {name!r} has {targets[name].numel()} values; layer {layer!r} has {width}")
            targets[name] = targets[name].to(ctx.device)

        def per_perceiver(name: str):
            def fn(features):
                return F.cosine_similarity(features[layer].flatten(1), targets[name][None], dim=1).mean()

            return fn

        def score(perception):
            total_w = sum(perception.weights.get(n, 1.0) for n in names if n in perception.features) or 1.0
            return sum(perception.weights.get(n, 1.0) * per_perceiver(n)(perception.features[n])
                       for n in names if n in perception.features) / total_w

        what = "image analogy" if self.a is not None else "image" if self.image is not None else "vector"
        return Objective(score, f"embedding cosine to {what} target ({layer})", needs=[(n, layer) for n in names])
