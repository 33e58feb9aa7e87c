"""The optimization loop: render, transform, perceive, score, step — and write the run folder."""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

import torch
from pydantic import BaseModel

from apophenic import candidates, legibility
from apophenic.component import BuildContext
from apophenic.device import pick_device
from apophenic.memory_estimate import check_fits
from apophenic.errors import ApophenicError
from apophenic.generator import Generator
from apophenic.objective import Objective, Perception
from apophenic.optimizer import LossFn, Optimizer
from apophenic.output import ensure_writable, save_png, staged_folder, write_json
from apophenic.perceiver import Perceiver
from apophenic.registry import Registry, get_registry
from apophenic.transform import Compose, Transform


@dataclass
class RunState:
    """What observers see after each step."""

    step: int
    steps: int
    loss: float
    config: BaseModel
    generator: Generator
    folder: Path

    def images(self) -> torch.Tensor:
        """The current images (rendered on demand, without gradients)."""
        with torch.no_grad():
            return self.generator.render().detach()


@dataclass
class RunResult:
    """A finished run: its folder, the ``run.json`` content and the final images."""

    folder: Path
    record: dict[str, Any]
    images: torch.Tensor


@dataclass
class Ensemble:
    """The run's perceivers with their weights, split into optimized and held-out."""

    perceivers: dict[str, Perceiver]
    weights: dict[str, float]
    held_out: frozenset[str]

    @property
    def optimized(self) -> list[str]:
        return [n for n in self.perceivers if n not in self.held_out]

    def perceive(self, images: torch.Tensor, objective: Objective) -> Perception:
        """Run the optimized perceivers that the objective reads, tapping only the layers it needs."""
        features: dict[str, dict[str, torch.Tensor]] = {}
        for name in self.optimized:
            layers = {layer for who, layer in objective.needs if who is None or who == name}
            if layers:
                features[name] = self.perceivers[name].perceive(images, layers)
        return Perception(images, features, self.weights)


@dataclass
class Pipeline:
    """Everything built from a config, ready to optimize."""

    generator: Generator
    ensemble: Ensemble
    objective: Objective
    transform: Transform
    optimizer: Optimizer
    steps: int
    augmentations: int
    rng: torch.Generator
    ctx: BuildContext
    class_targets: list[int] = field(default_factory=list)


