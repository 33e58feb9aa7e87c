"""Writing a run's files: PNGs that carry their recipe, JSON, atomic run folders."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Iterator


from apophenic.errors import ApophenicError
from apophenic.image_file import RECIPE_KEY, load_image, save_png, to_pil  # noqa: F401 - re-exported
from apophenic.structured import loads_json

def read_recipe(path: Path) -> dict[str, Any]:
    """The recipe embedded in a PNG written by apophenic."""
    if not Path(path).is_file():
        raise ApophenicError(f"{path}: no such file")
    text = load_image(path, "PNG").info.get(RECIPE_KEY)
    if not text:
        raise ApophenicError(f"{path}: carries no apophenic recipe (was it written by `apophenic run`?)")
    recipe = loads_json(text, path, "its embedded recipe")
    if not isinstance(recipe, dict) or not isinstance(recipe.get("config"), dict):
        raise ApophenicError(f"{path}: its embedded recipe has no `config` table")
    for key in ("source", "preset"):
        if recipe.get(key) is not None and not isinstance(recipe[key], str):
            raise ApophenicError(f"{path}: its embedded recipe's `{key}` is a {type(recipe[key]).__name__}, expected a path or name")
    return recipe


def write_json(data: Any, path: Path) -> Path:
    """Write JSON atomically (temp file + rename)."""
    return write_atomic(path, (json.dumps(data, indent=2, sort_keys=False, default=str) + "\n").encode("utf-8"))


def write_atomic(path: Path | str, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a fresh temporary file beside it and an atomic rename.

    A crash never leaves half a file, no file of the user's is touched on the way (the
    temporary name is new), and the file gets the mode any program's new file gets:
    ``0666`` less the umask. (``tempfile.mkstemp`` would make it ``0600``, private to
    its owner, which a print shop's or a web server's account then cannot read.)
    """
    path = Path(path)
    created = make_folders(path.parent)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.with_name(f".{path.name}.{_token()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the kernel applies the umask
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        remove_empty(created)
        raise
    return path


def ensure_writable(folder: Path) -> Path:
    """Check that ``folder`` could be written, without creating it.

    Output folders are created only when there is something to put in them (by
    :func:`staged_folder`), so bad input that fails later leaves nothing on disk.
    The check walks up to the nearest existing folder and asks whether it is a
    writable directory.
    """
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():  # a dangling link: mkdir would fail on it
            raise ApophenicError(f"{folder}: output folder cannot be written ({probe} is a broken link)")
        probe = probe.parent
    if not probe.is_dir():
        raise ApophenicError(f"{folder}: output folder cannot be written ({probe} is not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ApophenicError(f"{folder}: output folder cannot be written ({probe}: permission denied)")
    return folder


MARKER = ".apophenic-staging"
"""The file written first into every folder this program stages; its presence is the proof
that the folder is ours, and the only licence to ever delete or replace it."""

PROGRAM = "apophenic"

staging_owner: ContextVar[str | None] = ContextVar("staging_owner", default=None)
"""Who stages folders in this context (a batch's id, set by its worker); recorded in the marker."""


def _token() -> str:
    return uuid.uuid4().hex[:8]


def _staging_name(kind: str, name: str) -> str:
    """``.tmp-<name>-<pid>-<token>``: unique per call, with the writer's pid for leftover cleanup."""
    return f".{kind}-{name}-{os.getpid()}-{_token()}"


def staging_pid(folder: Path) -> int | None:
    """The pid in a staging folder's name (``.tmp-<name>-<pid>-<token>``), or None if it has none."""
    parts = folder.name.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdecimal():
        return None
    return int(parts[1])


def write_marker(folder: Path) -> None:
    """Mark ``folder`` as created by this program (and by which batch, when one is staging)."""
    data = {"program": PROGRAM, "batch": staging_owner.get(), "pid": os.getpid(), "host": socket.gethostname()}
    (folder / MARKER).write_text(json.dumps(data) + "\n", encoding="utf-8")


def is_ours(folder: Path) -> bool:
    """Whether ``folder`` is a real folder (not a link) holding this program's marker."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("program") == PROGRAM


def _was_written_by_run(folder: Path) -> bool:
    """A finished run folder (any command's): its ``run.json`` is an object holding the run's ``config``."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and isinstance(record.get("config"), dict)


def remove_ours(folder: Path) -> bool:
    """Delete ``folder`` only if it carries our marker; returns whether it was removed."""
    if not is_ours(folder):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def remove_stale(parent: Path, name: str | None = None) -> list[Path]:
    """Remove staging folders under ``parent`` (of run ``name``, or all) that we made and whose writer is dead.

    A folder without the marker (a user's ``.tmp-keep``, a leftover from before markers)
    is never touched, whatever its name.
    """
    stem = "*" if name is None else f"{glob_escape(name)}-*"
    removed = []
    for path in [*parent.glob(f".tmp-{stem}"), *parent.glob(f".old-{stem}")]:
        pid = staging_pid(path)
        if pid is None or owner_alive(pid) or not is_ours(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


PUBLISH_ATTEMPTS = 64
"""Concurrent writers of one folder retry their rename; each retry means another writer just won."""


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """A marked temporary sibling of ``final``, renamed into place only if the block succeeds.

    The marker is written first, so a killed run leaves a ``.tmp-*`` folder that the
    next run of the same folder can prove is ours and remove. Two identical runs
    finishing at once both succeed (see :func:`publish`).
    """
    parent = final.parent
    created = make_folders(parent)  # the output folder appears only once there is a run to write
    remove_stale(parent, final.name)
    tmp = parent / _staging_name("tmp", final.name)
    tmp.mkdir()  # a fresh unique name: never an existing folder
    try:
        write_marker(tmp)
        yield tmp
        publish(tmp, final)
    except BaseException:
        remove_ours(tmp)
        remove_empty(created)  # an error writes nothing: not even the --out folder it would have filled
        raise


def make_folders(folder: Path) -> list[Path]:
    """``mkdir -p folder``; returns the folders it created, deepest first (for :func:`remove_empty`)."""
    missing = []
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove each folder (deepest first) that is still empty; one another writer has filled stays."""
    for folder in folders:
        try:
            folder.rmdir()  # only ever removes an empty folder
        except OSError:
            return


def publish(tmp: Path, final: Path) -> None:
    """Rename the marked staging folder ``tmp`` to ``final``, replacing an earlier run folder there.

    Each rename is atomic; a writer that finds ``final`` taken moves it aside (marked, so
    it can be deleted) and tries again. A ``final`` that is not ours is never replaced.
    """
    for _ in range(PUBLISH_ATTEMPTS):
        try:
            os.rename(tmp, final)  # replaces only an absent or empty folder
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        else:
            (final / MARKER).unlink(missing_ok=True)  # a finished run folder holds only the run's files
            return
        before = _identity(final)
        if before is None:
            continue  # another writer moved it aside in between
        if not (is_ours(final) or _was_written_by_run(final)):
            # Other writers may have swapped the folder while it was read, and a freed inode
            # number comes back: only a folder that stood still through a second look, and
            # failed it too, is someone else's (and never replaced).
            if _identity(final) == before and not (is_ours(final) or _was_written_by_run(final)) and _identity(final) == before:
                raise ApophenicError(f"{final}: already exists and was not written by apophenic; move it away first")
            continue
        aside = final.parent / _staging_name("old", final.name)
        try:
            write_marker(final)  # so a kill right after the rename leaves a folder provably ours
            os.rename(final, aside)
        except FileNotFoundError:  # another writer moved it first
            continue
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                raise
            continue
        shutil.rmtree(aside, ignore_errors=True)  # we just moved it there under a unique name: it is ours
    raise ApophenicError(f"{final}: other writers kept replacing it; gave up after {PUBLISH_ATTEMPTS} attempts")


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which folder stands at ``path`` now (device, inode, change time), or None when none does."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns


def owner_alive(pid: int | str) -> bool:
    """Whether the process that left a staging folder still runs here (ours does: another thread may be writing)."""
    try:
        pid = int(pid)
        os.kill(pid, 0)
    except (ValueError, OverflowError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
