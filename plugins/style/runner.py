"""Running style transfers: one engine config through the engine's pipeline, or a whole schedule to a run folder."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.style.schedule import Schedule, StopInPass, run_schedule


def optimize(data: dict[str, Any], source: Path | None, label: str = "optimizing", progress: bool = False,
             log: list[dict[str, Any]] | None = None) -> torch.Tensor:
    """Validate ``data`` as a run config, build its pipeline and optimize it; return the final images.

    The loop is the engine's (render, transform, perceive, step, constrain) without its
    run folder, so passes and tiles do not each write one.
    """
    from apophenic.errors import NonFiniteLoss
    from apophenic.interrupt import keeping_work, stop_requested
    from apophenic.loop import build, make_loss, measure, optimize_steps
    from apophenic.runs import validate_run

    config = validate_run(data, source)
    pipeline = build(config, source)
    gen = pipeline.generator
    started = time.perf_counter()

    with torch.no_grad():
        start = measure(pipeline, gen.render())
    bar = _bar(progress, label, pipeline.steps)
    with bar or contextlib.nullcontext():
        task = bar.add_task(label, total=pipeline.steps) if bar else None

        def after_step(step: int, loss: float) -> None:
            if bar:
                bar.update(task, advance=1)
            if stop_requested() and step < pipeline.steps:  # Ctrl-C: this step is done, keep the picture
                with torch.no_grad():
                    raise StopInPass(gen.render().detach().cpu(), step, pipeline.steps, label)

        try:
            with keeping_work():
                optimize_steps(pipeline, make_loss(pipeline), after_step)
        except NonFiniteLoss as exc:
            raise NonFiniteLoss(f"{label}: {exc}") from None
    with torch.no_grad():
        final = gen.render().detach()
        end = measure(pipeline, final)
    if log is not None:
        log.append({"label": label, "size": list(config.hw), "steps": pipeline.steps, "start": start, "end": end,
                    "seconds": time.perf_counter() - started})
    return final.cpu()


def transfer(data: dict[str, Any], source: Path | None, schedule: Schedule, out: Path, name: str = "style",
             progress: bool = True) -> tuple[Path, dict[str, Any]]:
    """Run a schedule and write ``out/<name>-<hash>/`` atomically: final.png (recipe embedded) and run.json."""
    from apophenic.interrupt import keeping_work
    from apophenic.record import RunRecord, check_out, folder_name, run_folder
    from apophenic.runs import validate_run

    config = validate_run(data, source)  # fail on a bad config before anything is written
    _check_inputs(data, source)
    _check_build(data, source)
    started = time.perf_counter()
    plan = {"passes": schedule.passes, "tile": schedule.tile, "overlap": schedule.overlap, "steps": schedule.steps}
    recipe = {"config": config.model_dump(mode="json"), "preset": name, "style_schedule": plan}
    check_out(out)
    log: list[dict[str, Any]] = []
    stopped: StopInPass | None = None
    with run_folder(out, folder_name(name, recipe)) as folder:
        try:
            with keeping_work():  # a first Ctrl-C between tiles waits for the next step too
                images = run_schedule(data, source, schedule, lambda d, s, label: optimize(d, s, label, progress, log), config.hw)
        except StopInPass as stop:  # Ctrl-C: the picture so far is written, marked interrupted
            stopped, images = stop, stop.picture
        folder.save_png(images, "final.png", recipe)
        stop_fields = {"status": "interrupted", "stopped_at": stopped.step, "stopped_in": stopped.label} if stopped else {}
        record = folder.write(RunRecord(kind="style", preset=name, config=recipe["config"], schedule=plan, seed=config.seed,
                                        parts=log, wall_seconds=time.perf_counter() - started, **stop_fields))
    if stopped is not None:
        from apophenic.interrupt import RunInterrupted

        raise RunInterrupted(folder.final, stopped.step, stopped.steps, resumable=False)
    return folder.final, record.to_json()


def _check_build(data: dict[str, Any], source: Path | None) -> None:
    """Build the pipeline once at a small size, so bad layers or perceivers fail before anything is written."""
    from apophenic.loop import build
    from apophenic.runs import validate_run

    small = {**data, "size": 32}
    build(validate_run(small, source), source)


def _check_inputs(data: dict[str, Any], source: Path | None) -> None:
    """Every image a config names is readable, before any output exists."""
    from apophenic.errors import ConfigError
    from apophenic.image_file import read_image

    def check(value: Any, key: str) -> None:
        if not isinstance(value, str):
            return
        p = Path(value).expanduser()
        p = p if p.is_absolute() or source is None else source.parent / p
        try:
            read_image(p)
        except ApophenicError as exc:
            raise ConfigError(source, key, str(exc)) from None

    gen = data.get("generator", {})
    for key in ("image", "colors"):
        if gen.get("type") == "style-image":
            check(gen.get(key), f"generator.{key}")
    for i, obj in enumerate(data.get("objectives", [])):
        if obj.get("type") not in ("content", "style"):
            continue
        paths = obj.get("image")
        for j, p in enumerate(paths if isinstance(paths, list) else [paths]):
            check(p, f"objectives[{i}].image" + (f"[{j}]" if isinstance(paths, list) else ""))
        for key in ("mask", "match"):
            check(obj.get(key), f"objectives[{i}].{key}")


def _bar(enabled: bool, label: str, steps: int):
    """A rich progress bar, or ``None`` when progress is off."""
    if not enabled:
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())



