"""Coarse-to-fine passes and seamless tiling around the engine's optimization loop.

A pass optimizes at one size; each later pass starts from the previous result
upsampled (neural-style's multires recipe: structure at low resolution, detail at
high). A pass larger than ``tile`` is optimized tile by tile: every tile starts from
the upsampled previous pass, keeps its crop of the content, and matches the same
style Gram matrices (computed once for the whole output's scale), so neighbouring
tiles agree; overlaps are blended with linear ramps, which removes seams.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.style import images

Region = tuple[int, int, int, int]
"""(top, left, height, width) of a tile in the output."""


def pass_sizes(size: tuple[int, int], passes: int, smallest: int = 16) -> list[tuple[int, int]]:
    """Sizes of ``passes`` coarse-to-fine passes, halving from ``size`` (none below ``smallest``)."""
    h, w = size
    sizes = []
    for k in reversed(range(passes)):
        s = 2**k
        if min(h, w) / s >= smallest or k == 0:
            sizes.append((max(8, round(h / s)), max(8, round(w / s))))
    return sizes


def tile_regions(size: tuple[int, int], tile: int, overlap: int) -> list[Region]:
    """Tiles of at most ``tile`` pixels covering ``size`` with at least ``overlap`` pixels shared by neighbours."""
    if overlap * 2 >= tile:
        raise ApophenicError(f"tile overlap {overlap} must be less than half the tile size {tile}")

    def starts(length: int) -> list[int]:
        if length <= tile:
            return [0]
        n = -(-(length - overlap) // (tile - overlap))
        return [round(i * (length - tile) / (n - 1)) for i in range(n)]

    h, w = size
    th, tw = min(tile, h), min(tile, w)
    return [(top, left, th, tw) for top in starts(h) for left in starts(w)]


def feather(height: int, width: int, overlap: int) -> torch.Tensor:
    """``1×1×H×W`` blend weights: 1 inside, ramping down linearly across ``overlap`` pixels at each side."""
    def ramp(n: int) -> torch.Tensor:
        i = torch.arange(n, dtype=torch.float32)
        edge = torch.minimum(i + 1, n - i)
        return (edge / (overlap + 1)).clamp(max=1.0) if overlap > 0 else torch.ones(n)

    return (ramp(height)[:, None] * ramp(width)[None, :])[None, None]


def stitch(tiles: list[tuple[Region, torch.Tensor]], size: tuple[int, int], overlap: int) -> torch.Tensor:
    """Blend tile images into one ``B×3×H×W`` image with :func:`feather` weights."""
    first = tiles[0][1]
    total = torch.zeros(first.shape[0], 3, *size)
    weights = torch.zeros(1, 1, *size)
    for (top, left, h, w), image in tiles:
        f = feather(h, w, overlap)
        total[..., top:top + h, left:left + w] += image.cpu() * f
        weights[..., top:top + h, left:left + w] += f
    return total / weights.clamp_min(1e-8)


@dataclass
class Schedule:
    """How a style transfer is split: coarse-to-fine passes, then tiles within a pass."""

    passes: int = 1
    tile: int | None = None
    overlap: int = 32
    steps: list[int] = field(default_factory=list)


Optimize = Callable[[dict[str, Any], Path | None, str], torch.Tensor]
"""Runs one engine config (data, source, label) and returns the final ``B×3×H×W`` images."""


class StopInPass(BaseException):
    """A stop request (Ctrl-C) ended a pass or tile after ``step`` of ``steps``.

    ``images`` is that pass's (or tile's) picture then; :func:`run_schedule` fills in
    ``picture``, the whole output so far. A BaseException, so no ``except Exception`` swallows it.
    """

    def __init__(self, images: torch.Tensor, step: int, steps: int, label: str) -> None:
        super().__init__(f"{label}: stopped at step {step}/{steps}")
        self.images, self.step, self.steps, self.label = images, step, steps, label
        self.picture: torch.Tensor = images


def _size_value(hw: tuple[int, int]) -> list[int]:
    return [hw[1], hw[0]]


def _crop(image: torch.Tensor, region: Region) -> torch.Tensor:
    top, left, h, w = region
    return image[..., top:top + h, left:left + w]


class _Files:
    """Resolves preset paths and writes the per-pass / per-tile images a config points at."""

    def __init__(self, source: Path | None, folder: Path) -> None:
        self.source = source
        self.folder = folder
        self.count = 0

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() or self.source is None else self.source.parent / p

    def image(self, value: str, key: str) -> torch.Tensor:
        from apophenic.errors import ConfigError
        from apophenic.image_file import read_image

        try:
            return read_image(self.path(value))
        except ApophenicError as exc:
            raise ConfigError(self.source, key, str(exc)) from None

    def write(self, image: torch.Tensor) -> str:
        self.count += 1
        return images.save_temp(image, self.folder, f"part-{self.count:04d}")


def _pass_config(data: dict[str, Any], size: tuple[int, int], start: torch.Tensor | None, steps: int | None,
                 files: _Files, region: Region | None, full: tuple[int, int]) -> dict[str, Any]:
    """The engine config of one pass (``region`` None) or one tile of it."""
    d = copy.deepcopy(data)
    hw = (region[2], region[3]) if region else size
    d["size"] = _size_value(hw)
    if steps is not None:
        d.setdefault("optimizer", {"type": "adam"})["steps"] = steps

    def sized(value: str, key: str) -> str:
        image = images.resize(files.image(value, key), size)
        return files.write(_crop(image, region) if region else image)

    gen = d.get("generator", {})
    if region is not None or start is not None:
        if gen.get("type") != "style-image":
            raise ApophenicError(f"coarse-to-fine passes and tiles need generator type 'style-image' (got {gen.get('type')!r})")
        if start is not None:
            up = images.resize(start, size)
            gen["image"] = files.write(_crop(up, region) if region else up)
            gen["noise"] = 0.0
        elif gen.get("image"):
            gen["image"] = sized(gen["image"], "generator.image")
        if gen.get("colors"):
            gen["colors"] = sized(gen["colors"], "generator.colors")
    if region is not None:
        for i, obj in enumerate(d.get("objectives", [])):
            if obj.get("type") == "content":
                obj["image"] = sized(obj["image"], f"objectives[{i}].image")
            if obj.get("type") in ("content", "style") and obj.get("mask"):
                obj["mask"] = sized(obj["mask"], f"objectives[{i}].mask")
            if obj.get("type") == "style" and obj.get("size") is None:
                # The style's scale refers to the whole output, not to the tile.
                obj["size"] = max(8, round(float(obj.get("scale", 1.0)) * max(full)))
            if obj.get("type") == "style":
                obj["image"] = [str(files.path(p)) for p in ([obj["image"]] if isinstance(obj["image"], str) else obj["image"])]
                if obj.get("match"):
                    obj["match"] = str(files.path(obj["match"]))
    return d


def run_schedule(data: dict[str, Any], source: Path | None, schedule: Schedule, optimize: Optimize,
                 full_size: tuple[int, int]) -> torch.Tensor:
    """Run every pass (and tile) of ``schedule`` for the engine config ``data``; return the final images."""
    sizes = pass_sizes(full_size, schedule.passes)
    steps = schedule.steps or [None] * len(sizes)
    if len(steps) == 1 and len(sizes) > 1:
        steps = steps * len(sizes)
    result: torch.Tensor | None = None
    with tempfile.TemporaryDirectory(prefix="apophenic-style-") as tmp:
        files = _Files(source, Path(tmp))
        for n, size in enumerate(sizes):
            label = f"pass {n + 1}/{len(sizes)} at {size[1]}×{size[0]}"
            regions = tile_regions(size, schedule.tile, schedule.overlap) if schedule.tile and max(size) > schedule.tile else None
            if regions is None:
                result = optimize(_pass_config(data, size, result, steps[n], files, None, size), source, label)
                continue
            done = []
            for i, region in enumerate(regions):
                tile_data = _pass_config(data, size, result, steps[n], files, region, size)
                try:
                    done.append((region, optimize(tile_data, source, f"{label}, tile {i + 1}/{len(regions)}")))
                except StopInPass as stop:
                    stop.picture = _so_far([*done, (region, stop.images)], size, schedule.overlap,
                                           _start_of_pass(data, result, size, files, stop.images.shape[0]))
                    raise
            result = stitch(done, size, schedule.overlap)
    assert result is not None
    return result


def _start_of_pass(data: dict[str, Any], previous: torch.Tensor | None, size: tuple[int, int], files: "_Files",
                   batch: int) -> torch.Tensor:
    """What a pass starts from: the previous pass upsampled, else the generator's image, else mid-grey."""
    if previous is not None:
        return images.resize(previous, size)
    gen = data.get("generator", {})
    if gen.get("type") == "style-image" and gen.get("image"):
        return images.resize(files.image(gen["image"], "generator.image"), size).expand(batch, -1, -1, -1)
    return torch.full((batch, 3, *size), 0.5)


def _so_far(tiles: list[tuple[Region, torch.Tensor]], size: tuple[int, int], overlap: int, start: torch.Tensor) -> torch.Tensor:
    """A pass interrupted among its tiles: the tiles done (and the one stopped) over the pass's start."""
    covered = torch.zeros(1, 1, *size, dtype=torch.bool)
    for (top, left, h, w), _ in tiles:
        covered[..., top:top + h, left:left + w] = True
    return torch.where(covered, stitch(tiles, size, overlap), start.cpu())
