"""``batch.json``: the state of every run of a batch, rewritten atomically after each change.

The run folders on disk are the truth (a folder exists only once its run is
complete); the journal adds what the folders cannot say: which runs failed and
why, which are in flight, how many attempts each took. On restart, runs whose
folder exists are done whatever the journal says, runs left ``running`` by a
killed batch go back to ``pending``, and ``failed`` runs stay failed unless
``--retry-failed``.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from apophenic.batch.plan import Planned
from apophenic.errors import ApophenicError
from apophenic.output import remove_stale, write_json

JOURNAL = "batch.json"
LOCK = ".batch.lock"
FORMAT = "apophenic-batch-journal/1"
STATES = ("pending", "running", "done", "failed")


@dataclass
class Entry:
    """One run in the journal."""

    key: str  # folder name, or ``cell:<label>`` for a cell that never resolved
    cell: str
    name: str | None
    preset: str | None
    target: str | int | None
    seed: int | None
    overrides: list[str]  # the cell's own overrides (shared ones are in every recipe)
    state: str = "pending"
    error: str | None = None
    attempts: int = 0
    worker: str | None = None
    threads: int | None = None  # torch threads the worker rendered with
    started: float | None = None
    finished: float | None = None
    seconds: float | None = None


def is_complete(folder: Path) -> bool:
    """A finished run folder: renamed into place (so it holds run.json and final.png), not an interrupted one."""
    if not ((folder / "run.json").is_file() and (folder / "final.png").is_file()):
        return False
    try:
        status = json.loads((folder / "run.json").read_text()).get("status")
    except (OSError, ValueError, AttributeError):
        return False
    return status in (None, "finished")


class Journal:
    """The batch's entries, in manifest order, saved to ``out/batch.json``."""

    def __init__(self, out: Path, manifest: Path, description: str = "") -> None:
        self.out = out
        self.path = out / JOURNAL
        self.manifest = manifest
        self.description = description
        self.entries: dict[str, Entry] = {}

    # -- building ------------------------------------------------------------------------
    @staticmethod
    def read(out: Path) -> dict[str, Any] | None:
        """The saved journal, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads((out / JOURNAL).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None

    def reconcile(self, planned: list[Planned], retry_failed: bool = False) -> None:
        """Entries for the planned runs, their state taken from disk first, then the old journal."""
        old = {e["key"]: e for e in (self.read(self.out) or {}).get("runs", []) if isinstance(e, dict) and "key" in e}
        for p in planned:
            entry = Entry(p.key, p.cell.label, p.name, p.preset, p.cell.target, p.config["seed"] if p.config else p.cell.seed,
                          list(p.cell.overrides))
            before = old.get(p.key, {})
            entry.attempts = int(before.get("attempts") or 0)
            if p.error is not None:
                entry.state, entry.error = "failed", p.error
            elif is_complete(self.out / p.name):
                entry.state = "done"
                for k in ("worker", "threads", "started", "finished", "seconds"):
                    setattr(entry, k, before.get(k))
            elif before.get("state") == "failed" and not retry_failed:
                entry.state, entry.error = "failed", before.get("error")
            self.entries[p.key] = entry

    # -- changes -------------------------------------------------------------------------
    def mark(self, key: str, state: str, **fields: Any) -> Entry:
        """Set an entry's state (and fields) and save."""
        assert state in STATES
        entry = self.entries[key]
        entry.state = state
        for k, v in fields.items():
            setattr(entry, k, v)
        self.save()
        return entry

    def counts(self) -> dict[str, int]:
        """How many runs are in each state."""
        found = dict.fromkeys(STATES, 0)
        for e in self.entries.values():
            found[e.state] += 1
        return found

    def save(self) -> None:
        """Write batch.json atomically; a full disk is a one-line error, finished runs are safe."""
        data = {
            "format": FORMAT,
            "manifest": str(self.manifest),
            "description": self.description,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "counts": self.counts(),
            "runs": [asdict(e) for e in self.entries.values()],
        }
        try:
            write_json(data, self.path)
        except OSError as exc:
            (self.out / f".{JOURNAL}.tmp").unlink(missing_ok=True)
            raise ApophenicError(
                f"{self.path}: cannot write the journal ({exc.strerror or exc}); finished runs are kept, rerun to resume"
            ) from None


class BatchLock:
    """An exclusive lock on the output folder, so two batches never write the same runs.

    The kernel drops it when the process dies, so a killed batch never leaves it behind.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / LOCK
        self.handle = None

    def __enter__(self) -> BatchLock:
        try:
            self.handle = open(self.path, "a+")
        except OSError as exc:
            raise ApophenicError(f"{self.path}: cannot create the batch lock ({exc.strerror or exc})") from None
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise ApophenicError(f"{self.path.parent}: another batch is running in this output folder") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()

    @staticmethod
    def held(out: Path) -> bool:
        """Whether a batch holds the lock on ``out`` right now."""
        path = out / LOCK
        if not path.exists():
            return False
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def clean_leftovers(out: Path) -> list[Path]:
    """Remove the staging folders of runs that a killed batch left half-written.

    Called with the batch lock held. Only folders carrying this program's marker
    are candidates (see :func:`apophenic.output.remove_stale`); one whose writer
    pid is still alive on this machine is kept.
    """
    return remove_stale(out)
