"""What a run shows while it works: ``preview.png``, ``progress.json`` and the target's probability.

The run's files are staged in a hidden folder and appear atomically when it ends (see
:mod:`apophenic.record`); but a person wants to look now. So the run's *final* folder —
the one the first output line names — exists from the start as a live folder holding
``preview.png`` (atomically replaced every ``output.preview_every`` steps) and
``progress.json`` (step, measured step time, ETA, and the target's probability on every
classifier). When the run's folder is published it replaces the live one; when the run
fails or is quit, whatever the live folder added is removed again.

Scoring is cheap on purpose: one untransformed forward pass per classifier under
:func:`torch.inference_mode`, every ``preview_every`` steps, drawing no random numbers (so
a previewed run gives the pixels an unpreviewed one gives).
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apophenic.output import MARKER, _was_written_by_run, is_ours, make_folders, remove_empty, remove_ours, write_json, write_marker

if TYPE_CHECKING:
    import torch

    from apophenic.build import RunParts

PREVIEW = "preview.png"
PROGRESS = "progress.json"


@dataclass
class StepClock:
    """Measured step times; the ETA is the median of the recent ones times the steps left.

    A median of recent steps follows a machine that becomes loaded (or free) and ignores
    the odd slow step (a snapshot, a garbage collection).
    """

    window: int = 20
    times: list[float] = field(default_factory=list)
    last: float | None = None

    def start(self) -> None:
        self.last = time.perf_counter()

    def tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.times.append(now - self.last)
            del self.times[:-self.window]
        self.last = now

    def step_seconds(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def eta(self, steps_left: int) -> float | None:
        per = self.step_seconds()
        return None if per is None else per * max(0, steps_left)


def target_scores(parts: "RunParts", images: "torch.Tensor") -> list[dict[str, Any]]:
    """The probability of each target class on every classifier, held-out ones included (cheap, no gradients)."""
    import torch

    from apophenic import legibility
    from apophenic.imagenet import short_name

    scores = []
    with torch.inference_mode():
        for name, perceiver in parts.ensemble.perceivers.items():
            if perceiver.labels is None or not parts.class_targets:
                continue
            probs = legibility.class_probabilities(perceiver, images)
            for target in parts.class_targets:
                scores.append({"perceiver": name, "held_out": name in parts.ensemble.held_out,
                               "target": short_name(target), "probability": float(probs[target])})
    return scores


def summary(scores: list[dict[str, Any]]) -> str:
    """``goldfish 0.41, held-out 0.12``: the mean probability of the first target, optimized and held out."""
    if not scores:
        return ""
    target = scores[0]["target"]
    parts = []
    for held, label in ((False, target), (True, "held-out")):
        values = [s["probability"] for s in scores if s["held_out"] == held and s["target"] == target]
        if values:
            parts.append(f"{label} {sum(values) / len(values):.2f}")
    return ", ".join(parts)


class LiveFolder:
    """The run's final folder while the run works: ``preview.png`` and ``progress.json``.

    :param final: the folder the run will publish.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self.created = False
        self.made: list[Path] = []  # the folders open() created, deepest first: close() takes them back
        self.usable = False
        self.written: set[str] = set()

    def open(self) -> "LiveFolder":
        """Create the folder (marked as ours) unless a run folder is already there, which then holds the live files."""
        final = self.final
        if not final.exists() and not final.is_symlink():
            self.made = make_folders(final)
            write_marker(final)  # ours: the publish may replace it, a failed run may remove it
            self.created = True
        self.usable = final.is_dir() and not final.is_symlink() and (is_ours(final) or _was_written_by_run(final))
        return self

    def _replace(self, name: str, write) -> None:
        if not self.usable:
            return
        stem, dot, suffix = name.rpartition(".")
        tmp = self.final / f".{stem}-{os.getpid()}.tmp.{suffix}"  # keeps the suffix: PIL picks the format from it
        try:
            write(tmp)
            os.replace(tmp, self.final / name)  # atomic: a viewer never reads half a file
            self.written.add(name)
        except OSError:  # the folder was published or removed under us: a preview is not worth failing over
            tmp.unlink(missing_ok=True)

    def preview(self, images: "torch.Tensor") -> None:
        """Replace ``preview.png`` with these images."""
        from apophenic.image_file import save_png

        self._replace(PREVIEW, lambda path: save_png(images, path))

    def progress(self, data: dict[str, Any]) -> None:
        """Replace ``progress.json``."""
        self._replace(PROGRESS, lambda path: write_json(data, path))

    def close(self, published: bool) -> None:
        """After the run: a published folder replaced the live one; otherwise take back what was added."""
        if published or not self.usable:
            return
        if self.created and (self.final / MARKER).exists() and not (self.final / "run.json").exists():
            remove_ours(self.final)
            remove_empty(self.made[1:])  # the --out folders it made for it: an error writes nothing
            return
        for name in self.written:
            (self.final / name).unlink(missing_ok=True)
