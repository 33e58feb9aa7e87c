"""The progress line of a run, in the artist's terms.

``optimizing ━━━━━━╸━━━  40/200  goldfish 0.41, held-out 0.12  0:00:31  ETA 0:02:04``: the
target's probability on the optimized and the held-out classifiers (scored every
``output.preview_every`` steps) instead of the optimizer's objective, and an ETA from the
measured step times (:class:`apophenic.live.StepClock`), which rich's own estimate leaves
blank for most of a slow run.
"""

from __future__ import annotations

from typing import Any


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class RunProgress:
    """A rich progress bar for one run (a no-op when ``enabled`` is false)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled
        self.total = total
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> "RunProgress":
        if not self.enabled:
            return self
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.fields[score]}"),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            transient=False,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task("optimizing", total=self.total, score="", eta=_clock(None))
        return self

    def __exit__(self, *exc: object) -> bool:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False

    def advance(self, eta: float | None = None, score: str | None = None) -> None:
        """One step done; ``eta`` in seconds from measured step times; ``score`` when it was measured."""
        if self.bar is None:
            return
        fields: dict[str, Any] = {"eta": _clock(eta)}
        if score is not None:
            fields["score"] = score
        self.bar.update(self.task, advance=1, **fields)
