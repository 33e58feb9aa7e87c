"""The files a run reads (a photo, a style image, a starting SVG), recorded portably in its recipe.

A recipe that held only ``/home/ana/photos/cat.jpg`` would work on Ana's machine alone. So the
recipe also lists each input file by name and content hash (``inputs``), and ``apophenic run
--from`` that cannot find a path as written looks for a file of that name and hash next to
the PNG, then in each ``--read-from`` folder: the picture and its photo can travel together.
Only folders the user passed are searched (docs/security.md), and a file with the right name
but other content is never used.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

_WANTED: ContextVar[tuple[dict[str, dict[str, str]], tuple[Path, ...]] | None] = ContextVar("apophenic_recipe_inputs", default=None)
_STAGED: ContextVar[tuple[Path, Path] | None] = ContextVar("apophenic_staged_folder", default=None)


def digest(path: Path) -> str:
    """The file's SHA-256, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe(read: dict[str, Path]) -> list[dict[str, str]]:
    """The recipe's ``inputs``: for each path as the config writes it, the file's name and hash."""
    return [{"path": written, "name": path.name, "sha256": digest(path)} for written, path in read.items() if path.is_file()]


@contextmanager
def findable(inputs: Any, folders: list[Path]) -> Iterator[None]:
    """Within the block, an input path that does not exist is looked up by name and hash in ``folders``."""
    wanted = {}
    if isinstance(inputs, list):
        for item in inputs:
            if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("path", "name", "sha256")):
                wanted[item["path"]] = {"name": Path(item["name"]).name, "sha256": item["sha256"]}  # a bare name: no '..'
    token = _WANTED.set((wanted, tuple(Path(f) for f in folders)))
    try:
        yield
    finally:
        _WANTED.reset(token)


def locate(written: str) -> Path | None:
    """The file a recipe's input ``written`` names, found by name and hash in the allowed folders, or None."""
    state = _WANTED.get()
    if state is None or written not in state[0]:
        return None
    want, folders = state[0][written], state[1]
    for folder in folders:
        candidate = folder / want["name"]
        if candidate.is_file() and digest(candidate) == want["sha256"]:
            return candidate
    return None


def missing(written: str) -> str | None:
    """The one-line error for a recipe input found nowhere, or None when ``written`` is no recipe input."""
    state = _WANTED.get()
    if state is None or written not in state[0]:
        return None
    want = state[0][written]
    return (f"needs {want['name']} (sha256 {want['sha256'][:12]}…), found neither at {written} nor, "
            f"with that content, next to the picture or in a --read-from folder; put the file beside the picture")


@contextmanager
def staged(final: Path, now: Path) -> Iterator[None]:
    """Within the block, a path under ``final`` — a run folder not yet published — is read from ``now``.

    A pipeline's stages are written into the pipeline's staging folder, but each stage's
    recipe names the previous stage where it will be once the pipeline is published: so the
    recipe stays true afterwards, and equal pipelines give their stages equal folder names.
    """
    token = _STAGED.set((Path(final).absolute(), Path(now).absolute()))
    try:
        yield
    finally:
        _STAGED.reset(token)


def where_now(path: Path) -> Path:
    """Where the file at ``path`` is while its folder is staged (see :func:`staged`); else ``path``."""
    state = _STAGED.get()
    if state is None or not path.is_absolute():
        return path
    final, now = state
    try:
        return now / path.relative_to(final)
    except ValueError:
        return path
