"""The word vectors that ship with the plugin, so queries work offline right after install."""

from __future__ import annotations

import functools
from pathlib import Path

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.vectors import WordVectors

SHIPPED_NAME = "minilm-words.npz"


def shipped_path() -> Path:
    """The ``.npz`` inside the installed package (MiniLM-derived, see ``data/NOTICE``)."""
    import importlib.resources

    return Path(str(importlib.resources.files("apophenic.plugins.analogy") / "data" / SHIPPED_NAME))


@functools.cache
def _cached(path: str, limit: int | None) -> WordVectors:
    from apophenic.plugins.analogy.formats import load_vectors

    return load_vectors(Path(path), limit)


def load(path: Path | None = None, limit: int | None = None) -> WordVectors:
    """Vectors from ``path``, or the shipped ones when ``path`` is ``None`` (cached per process)."""
    if path is None:
        path = shipped_path()
        if not path.is_file():
            raise ApophenicError(f"{path}: the shipped word vectors are missing; reinstall apophenic or pass --vectors")
    return _cached(str(Path(path).expanduser()), limit)
