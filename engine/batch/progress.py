"""The batch's progress display: one bar for the batch (done / failed / ETA) and a line per worker."""

from __future__ import annotations

from typing import Any


class BatchDisplay:
    """A rich progress display, or nothing when ``enabled`` is false."""

    def __init__(self, enabled: bool, total: int, finished: int, failed: int, labels: dict[str, str],
                 console: Any = None) -> None:
        self.enabled = enabled
        self.labels = labels
        self.done = finished - failed
        self.failed = failed
        self.workers: dict[str, Any] = {}
        if not enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.table import Column

        # Fits an 80-column terminal: the counts and times keep their width; a long worker name
        # or run label is shortened with an ellipsis instead (it once cut "10/100" to "10/…").
        def squeezable(width: int) -> Column:
            return Column(max_width=width, no_wrap=True, overflow="ellipsis")

        self.progress = Progress(
            TextColumn("{task.description}", table_column=squeezable(12)),
            BarColumn(bar_width=16),
            MofNCompleteColumn(table_column=Column(no_wrap=True, min_width=7)),
            TextColumn("{task.fields[info]}", table_column=squeezable(22)),
            TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
            TimeRemainingColumn(table_column=Column(no_wrap=True, min_width=7)),
            console=console,
        )
        self.batch = self.progress.add_task("[bold]batch", total=total, completed=finished, info=self._info())

    def _info(self) -> str:
        return f"[green]{self.done} done[/] [red]{self.failed} failed[/]"

    def __enter__(self) -> BatchDisplay:
        if self.enabled:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.__exit__(*exc)

    def finished(self, state: str) -> None:
        """One run finished, as ``done`` or ``failed``."""
        if state == "done":
            self.done += 1
        else:
            self.failed += 1
        if self.enabled:
            self.progress.update(self.batch, advance=1, info=self._info())

    def workers_now(self, status: dict[str, tuple[str, int, int]]) -> None:
        """Refresh the per-worker lines: worker -> (run key, step, steps)."""
        if not self.enabled:
            return
        from rich.markup import escape

        for worker, (key, step, steps) in status.items():
            label = escape(self.labels.get(key, key))
            if worker not in self.workers:
                self.workers[worker] = self.progress.add_task(f"  {escape(worker)}", total=steps or None, info=label)
            self.progress.update(self.workers[worker], completed=step, total=steps or None, info=label, visible=True)
        for worker, task in self.workers.items():
            if worker not in status:
                self.progress.update(task, info="[dim]idle[/]", completed=0, total=None)
