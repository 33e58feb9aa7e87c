"""Running a batch: plan the manifest, skip what is done, render the rest, keep journal and gallery current."""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apophenic.batch.folder import check_out, claim
from apophenic.batch.gallery import Gallery
from apophenic.batch.journal import BatchLock, Journal, clean_leftovers
from apophenic.batch.manifest import default_out, load_manifest, locate_manifest
from apophenic.batch.plan import Planned, plan
from apophenic.batch.progress import BatchDisplay
from apophenic.errors import ApophenicError

EXECUTORS = ("local", "dask")


@dataclass
class BatchReport:
    """What a batch did: counts by state, the failed cells with their error lines, where things are."""

    out: Path
    gallery: Path
    counts: dict[str, int]
    failures: list[tuple[str, str]] = field(default_factory=list)  # (cell label, error line)
    skipped: int = 0  # runs already done when the batch started
    rendered: int = 0  # runs rendered by this invocation
    executor: str = ""
    running: bool = False  # (status only) whether a batch holds the output folder now

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _task(p: Planned, out: Path, batch: str | None = None) -> dict[str, Any]:
    return {"key": p.key, "name": p.name, "config": p.config, "source": str(p.source) if p.source else None,
            "preset": p.preset, "out": str(out.resolve()), "batch": batch}


def _make_executor(kind: str, workers: int | None, scheduler: str | None, device: str | None,
                   report_steps: bool, timeout: float):
    from apophenic.batch.executors import DaskExecutor, LocalExecutor, default_workers

    if kind not in EXECUTORS:
        raise ApophenicError(f"--executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
    if kind == "dask":
        return DaskExecutor(scheduler, 2 if workers is None else workers, timeout=timeout)
    if scheduler is not None:
        raise ApophenicError("--scheduler needs --executor dask")
    return LocalExecutor(default_workers(device) if workers is None else workers, device=device, report_steps=report_steps)


def _report(journal: Journal, gallery: Gallery, skipped: int, rendered: int, executor: str) -> BatchReport:
    failures = [(e.cell, e.error or "") for e in journal.entries.values() if e.state == "failed"]
    return BatchReport(journal.out, gallery.index, journal.counts(), failures, skipped, rendered, executor)


def run_batch(
    manifest_path: Path,
    out: Path | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    retry_failed: bool = False,
    device: str | None = None,
    progress: bool = True,
    timeout: float = 10.0,
    force: bool = False,
) -> BatchReport:
    """Render every run of the manifest not done yet; one failing run never stops the others.

    :param manifest_path: the manifest TOML.
    :param out: output folder (default: the manifest's ``out``, else ``apophenic-out/<manifest name>``).
    :param workers: local worker processes (default: one per GPU, else 1), or Dask workers for a LocalCluster.
    :param executor: ``local`` or ``dask``.
    :param scheduler: a Dask scheduler address (``tcp://host:8786``); without it ``dask`` starts a LocalCluster.
    :param retry_failed: render runs that failed before again.
    :param device: device for every run (overrides the manifest and presets).
    :param progress: show the progress display.
    :param timeout: seconds to wait for a Dask scheduler to answer.
    :param force: start even in a folder that is not empty and not a previous batch's
        (only this program's marked staging folders are ever deleted there).
    """
    from apophenic.output import ensure_writable
    from apophenic.registry import get_registry

    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # inherited by every worker, read when their torch loads
    manifest_path = locate_manifest(manifest_path)
    manifest = load_manifest(manifest_path)
    out = Path(out) if out is not None else default_out(manifest_path, manifest)
    planned = plan(manifest, manifest_path, get_registry(), device)
    ensure_writable(out)
    check_out(out, force)
    runner = _make_executor(executor, workers, scheduler, device, progress, timeout)
    with runner:  # connect first: an unreachable scheduler changes nothing on disk
        batch = claim(out, manifest_path.resolve())
        with BatchLock(out):
            journal = Journal(out, manifest_path.resolve(), manifest.description)
            journal.reconcile(planned, retry_failed)
            clean_leftovers(out)
            gallery = Gallery(out, manifest.description or manifest_path.stem)
            journal.save()
            _write_gallery(gallery, journal)
            todo = [p for p in planned if journal.entries[p.key].state == "pending"]
            skipped = sum(e.state == "done" for e in journal.entries.values())
            labels = {p.key: p.cell.label for p in planned}
            counts = journal.counts()
            display = BatchDisplay(progress, len(planned), counts["done"] + counts["failed"], counts["failed"], labels)
            if progress and todo:
                display_line(f"{len(todo)} to render, {skipped} already done → {out}   ({runner.description})")
            with display:
                rendered = _render(todo, runner, journal, gallery, display, out, batch)
    return _report(journal, gallery, skipped, rendered, runner.description)


def display_line(text: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(text)


def _write_gallery(gallery: Gallery, journal: Journal) -> None:
    try:
        gallery.write(list(journal.entries.values()))
    except OSError as exc:  # the gallery is a view; a full disk must not lose the batch
        display_line(f"[yellow]warning:[/] {gallery.index}: not updated ({exc.strerror or exc})")


def _render(todo: list[Planned], runner, journal: Journal, gallery: Gallery, display: BatchDisplay, out: Path,
            batch: str) -> int:
    import time

    waiting = deque(todo)
    in_flight: set[str] = set()
    rendered = 0
    try:
        while waiting or in_flight:
            while waiting and len(in_flight) < runner.capacity:
                p = waiting.popleft()
                entry = journal.entries[p.key]
                journal.mark(p.key, "running", attempts=entry.attempts + 1, error=None, worker=None, threads=None,
                             started=time.time(), finished=None, seconds=None)
                runner.submit(_task(p, out, batch))
                in_flight.add(p.key)
            for event in runner.poll(0.25):
                if event[0] != "done":
                    continue
                outcome = event[1]
                key = outcome["key"]
                in_flight.discard(key)
                journal.mark(key, outcome["state"], error=outcome.get("error"), worker=outcome.get("worker"),
                             threads=outcome.get("threads"), finished=outcome.get("finished"), seconds=outcome.get("seconds"))
                rendered += outcome["state"] == "done"
                display.finished(outcome["state"])
                _write_gallery(gallery, journal)
            display.workers_now(runner.status())
    finally:
        # Interrupted (Ctrl-C, a lost scheduler): what was in flight is pending again, nothing else changes.
        stale = [k for k in in_flight if journal.entries[k].state == "running"]
        for key in stale:
            journal.entries[key].state = "pending"
        if stale:
            try:
                journal.save()
            except ApophenicError:
                pass
    return rendered


def batch_status(manifest_path: Path, out: Path | None = None, device: str | None = None) -> BatchReport:
    """The state of a manifest's batch, from disk: run folders first, then the journal."""
    from apophenic.registry import get_registry

    manifest_path = locate_manifest(manifest_path)
    manifest = load_manifest(manifest_path)
    out = Path(out) if out is not None else default_out(manifest_path, manifest)
    planned = plan(manifest, manifest_path, get_registry(), device)
    journal = Journal(out, manifest_path.resolve(), manifest.description)
    journal.reconcile(planned)
    saved = {e["key"]: e for e in (Journal.read(out) or {}).get("runs", []) if isinstance(e, dict) and "key" in e}
    running = BatchLock.held(out)
    for key, entry in journal.entries.items():
        if entry.state == "pending" and running and saved.get(key, {}).get("state") == "running":
            entry.state = "running"
            entry.worker = saved[key].get("worker")
    report = _report(journal, Gallery(out, ""), 0, 0, "")
    report.running = running
    return report

