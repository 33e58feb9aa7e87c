"""Writing a run's files: PNGs that carry their recipe, JSON, atomic run folders."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from apophenic.errors import ApophenicError
from apophenic.image_file import load_image
from apophenic.structured import loads_json

RECIPE_KEY = "apophenic:recipe"
"""PNG text chunk holding the resolved run config as JSON."""


def to_pil(images: torch.Tensor):
    """A ``B×3×H×W`` batch in ``[0, 1]`` as one PIL image (a horizontal strip when B > 1)."""
    from PIL import Image

    images = images.detach().float().clamp(0, 1).cpu()
    strip = torch.cat(list(images), dim=2) if images.shape[0] > 1 else images[0]
    array = (strip.permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(array)


def save_png(images: torch.Tensor, path: Path, recipe: dict[str, Any] | None = None) -> Path:
    """Save images as PNG, embedding ``recipe`` as JSON text when given."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if recipe is not None:
        info.add_text(RECIPE_KEY, json.dumps(recipe, sort_keys=True), zip=True)
    to_pil(images).save(path, pnginfo=info)
    return path


def read_recipe(path: Path) -> dict[str, Any]:
    """The recipe embedded in a PNG written by apophenic."""
    if not Path(path).is_file():
        raise ApophenicError(f"{path}: no such file")
    text = load_image(path, "PNG").info.get(RECIPE_KEY)
    if not text:
        raise ApophenicError(f"{path}: carries no apophenic recipe (was it written by `apophenic run`?)")
    recipe = loads_json(text, path, "its embedded recipe")
    if not isinstance(recipe, dict) or not isinstance(recipe.get("config"), dict):
        raise ApophenicError(f"{path}: its embedded recipe has no `config` table")
    for key in ("source", "preset"):
        if recipe.get(key) is not None and not isinstance(recipe[key], str):
            raise ApophenicError(f"{path}: its embedded recipe's `{key}` is a {type(recipe[key]).__name__}, expected a path or name")
    return recipe


def write_json(data: Any, path: Path) -> Path:
    """Write JSON atomically (temp file + rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)
    return path


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise ApophenicError(f"{folder}: output folder cannot be written ({exc.strerror or exc})") from None
    return folder


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """A temporary sibling of ``final`` renamed into place only if the block succeeds.

    A failed or killed run leaves no ``final`` folder, only a ``.tmp-*`` one that
    the next run in the same output folder removes.
    """
    parent = final.parent
    for stale in parent.glob(f".tmp-{final.name}-*"):
        if not owner_alive(stale.name.rsplit("-", 1)[-1]):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = parent / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        old = parent / f".old-{final.name}-{os.getpid()}"
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def owner_alive(pid: str) -> bool:
    """Whether the process that left a ``.tmp-<name>-<pid>`` folder still runs (our own pid counts as gone)."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()  # our own leftovers are stale too
