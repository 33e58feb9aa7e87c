"""Multi-stage pipelines: each stage a full run whose generator can start from the previous output.

A preset with ``[[stages]]`` is a pipeline::

    description = "draw, restyle, dream"
    seed = 1

    [[stages]]
    name = "draw"
    preset = "perception-engine"          # or a full run config inline
    set = { "objectives[0].target" = "tick" }

    [[stages]]
    name = "restyle"
    preset = "style-transfer"
    init = "image"                        # start from the previous final.png
    variants = [{ name = "ink", set = { ... } }, { name = "oil", set = { ... } }]   # fan out

Any string in a stage may say ``${previous}``: it becomes the previous stage's
run folder, e.g. a content image ``"${previous}/final.png"``.

``init`` is ``"previous"`` (the generator continues from the previous output in
its own terms: a stroke scene from the previous ``final.svg``, an image from
``final.png``), ``"image"`` (whatever the stage's generator, start from the
previous ``final.png`` as pixels) or ``"none"``. Every stage's folder and
``run.json`` are kept; the pipeline's ``run.json`` links the chain.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from apophenic.config import validate
from apophenic.errors import ApophenicError, ConfigError
from apophenic.image_file import read_image
from apophenic.interrupt import RunInterrupted, keeping_work, stop_requested
from apophenic.live import LiveFolder
from apophenic.record import RunRecord, folder_name, run_folder, run_label, versions
from apophenic.preset_loader import resolve_extends
from apophenic.registry import Registry, get_registry
from apophenic.runs import with_options
from apophenic.validation import validate_model

if TYPE_CHECKING:
    from apophenic.resume import Interrupted

STAGE_KEYS = {"name", "preset", "set", "init", "variants"}


class Variant(BaseModel):
    """One branch of a fan-out stage."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Branch name, used in folder names.")
    set: dict[str, Any] = Field(default_factory=dict, description="Key-path overrides for this branch.")


class EveryStage(BaseModel):
    """Options applied to every stage over the stage's own settings (what ``--seed``, ``--device``,
    ``--steps`` and ``--print-size`` write into a pipeline)."""

    model_config = ConfigDict(extra="forbid")
    seed: int | None = Field(None, ge=0, lt=2**32, description="Seed of every stage.")
    device: Literal["auto", "cpu", "cuda", "mps"] | None = Field(None, description="Device of every stage.")
    steps: int | None = Field(None, ge=0, le=1_000_000, description="Optimization steps of every stage.")
    print_size: int | None = Field(None, ge=16, le=20000, description="Print size of every stage's vector output.")


