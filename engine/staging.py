"""Staging folders that apophenic can prove it created, and publishing them into place without races.

A run is written into a *container*: a hidden sibling of its final folder,
``.tmp-<name>-<random>/``, whose first file is a marker (:data:`MARKER`) naming
this program, the writing process and host, and the batch (if any). The run
itself is written to ``<container>/run/``; publishing renames that into place.
A final folder being replaced is first moved into an ``.old-<name>-<random>/``
container, marked the same way, then removed.

Only a container whose marker says apophenic wrote it, and whose writer is gone,
is ever deleted: a user's own ``.tmp-keep`` or ``.old-notes`` is never touched.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apophenic.errors import ApophenicError

PROGRAM = "apophenic"
MARKER = ".apophenic-staging"
"""Marker file written first into every staging container; cleanup deletes nothing without it."""

PUBLISH_ATTEMPTS = 64
"""Concurrent writers of the same folder each retry their rename; each retry means another writer won."""

_batch: str | None = None


def set_batch(batch: str | None) -> None:
    """Name the batch that this process's staging containers belong to (None outside a batch)."""
    global _batch
    _batch = batch


def new_container(parent: Path, prefix: str) -> Path:
    """A fresh ``parent/<prefix>-<random>`` folder holding only its marker (written before anything else)."""
    for _ in range(100):
        container = parent / f"{prefix}-{secrets.token_hex(6)}"
        try:
            container.mkdir(parents=True)
        except FileExistsError:  # never reuse (or delete) a folder that is already there
            continue
        marker = {"program": PROGRAM, "pid": os.getpid(), "host": socket.gethostname(), "batch": _batch,
                  "created": time.time()}
        try:
            (container / MARKER).write_text(json.dumps(marker))
        except BaseException:
            container.rmdir()
            raise
        return container
    raise ApophenicError(f"{parent}: cannot create a staging folder (100 names taken)")  # pragma: no cover


def read_marker(container: Path) -> dict | None:
    """The marker of an apophenic staging container, or None when ``container`` is not provably ours."""
    try:
        if container.is_symlink() or not container.is_dir():
            return None
        data = json.loads((container / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("program") != PROGRAM or not isinstance(data.get("pid"), int):
        return None
    return data


def writer_gone(marker: dict) -> bool:
    """Whether the process that made a container has ended (a writer on another host counts as alive)."""
    if marker.get("host") != socket.gethostname():
        return False
    pid = marker["pid"]
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return pid <= 0
    return False


def remove_container(container: Path) -> bool:
    """Delete ``container`` only if its marker proves apophenic made it; whether it was deleted."""
    if read_marker(container) is None:
        return False
    shutil.rmtree(container, ignore_errors=True)
    return True


def sweep(parent: Path, pattern: str = "*", batch: str | None = None, any_host: bool = False) -> list[Path]:
    """Remove apophenic's abandoned containers (``.tmp-<pattern>``/``.old-<pattern>``) under ``parent``.

    A container goes only if its marker proves we made it and its writer is gone.
    With ``batch`` (the caller holds that batch's lock), containers of that batch
    written on another host go too: no other process of the batch can be running.
    """
    removed = []
    for path in [*parent.glob(f".tmp-{pattern}"), *parent.glob(f".old-{pattern}")]:
        marker = read_marker(path)
        if marker is None:
            continue
        other_host_same_batch = batch is not None and marker.get("batch") == batch and marker.get("host") != socket.gethostname()
        if writer_gone(marker) or (any_host and other_host_same_batch):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def is_ours(folder: Path) -> bool:
    """Whether an existing final folder was written by apophenic (it holds a run record)."""
    return (folder / "run.json").is_file() and not folder.is_symlink()


def publish(staged: Path, final: Path) -> None:
    """Rename ``staged`` to ``final``, replacing an earlier apophenic folder there; safe against concurrent writers.

    Two identical runs finishing at once both succeed: each rename is atomic, and a
    writer that finds ``final`` taken moves it aside into a marked container and tries again.
    """
    for _ in range(PUBLISH_ATTEMPTS):
        try:
            os.rename(staged, final)  # atomic; replaces only an absent (or empty) folder
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise
        if not final.is_dir() or not is_ours(final):
            if final.exists() or final.is_symlink():
                raise ApophenicError(f"{final}: already exists and was not written by apophenic; move it away first")
            continue  # another writer moved it aside between our rename and this check
        aside = new_container(final.parent, f".old-{final.name}")
        try:
            os.rename(final, aside / "run")
        except FileNotFoundError:  # another writer moved it first
            pass
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST):
                raise
        shutil.rmtree(aside, ignore_errors=True)
    raise ApophenicError(f"{final}: other writers kept replacing it; {PUBLISH_ATTEMPTS} attempts failed")


@contextmanager
def staged(final: Path) -> Iterator[Path]:
    """A folder to write ``final``'s content into, published only if the block succeeds."""
    parent = final.parent
    sweep(parent, f"{final.name}-*")
    container = new_container(parent, f".tmp-{final.name}")
    work = container / "run"
    try:
        work.mkdir()
        yield work
        publish(work, final)
    finally:
        shutil.rmtree(container, ignore_errors=True)
