"""Loading a torch checkpoint a user names: weights only, never code, and one line when refused.

``torch.load`` unpickles; with ``weights_only=True`` its unpickler accepts only tensors,
containers and plain values, so a malicious ``.pth`` cannot run anything. Its refusal is a
many-line essay about ``weights_only`` and ``safe_globals``; the user needs the first line.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError


def load_weights(path: Path, what: str = "checkpoint") -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; any refusal is a one-line error naming ``path``."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ApophenicError(f"{path}: no such {what} file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "pickle protocol 4" notes on foreign files
            return torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise ApophenicError(f"{path}: the {what} claims more memory than this machine has") from None
    except Exception as exc:  # noqa: BLE001 - the weights-only unpickler fails in many ways on foreign files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ApophenicError(f"{path}: not a weights-only {what} (torch.load with weights_only=True refused it: "
                             f"{type(exc).__name__}{': ' + first[:160] if first else ''})") from None