class PipelineHeader(BaseModel):
    """The keys of a pipeline preset besides its stages."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field("", description="One line shown by `apophenic presets`.")
    seed: int | None = Field(None, ge=0, lt=2**32, description="Seed given to every stage that does not set its own.")
    device: Literal["auto", "cpu", "cuda", "mps"] | None = Field(None, description="Device for every stage that does not set its own.")
    every_stage: EveryStage = Field(default_factory=EveryStage, description="Options set on every stage, over its own.")
    stages: list[dict[str, Any]] = Field(min_length=1, description="The stages, run in order.")


@dataclass
class Stage:
    """A validated stage: its run configs (one per variant) and how it starts."""

    index: int
    name: str
    init: str
    variants: list[tuple[str, BaseModel, Path]]


def is_pipeline(data: dict[str, Any]) -> bool:
    """Whether preset data describes a multi-stage pipeline."""
    return "stages" in data


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip(".-") or "stage"


def parse(data: dict[str, Any], source: Path, registry: Registry | None = None) -> tuple[PipelineHeader, list[Stage]]:
    """Validate every stage up front, so a bad stage fails before anything runs."""
    registry = registry or get_registry()
    header = validate_model(PipelineHeader, data, source)
    stages: list[Stage] = []
    for i, raw in enumerate(header.stages):
        where = f"stages[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(source, where, "expected a table")
        name = _safe(str(raw.get("name", f"stage{i + 1}")))
        init = raw.get("init", "previous" if i else "none")
        if init not in ("previous", "image", "none"):
            raise ConfigError(source, f"{where}.init", f"expected 'previous', 'image' or 'none' (got {init!r})")
        variants = [validate_model(Variant, v, f"{source}: {where}.variants[{j}]") for j, v in enumerate(raw.get("variants", []))]
        variants = variants or [Variant(name="", set={})]
        body = {k: v for k, v in raw.items() if k not in STAGE_KEYS}
        built = []
        for variant in variants:
            stage_data = copy.deepcopy(body)
            sets = {**raw.get("set", {}), **variant.set}
            if "preset" in raw:
                stage_data = {"extends": raw["preset"], **stage_data, **({"set": sets} if sets else {})}
            elif sets:
                raise ConfigError(source, f"{where}.set", "`set` needs `preset` naming the preset it overrides")
            try:
                stage_data = resolve_extends(stage_data, source, registry)
            except ConfigError as exc:
                raise ConfigError(source, f"{where}.{exc.key}", exc.expected) from None
            for key in ("seed", "device"):  # the pipeline's value unless the stage itself sets one
                value = getattr(header, key)
                if value is not None and key not in body and key not in sets:
                    stage_data[key] = value
            stage_data = with_options(stage_data, **header.every_stage.model_dump())
            stage_data.setdefault("output", {})
            label = name + (f"-{_safe(variant.name)}" if variant.name else "")
            stage_data["output"] = {**stage_data["output"], "name": f"{i + 1:02d}-{label}"}
            try:
                config = validate(stage_data, registry, source)
            except ConfigError as exc:
                raise ConfigError(source, f"{where}.{exc.key}", exc.expected) from None
            if i and init == "previous" and not config.generator.can_continue():
                raise ConfigError(
                    source, f"{where}.init",
                    f"generator {config.generator.type!r} cannot start from the previous stage's output "
                    "(it cannot load one); use init = 'image' to start from the previous picture, or 'none'",
                )
            built.append((variant.name, config, source))
        stages.append(Stage(i, name, init, built))
    return header, stages


PREVIOUS = "${previous}"


def _substitute(value: Any, previous: str) -> Any:
    if isinstance(value, str):
        return value.replace(PREVIOUS, previous)
    if isinstance(value, list):
        return [_substitute(v, previous) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, previous) for k, v in value.items()}
    return value


def _published(config: BaseModel, now: Path, final: Path) -> BaseModel:
    """``config`` with every path into the staging folder ``now`` written as it will be after publishing (``final``)."""
    def move(value: Any) -> Any:
        if isinstance(value, str) and (value == str(now) or value.startswith(str(now) + "/")):
            return str(final) + value[len(str(now)):]
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        return value

    return type(config).model_validate(move(config.model_dump(mode="json")))


def _continue(config: BaseModel, init: str, previous: Path) -> BaseModel:
    """The stage's config with its generator starting from the previous run folder."""
    data = config.model_dump(mode="json")
    if PREVIOUS in json.dumps(data):
        config = type(config).model_validate(_substitute(data, str(previous)))
    if init == "none":
        return config
    if init == "image":
        generator = {"type": "image", "path": str(previous / "final.png"), "resize": True}
        data = config.model_dump(mode="json")
        data["generator"] = generator
        return type(config).model_validate(data)
    return config.model_copy(update={"generator": config.generator.continue_from(previous)})


def pipeline_name(data: dict[str, Any], preset: str | None) -> str:
    """``<preset>-s<seed>-<hash>``: the pipeline folder's name; the hash covers the preset data."""
    every = data.get("every_stage")
    seed = every.get("seed", data.get("seed")) if isinstance(every, dict) else data.get("seed")  # --seed goes to every stage
    return folder_name(run_label(preset or "pipeline", seed=seed if isinstance(seed, int) else None), data)


