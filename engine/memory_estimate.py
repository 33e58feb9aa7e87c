"""Refusing a run that cannot fit in memory before anything is built.

The largest allowed ``size`` (16384²) is 268 million pixels: one float32 RGB copy of it is
3.2 GB, and a run keeps several (the parameters, their gradient, Adam's two moments, the
rendered image and its gradient, each transformed copy). Without a check the allocation
fails deep inside torch (``MemoryError``, a CUDA OOM, or the kernel's OOM killer). The
estimate is a floor — perceivers' activations come on top — so it never refuses a run that
would fit.
"""

from __future__ import annotations

import os

import torch

from apophenic.errors import ApophenicError

COPIES_PER_IMAGE = 6
"""Full-size float32 RGB copies per image a run holds at least: parameters, gradient, two Adam
moments, the rendered image and its gradient."""


def floor_bytes(hw: tuple[int, int], batch: int, augmentations: int) -> int:
    """The fewest bytes a run of this size can take: full-size RGB float32 copies of each image."""
    h, w = hw
    return h * w * 3 * 4 * batch * (COPIES_PER_IMAGE + 2 * augmentations)


def available_bytes(device: torch.device) -> int | None:
    """Memory free for this run on ``device`` (None where it cannot be told)."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(hw: tuple[int, int], batch: int, augmentations: int, device: torch.device, source: object) -> None:
    """A one-line error with the estimate when a run of this size cannot fit on ``device``."""
    need = floor_bytes(hw, batch, augmentations)
    have = available_bytes(device)
    if have is not None and need > have:
        h, w = hw
        raise ApophenicError(
            f"{source}: size {w}×{h} × batch {batch} × {augmentations} augmentations needs at least "
            f"{need / 2**30:.1f} GiB on {device}, but {have / 2**30:.1f} GiB are free; lower size, batch or augmentations"
        )
