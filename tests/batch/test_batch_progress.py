"""The batch's progress lines fit an 80-column terminal with every count and time intact."""

from __future__ import annotations

import io
import re

from rich.console import Console

from apophenic.batch.progress import BatchDisplay


def test_progress_lines_fit_80_columns_with_the_counts_whole():
    console = Console(width=80, file=io.StringIO(), color_system=None)
    labels = {"k1": "imagenet-class-electric-fan-s4294967295-0123456789", "k2": "perception-engine-tick-s3-9876543210"}
    display = BatchDisplay(True, 100, 10, 2, labels, console=console)
    display.workers_now({"worker-with-a-long-name-1": ("k1", 150, 300), "w2": ("k2", 7, 1000)})
    display.finished("done")
    with console.capture() as shown:  # what the live display draws, once
        console.print(display.progress.make_tasks_table(display.progress.tasks))
    lines = [line.rstrip() for line in shown.get().splitlines() if line.strip()]
    assert lines and all(len(line) <= 80 for line in lines), "\n".join(lines)
    batch = next(line for line in lines if "batch" in line)
    assert re.search(r"\b11/100\b", batch) and "9 done" in batch and "2 failed" in batch, batch
    assert any(re.search(r"\b150/300\b", line) for line in lines) and any(re.search(r"\b7/1000\b", line) for line in lines)
