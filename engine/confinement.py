"""Which folders a run may read files from, when its config came from an untrusted recipe.

A PNG's embedded recipe is data anyone can edit: left alone, ``generator.path = "/etc/shadow"``
makes ``apophenic run --from picture.png`` open that file. While :func:`confined` is active,
every path a component resolves (:meth:`BuildContext.resolve`) must lie under one of the
allowed folders — the ones the user named — or the run stops with one line naming the PNG.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from apophenic.errors import ApophenicError

_ALLOWED: ContextVar[tuple[tuple[Path, ...], Path] | None] = ContextVar("apophenic_read_confinement", default=None)


@contextmanager
def confined(folders: list[Path], origin: Path) -> Iterator[None]:
    """Within the block, resolved paths must lie under ``folders``; ``origin`` (the PNG) is named in errors."""
    allowed = tuple(Path(os.path.realpath(f)) for f in folders)
    token = _ALLOWED.set((allowed, Path(origin)))
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def check(path: Path) -> Path:
    """``path`` itself if reading it is allowed now; a one-line error naming the recipe's PNG if not."""
    state = _ALLOWED.get()
    if state is None:
        return path
    allowed, origin = state
    real = Path(os.path.realpath(path))  # symlinks and '..' resolved: no escaping through either
    if any(real == folder or folder in real.parents for folder in allowed):
        return path
    shown = ", ".join(str(f) for f in allowed)
    raise ApophenicError(f"{origin}: its recipe names {path}, outside the folders a recipe may read ({shown}); "
                         "if you trust it, pass that folder with --read-from")


def active() -> bool:
    """Whether reads are confined now."""
    return _ALLOWED.get() is not None
