"""Choosing the torch device: one picker for the engine and every plugin."""

from __future__ import annotations

import torch

from apophenic.errors import ApophenicError


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def pick_device(name: str) -> torch.device:
    """The device called ``name``: ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.

    A device that is not available here is a one-line :class:`ApophenicError`
    saying what is.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ApophenicError(f"device {name!r}: expected auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ApophenicError(f"device {name!r} is not available here (no CUDA GPU); use --device cpu or auto")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ApophenicError(f"device {name!r} is not available here: this machine has cuda:0..cuda:{count - 1}")
    elif device.type == "mps" and not _mps_available():
        raise ApophenicError(f"device {name!r} is not available here; use --device cpu or auto")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ApophenicError(f"device {name!r}: expected auto, cpu, cuda, cuda:N or mps")
    return device