def build(config: BaseModel, source: Path | None = None) -> Pipeline:
    """Build generator, ensemble, objective, transforms and optimizer from a validated config."""
    device = pick_device(config.device)
    generator_config = getattr(config, "generator", None)
    check_fits(config.hw, int(getattr(generator_config, "batch", 1) or 1), int(getattr(config, "augmentations", 1)), device,
               source or "config")
    torch.manual_seed(config.seed)
    ctx = BuildContext(device=device, seed=config.seed, size=config.hw, source=source,
                       search_paths=[Path(p) for p in getattr(config, "search_paths", [])])
    perceiver_configs = getattr(config, "perceivers", [])
    names = [p.label for p in perceiver_configs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ApophenicError(f"{source or 'config'}: perceivers: name {sorted(dupes)[0]!r} is used twice; give one a `name`")
    perceivers = {p.label: p.build(ctx) for p in perceiver_configs}
    held_out = frozenset(p.label for p in perceiver_configs if p.held_out)
    ctx.perceivers, ctx.held_out = perceivers, held_out
    ensemble = Ensemble(perceivers, {p.label: p.weight for p in perceiver_configs}, held_out)
    objective_configs = getattr(config, "objectives", [])
    if not objective_configs:
        raise ApophenicError(f"{source or 'config'}: objectives: at least one objective is needed")
    objective = sum((o.build(ctx) for o in objective_configs), start=0)
    generator = config.generator.build(ctx)
    transform = Compose([t.build(ctx) for t in getattr(config, "transforms", [])])
    params = [p for p in generator.parameters() if p.requires_grad]
    if not params:
        raise ApophenicError(f"{source or 'config'}: generator {config.generator.type!r} has no parameters to optimize")
    optimizer = config.optimizer.build(params, ctx)
    from apophenic.imagenet import match_class

    targets = [o.class_index for o in objective_configs if hasattr(o, "class_index")]
    targets += [t for t in map(match_class, getattr(config, "score_targets", [])) if t not in targets]
    return Pipeline(generator, ensemble, objective, transform, optimizer, config.optimizer.steps,
                    config.augmentations, ctx.generator(3), ctx, targets)


def _values(total: torch.Tensor, terms: dict[str, torch.Tensor]) -> dict[str, Any]:
    return {"total": float(total), "terms": {k: float(v) for k, v in terms.items()}}


@torch.no_grad()
def measure(pipeline: Pipeline, images: torch.Tensor) -> dict[str, Any]:
    """The objective (total and terms) on untransformed images."""
    perception = pipeline.ensemble.perceive(images, pipeline.objective)
    return _values(*pipeline.objective.evaluate(perception))


@torch.no_grad()
def class_scores(pipeline: Pipeline, images: torch.Tensor) -> list[dict[str, Any]]:
    """Probability and rank of each target class for every classifier, held-out ones included."""
    from apophenic.imagenet import short_name

    scores = []
    for target in pipeline.class_targets:
        for name, perceiver in pipeline.ensemble.perceivers.items():
            if perceiver.labels is None:
                continue
            probs = legibility.class_probabilities(perceiver, images)
            top = int(probs.argmax())
            scores.append({
                "perceiver": name,
                "held_out": name in pipeline.ensemble.held_out,
                "target": short_name(target),
                "target_index": target,
                "probability": float(probs[target]),
                "rank": legibility.rank_of(probs, target),
                "top": short_name(top),
                "top_probability": float(probs[top]),
            })
    return scores


def run_name(config: BaseModel, preset: str | None) -> str:
    """``<name>-<hash>``: the hash covers the resolved config (seed included), so equal recipes share a folder."""
    digest = hashlib.sha256(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:10]
    prefix = config.output.name or preset or "run"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in prefix).strip(".-") or "run"
    return f"{safe}-{digest}"


def versions() -> dict[str, str]:
    """Versions that decide the pixels: apophenic, torch, Python, and each loaded plugin."""
    from apophenic import __version__

    found = {"apophenic": __version__, "torch": torch.__version__, "python": platform.python_version()}
    for name, info in get_registry().plugins.items():
        if info.version:
            found[f"plugin:{name}"] = info.version
    return found


class NonFiniteLoss(ApophenicError):
    """The loss became NaN or infinite."""


def make_loss_fn(pipeline: Pipeline) -> LossFn:
    """Render, augment, transform, perceive and return the negated score; NaN/inf raises :class:`NonFiniteLoss`."""
    gen = pipeline.generator

    def loss_fn() -> torch.Tensor:
        images = gen.render()
        if pipeline.augmentations > 1:
            images = images.repeat(pipeline.augmentations, 1, 1, 1)
        views = pipeline.transform(images, pipeline.rng)
        loss = -pipeline.objective(pipeline.ensemble.perceive(views, pipeline.objective))
        if not torch.isfinite(loss):
            raise NonFiniteLoss("the objective became NaN or infinite; lower the learning rate or an objective weight")
        return loss

    # Gradient-free optimizers rewind this to show every candidate the same random views.
    loss_fn.transform_rng = pipeline.rng  # type: ignore[attr-defined]
    return loss_fn