def execute(data: dict[str, Any], source: Path, out: Path, registry: Registry | None = None,
            progress: bool = True, preset: str | None = None, resume: "Interrupted | None" = None) -> dict[str, Any]:
    """Run every stage (and branch) in order; write the pipeline folder; return its run.json content.

    A stage that fails after others finished keeps them: the pipeline folder is written with
    ``status = "failed"`` and ``failed`` naming the stage, then the error is raised naming the
    stage and the folder. A stop request keeps them too (``status = "interrupted"``).

    :param resume: an interrupted pipeline folder (:func:`apophenic.resume.read_interrupted`):
        its finished stages are kept as they are, the interrupted stage continues from where it
        stopped (or starts again when its optimizer cannot resume), and the rest run.
    """
    from apophenic.inputs import staged
    from apophenic.run import execute as run_one

    registry = registry or get_registry()
    header, stages = parse(data, source, registry)
    started = time.perf_counter()
    name = resume.folder.name if resume else pipeline_name(data, preset)
    earlier = _earlier_stages(resume)
    live: LiveFolder | None = None
    failure: dict[str, Any] | None = None
    cause: Exception | None = None
    interrupted: RunInterrupted | None = None
    published = False
    try:
        if progress:
            live = LiveFolder(out / name).open()
            print(f"{out / name}/  {len(stages)} stages; preview.png there while each works; "
                  f"watch: apophenic view {out / name}", flush=True)
        with keeping_work(), run_folder(out, name) as folder:
            tmp = folder.path
            # Stages read each other where they are now (the staging folder) but record where
            # they will be: recipes stay true after publishing and equal pipelines name their
            # stages alike.
            now, final = tmp.absolute(), folder.final.absolute()
            branches: list[tuple[str, Path | None]] = [("", None)]
            chain: list[dict[str, Any]] = []
            for stage in stages:
                next_branches = []
                for branch, previous in branches:
                    for variant, config, src in stage.variants:
                        where = f"stage {stage.index + 1}/{len(stages)} {stage.name}{' / ' + variant if variant else ''}"
                        before = earlier.get((stage.index, variant or None, branch or None))
                        if stop_requested():
                            interrupted = RunInterrupted(folder.final, 0, 0)
                            break
                        if before is not None and before.get("status") is None:  # finished before the interrupt
                            kept = _keep(resume.folder / before["folder"], tmp / before["folder"])
                            if progress:
                                print(f"{where}: kept from the interrupted run", flush=True)
                            chain.append(before)
                            next_branches.append(("/".join(p for p in (branch, variant or stage.name) if p), kept))
                            continue
                        try:
                            if previous is not None:
                                config = _published(_continue(config, stage.init, previous.absolute()), now, final)
                            elif stage.index and stage.init != "none":
                                raise ApophenicError(f"stages[{stage.index}]: no previous output to start from")
                            again = _resumable_stage(resume, before, config)
                            if progress:
                                went_on = " (continuing where it stopped)" if again else ""
                                print(f"{where}{' (from ' + branch + ')' if branch else ''}{went_on}", flush=True)
                            with staged(final, now):
                                result = run_one(config, tmp / "stages", source=src, registry=registry, progress=progress,
                                                 preset=preset, live=live, resume=again)
                        except RunInterrupted as exc:
                            interrupted = exc
                            chain.append({"stage": stage.name, "index": stage.index, "variant": variant or None,
                                          "from": branch or None, "folder": str(exc.folder.relative_to(tmp)),
                                          "status": "interrupted", "stopped_at": exc.step})
                            break
                        except Exception as exc:
                            if not chain:
                                raise  # nothing finished: nothing to keep, the error as it is
                            cause = exc
                            failure = {"index": stage.index, "stage": stage.name, "variant": variant or None,
                                       "where": where, "error": str(exc) or type(exc).__name__}
                            if not isinstance(exc, ApophenicError):
                                failure["error"] = f"{type(exc).__name__}: {failure['error']}"
                            break
                        label = "/".join(p for p in (branch, variant or stage.name) if p)
                        chain.append({
                            "stage": stage.name, "index": stage.index, "variant": variant or None, "from": branch or None,
                            "folder": str(result.folder.relative_to(tmp)), "wall_seconds": result.record["wall_seconds"],
                            "objective": result.record["objective"], "scores": result.record["scores"],
                            "clipped": result.record["clipped"], "robust": result.record["robust"],
                        })
                        next_branches.append((label, result.folder))
                    if failure or interrupted:
                        break
                if failure or interrupted:
                    break
                branches = next_branches
            earlier_wall = float(resume.record.get("wall_seconds") or 0.0) if resume else 0.0
            if failure or interrupted:
                record = folder.write(RunRecord(
                    kind="pipeline", preset=preset, config=data, pipeline=True, seed=header.seed, stages=chain,
                    status="failed" if failure else "interrupted", **({"failed": failure} if failure else {}),
                    source=str(Path(source).resolve()), versions=versions(registry),
                    wall_seconds=earlier_wall + time.perf_counter() - started,
                ))
            else:
                record = _finish(folder, chain, branches, data, source, header, preset, started - earlier_wall, registry)
        published = True
    finally:
        if live is not None:
            live.close(published)
    if failure:
        message = f"{failure['where']} failed: {failure['error']} — the finished stages are kept in {folder.final / 'stages'}/"
        if isinstance(cause, ApophenicError):
            raise ApophenicError(message) from None
        raise RuntimeError(message) from cause  # a bug: keep its traceback
    if interrupted:
        raise RunInterrupted(folder.final, interrupted.step, interrupted.steps)
    return {**record.to_json(), "folder": str(folder.final)}


