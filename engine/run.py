"""A single run: build, optimize, score and write the run folder.

The parts live one concern per module: :mod:`apophenic.build` makes the components from
a config, :mod:`apophenic.loop` optimizes them, :mod:`apophenic.record` writes the
folder and its ``run.json``. :func:`execute` puts them together for ``apophenic run``.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import torch
from pydantic import BaseModel

from apophenic import candidates, legibility
from apophenic.build import Ensemble, RunParts, build
from apophenic.errors import NonFiniteLoss
from apophenic.image_file import save_png
from apophenic.interrupt import RunInterrupted, keeping_work, stop_requested
from apophenic.live import LiveFolder, StepClock, summary, target_scores
from apophenic.loop import class_scores, make_loss, measure, optimize_steps
from apophenic.inputs import describe
from apophenic.record import RunRecord, RunResult, RunState, check_out, folder_name, run_folder, run_label, versions
from apophenic.registry import Registry, get_registry
from apophenic.resume import STATE_FILE, Interrupted, can_resume, load_state, save_state
from apophenic.run_progress import RunProgress

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


class _StopRun(BaseException):
    """Raised out of the loop after a step when a stop was requested (a BaseException: no plugin may swallow it)."""

    def __init__(self, step: int) -> None:
        self.step = step


def execute(
    config: BaseModel,
    out: Path,
    source: Path | None = None,
    registry: Registry | None = None,
    progress: bool = True,
    preset: str | None = None,
    resume: "Interrupted | None" = None,
    live: LiveFolder | None = None,
) -> RunResult:
    """Optimize, then write ``out/<run-name>/`` atomically: final.png (recipe embedded), run.json, exports.

    While it works and ``progress`` is on, the run's folder holds ``preview.png`` and
    ``progress.json`` (:mod:`apophenic.live`). A stop request (:mod:`apophenic.interrupt`)
    ends the loop after the current step: the folder is written with ``status =
    "interrupted"`` and the state to resume from, then :class:`RunInterrupted` is raised.

    :param resume: an interrupted run folder (:func:`apophenic.resume.read_interrupted`) to continue.
    :param live: where the preview goes (a pipeline's own folder); default: the run's folder.
    """
    registry = registry or get_registry()
    started = time.perf_counter()
    check_out(out)
    name = resume.folder.name if resume else run_name(config, preset)
    preview_every = config.output.preview_every
    owns_live = live is None and progress and preview_every > 0
    if progress and live is None:  # the first line, before the models load: where to look
        watch = f"  preview.png every {preview_every} steps; watch: apophenic view {out / name}" if owns_live else ""
        print(f"{out / name}/{watch}", flush=True)
    parts = build(config, source)
    built = time.perf_counter()
    recipe = {"config": config.model_dump(mode="json"), "preset": preset, "apophenic": versions(registry)["apophenic"],
              "source": str(source) if source else None, "inputs": describe(parts.ctx.inputs)}
    steps = parts.steps
    snapshot_every = config.output.snapshot_every

    candidates.check(config, parts, source)
    loss_fn = make_loss(parts)
    before = resume.record if resume else {}
    first_step = 1
    if resume:
        first_step = load_state(parts, resume.folder / STATE_FILE) + 1
    clock = StepClock()
    stopped: int | None = None
    published = False
    try:
        if owns_live:
            live = LiveFolder(out / name).open()
        with keeping_work(), run_folder(out, name) as folder:
            tmp = folder.path
            if resume and (resume.folder / "snapshots").is_dir():
                shutil.copytree(resume.folder / "snapshots", tmp / "snapshots")
            with torch.no_grad():
                start_values = before["objective"]["start"] if resume else measure(parts, parts.generator.render())
            pilots = (config.candidates.count - 1) * config.candidates.steps if config.candidates.count > 1 and not resume else 0
            total = steps + pilots - (first_step - 1)
            with RunProgress(progress, total) as bar:

                done = [0]  # steps taken so far, pilots included: the ETA counts what is left

                def after_step(step: int, loss: float) -> None:
                    clock.tick()
                    done[0] += 1
                    state = RunState(step, steps, loss, config, parts.generator, tmp)
                    if snapshot_every and step % snapshot_every == 0:
                        (tmp / "snapshots").mkdir(exist_ok=True)
                        save_png(state.images(), tmp / "snapshots" / f"step-{step:05d}.png")
                    score = None
                    if live is not None and preview_every and (step % preview_every == 0 or step == steps):
                        score = _show(live, parts, state, clock, name)
                    bar.advance(clock.eta(total - done[0]), score)
                    registry.hook.on_step(state=state)
                    if stop_requested() and step < steps:  # after the last step the run is simply finished
                        raise _StopRun(step)

                def pilot_step(step: int, loss: float) -> None:
                    clock.tick()
                    done[0] += 1
                    bar.advance(clock.eta(total - done[0]))

                tried, first = before.get("candidates"), first_step
                clock.start()
                try:
                    if config.candidates.count > 1 and not resume:
                        parts, loss_fn, tried = candidates.choose(
                            config, parts, make_loss, lambda p, fn, a, b: optimize_steps(p, fn, pilot_step, a, b), measure)
                        first = config.candidates.steps + 1
                    optimize_steps(parts, loss_fn, after_step, first)
                except _StopRun as stop:
                    stopped = stop.step
            optimized = time.perf_counter()
            with torch.no_grad():
                final = parts.generator.render().detach()
                end_values = measure(parts, final)
                scores = class_scores(parts, final)
                # an interrupted run is written at once: the robustness sweep waits for the finished picture
                legible = {} if stopped else legibility.measure(final, parts.ensemble.perceivers, parts.ensemble.held_out,
                                                                parts.class_targets, config.legibility)
            if not math.isfinite(end_values["total"]):
                raise NonFiniteLoss("the final objective is NaN or infinite; nothing was written")
            scored = time.perf_counter()
            folder.save_png(final, "final.png", recipe)
            for path in parts.generator.export(tmp, "final", print_size=config.output.print_size):
                folder.add(path.name)
            if stopped is not None and can_resume(parts):
                save_state(parts, stopped, folder.add(STATE_FILE))
            ensemble = parts.ensemble
            earlier_wall = float(before.get("wall_seconds") or 0.0)
            record = RunRecord(
                kind="run", preset=preset, config=recipe["config"], seed=config.seed, device=str(parts.ctx.device),
                steps=steps, status="interrupted" if stopped is not None else "finished",
                **({"stopped_at": stopped} if stopped is not None else {}),
                **({"resumed_from": [*before.get("resumed_from", []), first_step - 1]} if resume else {}),
                source=str(Path(source).resolve()) if source else None,
                objective={"description": parts.objective.description, "start": start_values, "end": end_values},
                scores=scores, **legible, **({"candidates": tried} if tried else {}),
                perceivers=[{"name": n, "held_out": n in ensemble.held_out, "weight": ensemble.weights[n]} for n in ensemble.perceivers],
                timings={"build": built - started, "optimize": optimized - built, "score": scored - optimized},
                versions=versions(registry), wall_seconds=earlier_wall + time.perf_counter() - started,
            )
            data = folder.write(record).to_json()
        published = True
    finally:
        if owns_live and live is not None:
            live.close(published)
    result = RunResult(folder.final, data, final)
    if stopped is not None:
        raise RunInterrupted(folder.final, stopped, steps, resumable=(folder.final / STATE_FILE).is_file())
    registry.hook.on_finish(result=result)
    return result


def _show(live: LiveFolder, parts: RunParts, state: RunState, clock: StepClock, name: str) -> str:
    """Replace the preview and progress.json; return the score summary for the progress line."""
    images = state.images()
    scores = target_scores(parts, images)
    live.preview(images)
    live.progress({"run": name, "status": "running", "step": state.step, "steps": state.steps,
                   "step_seconds": clock.step_seconds(), "eta_seconds": clock.eta(state.steps - state.step),
                   "scores": scores, "updated": time.time()})
    return summary(scores)
