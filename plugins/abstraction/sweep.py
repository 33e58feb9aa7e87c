"""Run one preset for several targets (a sweep) or once per held-out classifier (leave one out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError
from apophenic.record import write_json
from apophenic.plugins.abstraction.contact_sheet import Cell, caption_for, contact_sheet, score_lines
from apophenic.plugins.abstraction.ensemble import set_target, split_perceivers
from apophenic.runs import run_data, validate_run


@dataclass
class Drawing:
    """One finished run of a sweep or a leave-one-out: what it aimed at and what came out."""

    target: str
    result: Any  # apophenic.run.RunResult: folder, record, images
    held_out: str | None = None

    @property
    def record(self) -> dict[str, Any]:
        return self.result.record


def _run(data: dict[str, Any], source: Path | None, preset: str | None, out: Path, progress: bool) -> Any:
    return run_data(data, source, out, name=preset, progress=progress)


def sweep(data: dict[str, Any], targets: Sequence[str], out: Path, source: Path | None = None,
          preset: str | None = None, progress: bool = True, sheet: Path | None = None) -> list[Drawing]:
    """Run ``data`` once per target; write each run folder, ``sweep.json`` and a contact sheet in ``out``.

    Every target is checked before the first run, so a misspelled third target costs nothing.
    """
    if not targets:
        raise ApophenicError("--targets: give at least one ImageNet class, e.g. --targets \"electric fan,tick\"")
    planned = [(t, set_target(data, t, source)) for t in targets]
    for _, d in planned:  # validate every config up front as well
        validate_run(d, source)
    drawings = [Drawing(t, _run(d, source, preset, out, progress)) for t, d in planned]
    cells = [Cell(d.result.images, d.target, caption_for(d.record)) for d in drawings]
    contact_sheet(cells, sheet or out / "contact-sheet.png")
    write_json({"preset": preset, "targets": list(targets), "runs": [_summary(d) for d in drawings]}, out / "sweep.json")
    return drawings


def leave_one_out(data: dict[str, Any], target: str, perceivers: Sequence[str] | None, out: Path,
                  source: Path | None = None, preset: str | None = None, progress: bool = True) -> dict[str, Any]:
    """Run ``target`` once per classifier, holding that one out and optimizing on the rest.

    Returns (and writes as ``transfer-<target>.json``) the transfer matrix: one row per run,
    keyed by the held-out classifier, with every classifier's probability and rank of the target.
    """
    names = list(perceivers) if perceivers else [str(p.get("name") or p.get("type")) for p in data.get("perceivers", [])]
    if len(names) < 2:
        raise ApophenicError(f"leave one out needs at least two classifiers (got {names}); list them with --perceivers")
    data = set_target(data, target, source)
    planned = [(held, split_perceivers(data, [n for n in names if n != held], [held])) for held in names]
    for _, d in planned:
        validate_run(d, source)
    drawings = [Drawing(target, _run(d, source, preset, out, progress), held_out=held) for held, d in planned]
    rows = []
    for d in drawings:
        scores = {s["perceiver"]: {"probability": s["probability"], "rank": s["rank"], "held_out": s["held_out"]}
                  for s in d.record["scores"]}
        rows.append({"held_out": d.held_out, "folder": str(d.result.folder), "scores": scores})
    matrix = {"target": target, "preset": preset, "perceivers": names, "rows": rows}
    stem = "".join(c if c.isalnum() else "-" for c in target).strip("-") or "target"
    write_json(matrix, out / f"transfer-{stem}.json")
    cells = [Cell(d.result.images, f"held out: {d.held_out}", score_lines([s for s in d.record["scores"] if s["held_out"]]))
             for d in drawings]
    contact_sheet(cells, out / f"transfer-{stem}.png")
    return matrix


def _summary(d: Drawing) -> dict[str, Any]:
    rec = d.record
    return {"target": d.target, "folder": str(d.result.folder), "scores": rec["scores"],
            "wall_seconds": rec["wall_seconds"], "files": rec["files"]}
