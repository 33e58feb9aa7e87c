"""A batch's output folder: which folders a batch may write into, and the marker that claims one.

A batch deletes leftovers in its output folder, so it must never start in a folder
that holds someone else's files: it starts only in a folder that does not exist, is
empty, or was a batch's folder before (it holds ``.apophenic-batch``, or a batch
journal from before that marker existed) — unless the user passes ``--force``. Even
then, only folders carrying this program's staging marker are ever deleted.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from apophenic.errors import ApophenicError
from apophenic.output import PROGRAM

MARKER = ".apophenic-batch"


def batch_id(out: Path) -> str | None:
    """The id of the batch that claimed ``out``, or None when no batch did."""
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("program") == PROGRAM and isinstance(data.get("batch"), str):
        return data["batch"]
    return None


def _was_batch_folder(out: Path) -> bool:
    from apophenic.batch.journal import Journal

    return batch_id(out) is not None or Journal.read(out) is not None


def check_out(out: Path, force: bool = False) -> None:
    """Refuse an output folder that is not empty and not a previous batch's, unless ``force``."""
    if out.is_symlink() and not out.exists():
        raise ApophenicError(f"{out}: output folder is a broken link")
    if not out.exists():
        return
    if not out.is_dir():
        raise ApophenicError(f"{out}: output folder is a file, expected a folder")
    if force or _was_batch_folder(out):
        return
    try:
        empty = next(os.scandir(out), None) is None
    except OSError as exc:
        raise ApophenicError(f"{out}: output folder cannot be read ({exc.strerror or exc})") from None
    if not empty:
        raise ApophenicError(
            f"{out}: not empty and not a batch's output folder; choose a new or empty folder, or pass --force"
        )


def claim(out: Path, manifest: Path) -> str:
    """Create ``out`` if needed and mark it as this batch's folder; returns the batch id (kept across resumes)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        found = batch_id(out)
        if found is not None:
            return found
        found = uuid.uuid4().hex
        data = {"program": PROGRAM, "batch": found, "manifest": str(manifest)}
        (out / MARKER).write_text(json.dumps(data) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ApophenicError(f"{out}: output folder cannot be written ({exc.strerror or exc})") from None
    return found
