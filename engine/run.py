"""A single run: build, optimize, score and write the run folder.

The parts live one concern per module: :mod:`apophenic.build` makes the components from
a config, :mod:`apophenic.loop` optimizes them, :mod:`apophenic.record` writes the
folder and its ``run.json``. :func:`execute` puts them together for ``apophenic run``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
from pydantic import BaseModel

from apophenic import candidates, legibility
from apophenic.build import Ensemble, RunParts, build
from apophenic.errors import NonFiniteLoss
from apophenic.image_file import save_png
from apophenic.loop import class_scores, make_loss, measure, optimize_steps
from apophenic.inputs import describe
from apophenic.record import RunRecord, RunResult, RunState, check_out, folder_name, run_folder, run_label, safe_name, versions
from apophenic.registry import Registry, get_registry

# Names older code imported from here (apophenic.run is private; apophenic.loop and apophenic.record are public).
make_loss_fn = make_loss
__all__ = ["Ensemble", "NonFiniteLoss", "RunParts", "RunResult", "RunState", "build", "class_scores", "execute",
           "measure", "optimize_steps", "run_name", "versions"]


def run_name(config: BaseModel, preset: str | None) -> str:
    """``<name>-<targets>-s<seed>-<hash>`` (``imagenet-class-goldfish-s0-1a2b3c4d5e``): readable first,
    then a hash of the resolved config (seed included), so equal recipes share a folder."""
    from apophenic.imagenet import short_name

    targets = [short_name(t) for o in config.objectives for t in o.class_targets()]
    return folder_name(run_label(config.output.name or preset or "run", targets, config.seed), config.model_dump(mode="json"))


def execute(
    config: BaseModel,
    out: Path,
    source: Path | None = None,
    registry: Registry | None = None,
    progress: bool = True,
    preset: str | None = None,
) -> RunResult:
    """Optimize, then write ``out/<run-name>/`` atomically: final.png (recipe embedded), run.json, exports."""
    registry = registry or get_registry()
    started = time.perf_counter()
    check_out(out)
    parts = build(config, source)
    built = time.perf_counter()
    recipe = {"config": config.model_dump(mode="json"), "preset": preset, "apophenic": versions(registry)["apophenic"],
              "source": str(source) if source else None, "inputs": describe(parts.ctx.inputs)}
    steps = parts.steps
    snapshot_every = config.output.snapshot_every

    candidates.check(config, parts, source)
    loss_fn = make_loss(parts)
    with run_folder(out, run_name(config, preset)) as folder:
        tmp = folder.path
        with torch.no_grad():
            start_values = measure(parts, parts.generator.render())
        pilots = (config.candidates.count - 1) * config.candidates.steps if config.candidates.count > 1 else 0
        bar = _progress(progress, steps + pilots)
        with bar:
            task = bar.add_task("optimizing", total=steps + pilots, value=start_values["total"]) if bar else None

            def after_step(step: int, loss: float) -> None:
                if bar:
                    bar.update(task, advance=1, value=-loss)
                state = RunState(step, steps, loss, config, parts.generator, tmp)
                if snapshot_every and step % snapshot_every == 0:
                    (tmp / "snapshots").mkdir(exist_ok=True)
                    save_png(state.images(), tmp / "snapshots" / f"step-{step:05d}.png")
                registry.hook.on_step(state=state)

            def pilot_step(step: int, loss: float) -> None:
                if bar:
                    bar.update(task, advance=1, value=-loss)

            tried, first = None, 1
            if config.candidates.count > 1:
                parts, loss_fn, tried = candidates.choose(
                    config, parts, make_loss, lambda p, fn, a, b: optimize_steps(p, fn, pilot_step, a, b), measure)
                first = config.candidates.steps + 1
            optimize_steps(parts, loss_fn, after_step, first)
        optimized = time.perf_counter()
        with torch.no_grad():
            final = parts.generator.render().detach()
            end_values = measure(parts, final)
            scores = class_scores(parts, final)
            legible = legibility.measure(final, parts.ensemble.perceivers, parts.ensemble.held_out,
                                         parts.class_targets, config.legibility)
        if not math.isfinite(end_values["total"]):
            raise NonFiniteLoss("the final objective is NaN or infinite; nothing was written")
        scored = time.perf_counter()
        folder.save_png(final, "final.png", recipe)
        for path in parts.generator.export(tmp, "final", print_size=config.output.print_size):
            folder.add(path.name)
        ensemble = parts.ensemble
        record = RunRecord(
            kind="run", preset=preset, config=recipe["config"], seed=config.seed, device=str(parts.ctx.device),
            steps=steps,
            objective={"description": parts.objective.description, "start": start_values, "end": end_values},
            scores=scores, **legible, **({"candidates": tried} if tried else {}),
            perceivers=[{"name": n, "held_out": n in ensemble.held_out, "weight": ensemble.weights[n]} for n in ensemble.perceivers],
            timings={"build": built - started, "optimize": optimized - built, "score": scored - optimized},
            versions=versions(registry), wall_seconds=time.perf_counter() - started,
        )
        data = folder.write(record).to_json()
    result = RunResult(folder.final, data, final)
    registry.hook.on_finish(result=result)
    return result


def _progress(enabled: bool, steps: int):
    if not enabled:
        return NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("objective {task.fields[value]:.4f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=False,
    )


class NoProgress:
    """Stands in for a rich progress bar when progress is off (falsy, a no-op context manager)."""

    def __bool__(self) -> bool:
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
