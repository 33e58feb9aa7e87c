"""Loading a torch checkpoint a user names: weights only, never code, and one line when refused.

``torch.load`` unpickles; with ``weights_only=True`` its unpickler accepts only tensors,
containers and plain values, so a malicious ``.pth`` cannot run anything. Its refusal is a
many-line essay about ``weights_only`` and ``safe_globals``; the user needs the first line.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError


def load_weights(path: Path, what: str = "checkpoint", mmap: bool = False) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; any refusal is a one-line error naming ``path``.

    :param mmap: map the file rather than read it (tensors are read when touched); files in
        torch's old non-zip format cannot be mapped and are read whole.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise ApophenicError(f"{path}: no such {what} file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "pickle protocol 4" notes on foreign files
            if mmap:
                try:
                    return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
                except RuntimeError as exc:
                    if "zip" not in str(exc).lower():
                        raise
            return torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise ApophenicError(f"{path}: the {what} claims more memory than this machine has") from None
    except pickle.UnpicklingError as exc:
        if "weights only" not in str(exc).lower():
            raise ApophenicError(f"{path}: not a weights-only {what} (not a torch checkpoint: {_first_line(exc)})") from None
        # torch's text here is a dozen lines on safe_globals; what matters is that it holds code
        raise ApophenicError(f"{path}: not a weights-only {what}: it holds something besides tensors and plain "
                             "values (Python objects, whose loading could run code, or no torch data at all), so it is refused") from None
    except Exception as exc:  # noqa: BLE001 - the weights-only unpickler fails in many ways on foreign files
        raise ApophenicError(f"{path}: not a weights-only {what} (torch.load with weights_only=True refused it: "
                             f"{_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:160]}" if text else type(exc).__name__