def _earlier_stages(resume: "Interrupted | None") -> dict[tuple[int, str | None, str | None], dict[str, Any]]:
    """An interrupted pipeline's stages by (index, variant, branch): what a resume can keep."""
    if resume is None:
        return {}
    stages = resume.record.get("stages")
    if not isinstance(stages, list):
        raise ApophenicError(f"{resume.folder / 'run.json'}: has no `stages` list")
    earlier = {}
    for entry in stages:
        if not (isinstance(entry, dict) and isinstance(entry.get("index"), int) and isinstance(entry.get("folder"), str)):
            raise ApophenicError(f"{resume.folder / 'run.json'}: a `stages` entry without `index` and `folder`")
        folder = Path(entry["folder"])
        if folder.is_absolute() or ".." in folder.parts or not (resume.folder / folder / "run.json").is_file():
            raise ApophenicError(f"{resume.folder / 'run.json'}: stage folder {entry['folder']!r} is not inside the pipeline's folder")
        earlier[(entry["index"], entry.get("variant"), entry.get("from"))] = entry
    return earlier


def _keep(old: Path, new: Path) -> Path:
    """A finished stage's folder copied into the new pipeline folder (the old one stays until it is replaced)."""
    new.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(old, new, symlinks=True)
    return new


def _resumable_stage(resume: "Interrupted | None", before: dict[str, Any] | None, config: BaseModel) -> "Interrupted | None":
    """The interrupted stage to continue, or None: it starts afresh (not interrupted, or its optimizer cannot resume)."""
    from apophenic.resume import STATE_FILE, read_interrupted

    if resume is None or before is None or before.get("status") != "interrupted":
        return None
    stage = read_interrupted(resume.folder / before["folder"], kinds=("run",), need_state=False)
    if not (stage.folder / STATE_FILE).is_file():
        return None
    if stage.record["config"] != config.model_dump(mode="json"):
        raise ApophenicError(f"{stage.folder}: this stage's settings are not the ones it was interrupted with "
                             "(was the folder moved?); rerun the pipeline instead")
    return stage


def _finish(folder, chain: list[dict[str, Any]], branches: list[tuple[str, Path | None]], data: dict[str, Any],
            source: Path, header: PipelineHeader, preset: str | None, started: float, registry: Registry) -> RunRecord:
    """The finished pipeline's final.png (each branch's last picture), final.svg and run.json."""
    import torch

    tmp = folder.path
    finals = [p for _, p in branches if p is not None]
    images = [read_image(p / "final.png")[0] for p in finals]
    if len({tuple(i.shape) for i in images}) > 1:
        images = [images[0]]
    recipe = {"config": data, "preset": preset, "pipeline": True, "source": str(source)}
    folder.save_png(torch.stack(images), "final.png", recipe)
    for extra in ("final.svg",):
        if len(finals) == 1 and (finals[0] / extra).exists():
            shutil.copy2(finals[0] / extra, folder.add(extra))
    one = len(finals) == 1
    return folder.write(RunRecord(
        kind="pipeline", preset=preset, config=data, pipeline=True, seed=header.seed, status="finished",
        stages=chain, finals=[str(p.relative_to(tmp)) for p in finals], source=str(Path(source).resolve()),
        scores=chain[-1]["scores"] if one else [], clipped=chain[-1]["clipped"] if one else None,
        robust=chain[-1]["robust"] if one else [], versions=versions(registry), wall_seconds=time.perf_counter() - started,
    ))
