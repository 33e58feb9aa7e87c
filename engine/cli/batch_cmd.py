"""``apophenic batch``: render a manifest of runs resumably, locally or on a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from apophenic.errors import ApophenicError


def install(app: typer.Typer) -> None:
    app.command("batch")(batch)


def batch(
    manifest: str = typer.Argument(..., help="Batch manifest: a .toml with grid and/or runs tables (see docs/batch.md), or a shipped one by name: gallery-demo."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Worker processes (default: one per GPU, else 1; dask: 2)."),
    executor: str = typer.Option("local", "--executor", "-e", help="local (a process pool) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: the manifest's `out`, else apophenic-out/<manifest name>)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps for every run (changes the run hashes)."),
    status: bool = typer.Option(False, "--status", help="Print the batch's progress and failures; render nothing."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Render the runs that failed before again."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for a Dask scheduler to answer."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    force: bool = typer.Option(False, "--force", help="Start even in a folder that is not empty and not a previous batch's."),
) -> None:
    """Render every run of a manifest not done yet; finished runs are skipped, so a killed batch resumes.

    Each run goes to OUT/<preset>-<hash>/ (the hash covers the resolved config and seed),
    written to a temporary folder and renamed into place when complete. OUT/batch.json
    records every run's state; OUT/gallery/index.html is rewritten after every finished run.
    """
    from apophenic.batch.runner import batch_status, run_batch

    if device is not None and device not in ("auto", "cpu", "cuda", "mps"):
        raise ApophenicError(f"--device {device!r}: expected auto, cpu, cuda or mps")
    if status:
        _print_status(batch_status(manifest, out, device), manifest)
        return
    if scheduler is not None:
        executor = "dask"
    report = run_batch(manifest, out, workers, executor, scheduler, retry_failed, device, progress=not quiet, timeout=timeout,
                       force=force)
    _print_summary(report, quiet)
    if report.failures:
        raise ApophenicError(
            f"{len(report.failures)} of {report.total} runs failed (listed above); "
            f"fix the manifest and rerun, or retry them with --retry-failed"
        )


def _print_failures(console, failures: list[tuple[str, str]]) -> None:
    from rich.markup import escape

    if failures:
        console.print(f"[bold red]{len(failures)} failed:[/]")
        for cell, error in failures:
            console.print(f"  [bold]{escape(cell)}[/]: {escape(error)}")


def _counts(report) -> str:
    c = report.counts
    return f"{report.total} runs: {c['done']} done, {c['failed']} failed, {c['running']} running, {c['pending']} pending"


def _print_summary(report, quiet: bool) -> None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    _print_failures(console, report.failures)
    if not quiet:
        console.print(f"{_counts(report)} ({report.rendered} rendered now, {report.skipped} were done before)")
        console.print(f"gallery: {report.gallery}")


def _print_status(report, manifest: str) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    state = "a batch is running there now" if report.running else "no batch is running there"
    console.print(f"{manifest} → {report.out} ({state})")
    console.print(_counts(report))
    _print_failures(console, report.failures)
    if report.gallery.exists():
        console.print(f"gallery: {report.gallery}")