def optimize_steps(pipeline: Pipeline, loss_fn: LossFn, after_step: Callable[[int, float], None],
                   first: int = 1, last: int | None = None) -> None:
    """Run steps ``first..last`` (default: all); after each, constrain the generator, then call ``after_step(step, loss)``.

    An optimizer with its own schedule (``run_steps``, e.g. DeepDream's octaves and tiles)
    drives all the steps itself; otherwise one ``optimizer.step`` per step, under
    ``torch.no_grad()`` for gradient-free optimizers.
    """
    gen = pipeline.generator

    def step_done(step: int, loss: float) -> None:
        gen.constrain()
        after_step(step, loss)

    own_loop = getattr(pipeline.optimizer, "run_steps", None)
    if own_loop is not None:
        own_loop(pipeline, loss_fn, step_done)
        return
    steps = pipeline.steps
    for step in range(first, (steps if last is None else last) + 1):
        if hasattr(gen, "set_progress"):
            gen.set_progress((step - 1) / max(1, steps - 1))
        try:
            if pipeline.optimizer.needs_grad:
                loss = pipeline.optimizer.step(loss_fn)
            else:
                with torch.no_grad():
                    loss = pipeline.optimizer.step(loss_fn)
        except NonFiniteLoss as exc:
            raise NonFiniteLoss(f"step {step}: {exc}") from None
        step_done(step, loss)


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
    ensure_writable(out)
    pipeline = build(config, source)
    built = time.perf_counter()
    folder = out / run_name(config, preset)
    recipe = {"config": config.model_dump(mode="json"), "preset": preset, "apophenic": versions()["apophenic"],
              "source": str(source) if source else None}
    gen = pipeline.generator
    steps = pipeline.steps
    snapshot_every = config.output.snapshot_every

    candidates.check(config, pipeline, source)
    loss_fn = make_loss_fn(pipeline)
    with staged_folder(folder) as tmp:
        with torch.no_grad():
            start_values = measure(pipeline, gen.render())
        pilots = (config.candidates.count - 1) * config.candidates.steps if config.candidates.count > 1 else 0
        bar = _progress(progress, steps + pilots)
        with bar:
            task = bar.add_task("optimizing", total=steps + pilots, value=start_values["total"]) if bar else None

            def after_step(step: int, loss: float) -> None:
                if bar:
                    bar.update(task, advance=1, value=-loss)
                state = RunState(step, steps, loss, config, gen, tmp)
                if snapshot_every and step % snapshot_every == 0:
                    (tmp / "snapshots").mkdir(exist_ok=True)
                    save_png(state.images(), tmp / "snapshots" / f"step-{step:05d}.png")
                registry.hook.on_step(state=state)

            def pilot_step(step: int, loss: float) -> None:
                if bar:
                    bar.update(task, advance=1, value=-loss)

            tried, first = None, 1
            if config.candidates.count > 1:
                pipeline, loss_fn, tried = candidates.choose(
                    config, pipeline, make_loss_fn, lambda p, fn, a, b: optimize_steps(p, fn, pilot_step, a, b), measure)
                gen, first = pipeline.generator, config.candidates.steps + 1
            optimize_steps(pipeline, loss_fn, after_step, first)
        optimized = time.perf_counter()
        with torch.no_grad():
            final = gen.render().detach()
            end_values = measure(pipeline, final)
            scores = class_scores(pipeline, final)
            legible = legibility.measure(final, pipeline.ensemble.perceivers, pipeline.ensemble.held_out,
                                         pipeline.class_targets, config.legibility)
        if not math.isfinite(end_values["total"]):
            raise NonFiniteLoss("the final objective is NaN or infinite; nothing was written")
        scored = time.perf_counter()
        files = [save_png(final, tmp / "final.png", recipe).name]
        files += [p.name for p in gen.export(tmp, "final", print_size=config.output.print_size)]
        record = {
            "config": recipe["config"],
            "preset": preset,
            "name": folder.name,
            "seed": config.seed,
            "device": str(pipeline.ctx.device),
            "versions": versions(),
            "steps": steps,
            "objective": {"description": pipeline.objective.description, "start": start_values, "end": end_values},
            "scores": scores,
            **legible,
            **({"candidates": tried} if tried else {}),
            "perceivers": [{"name": n, "held_out": n in pipeline.ensemble.held_out, "weight": pipeline.ensemble.weights[n]}
                           for n in pipeline.ensemble.perceivers],
            "files": files,
            "timings": {"build": built - started, "optimize": optimized - built, "score": scored - optimized},
            "argv": sys.argv[1:],
        }
        record["wall_seconds"] = time.perf_counter() - started
        write_json(record, tmp / "run.json")
    result = RunResult(folder, record, final)
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
