"""Choosing the torch device and thread count for the sentiment commands."""

from __future__ import annotations

import torch
from apophenic.errors import ApophenicError


def pick_device(name: str) -> torch.device:
    """``auto`` is a GPU when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ApophenicError(f"device {name!r}: expected auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ApophenicError(f"device {name!r}: no CUDA GPU is available here; use --device cpu")
    return device


def set_threads(threads: int | None) -> None:
    """Limit torch's CPU threads (shared machines stall with spinning pools)."""
    if threads:
        torch.set_num_threads(threads)
