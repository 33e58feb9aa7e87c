"""Running presets from code: the one way to load a preset, override it and run it.

``apophenic run``, the plugins' own commands (``dream``, ``analogy draw``, ``abstraction
sweep``, ``style``), the batch workers and a user's script all go through here::

    from apophenic.runs import run_preset

    result = run_preset("imagenet-class", overrides=["objectives[0].target=tick"], seed=3, steps=50)
    result.folder, result.record["scores"], result.images

A preset is found by name (user folders, then the plugins' presets; ``apophenic presets``)
or by path; ``extends`` is resolved, then each ``key.path=value`` override is applied, then
the options, then the config is validated. Every failure is one
:class:`~apophenic.errors.ApophenicError` line naming the file, the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from apophenic.record import RunResult
    from apophenic.registry import Registry

M = TypeVar("M", bound=BaseModel)

DEFAULT_OUT = Path("apophenic-out")
"""Where runs are written unless told otherwise."""


def locate_preset(name_or_path: str | Path, near: Path | None = None, folders: Sequence[Path] | None = None,
                  kind: str = "preset") -> Path:
    """The file of a preset: a path to a ``.toml``, or a name the registry knows (``apophenic presets``).

    :param near: a folder checked first for ``<name>.toml`` (beside the manifest that names it).
    :param folders: for a plugin's own kind of preset (not a run): look names up only in these folders.
    :param kind: what the preset is called in errors ("sentiment preset").
    """
    from apophenic.preset_loader import locate

    return locate(str(name_or_path), near=near, folders=folders, kind=kind)


def read_preset(path: Path) -> dict[str, Any]:
    """A preset file's TOML as data (bounded in size and nesting), nothing resolved."""
    from apophenic.preset_loader import read_toml

    return read_toml(Path(path))


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """``data`` with each ``key.path=value`` (TOML value) applied, in order; ``data`` is not changed."""
    from apophenic.preset_loader import apply_override

    for assignment in overrides:
        data = apply_override(data, assignment)
    return data


def preset_data(name_or_path: str | Path, overrides: Iterable[str] = (), *,
                registry: "Registry | None" = None) -> tuple[dict[str, Any], Path]:
    """A preset's data with ``extends`` resolved and the overrides applied, and its file.

    :param registry: where preset names are looked up (default: every installed plugin's).
    """
    from apophenic.preset_loader import load_data

    return load_data(str(name_or_path), list(overrides), registry)


def with_options(data: dict[str, Any], *, seed: int | None = None, device: str | None = None,
                 steps: int | None = None, print_size: int | None = None) -> dict[str, Any]:
    """``data`` with the command-line options a user may give any run (``None``: keep the preset's).

    For a pipeline of stages the options go to every stage (its ``every_stage`` table), over
    the stages' own values.
    """
    if is_pipeline(data):
        given = {k: v for k, v in (("seed", seed), ("device", device), ("steps", steps), ("print_size", print_size)) if v is not None}
        return {**data, "every_stage": {**data.get("every_stage", {}), **given}} if given else data
    for key, value in (("seed", seed), ("device", device)):
        if value is not None:
            data = {**data, key: value}
    if steps is not None:
        data = {**data, "optimizer": {**data.get("optimizer", {"type": "adam"}), "steps": steps}}
    if print_size is not None:
        data = {**data, "output": {**data.get("output", {}), "print_size": print_size}}
    return data


def _key_path(key: str) -> list[str]:
    """``objectives[0].target`` and ``objectives.0.target`` -> ``['objectives', 'target']`` (indices dropped)."""
    import re

    return [part for part in re.split(r"[.\[\]]+", key) if part and not part.isdecimal()]


def _indexed(key: str) -> str:
    """``objectives[0].target`` -> ``objectives.0.target``, to compare key paths as written."""
    import re

    return re.sub(r"\[(\d+)\]", r".\1", key.strip())


def _covers(given: list[str], failed: list[str]) -> bool:
    """Whether a value given at path ``given`` holds the key ``failed`` (or the other way round)."""
    n = min(len(given), len(failed))
    return n > 0 and given[:n] == failed[:n]


@contextmanager
def options_blamed(overrides: Iterable[str] = (), options: dict[str, Any] | None = None) -> Iterator[None]:
    """Blame a config error on the ``--set`` (or ``--steps``, ``--seed`` ...) that gave the value, not on the preset file.

    :param overrides: the ``key.path=value`` assignments applied.
    :param options: flag -> the key it sets (``{"--steps": "optimizer.steps"}``), for flags that were given.
    """
    from apophenic.errors import ConfigError

    try:
        yield
    except ConfigError as exc:
        if exc.source is not None and exc.source.startswith("--"):
            raise
        failed = _key_path(exc.key or "")
        givers = [(f"--set {a.strip()}", a.partition("=")[0].strip()) for a in overrides]
        givers += [(flag, key) for flag, key in (options or {}).items()]
        for flag, key in reversed(givers):  # the last one given wins, as it did when applied
            if _covers(_key_path(key), failed):
                # a table or list was given: say which key in it, when the error knows more than the --set
                deeper = len(_indexed(exc.key or "").split(".")) > len(_indexed(key).split("."))
                blamed = ConfigError(flag, exc.key if deeper else "", exc.expected)
                blamed.key = exc.key
                raise blamed from None
        raise


OPTION_KEYS = {"seed": "seed", "device": "device", "steps": "optimizer.steps", "print_size": "output.print_size"}
"""The config key each common command-line option sets (see :func:`with_options`)."""


def given_options(**values: Any) -> dict[str, str]:
    """``--flag`` -> config key for each option given (not None), for :func:`options_blamed`."""
    return {f"--{name.replace('_', '-')}": OPTION_KEYS[name] for name, value in values.items() if value is not None}


def load_settings(model: type[M], name_or_path: str | Path | None, overrides: Iterable[str] = (), *,
                  folders: Sequence[Path], kind: str = "preset") -> tuple[M, Path | None]:
    """A plugin's own settings (not a run) from a preset in ``folders`` or a path, with overrides,
    validated against ``model``; ``None`` starts from the model's defaults.

    A bad value is blamed on ``--set`` when an override set it, else on the file.
    """
    from apophenic.validation import config_error

    overrides = list(overrides)
    path = locate_preset(name_or_path, folders=folders, kind=kind) if name_or_path is not None else None
    data = apply_overrides(read_preset(path) if path else {}, overrides)
    try:
        return model.model_validate(data), path
    except ValidationError as exc:
        loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
        from_set = any(loc.startswith(a.partition("=")[0].strip().replace("[", ".").replace("]", "")) for a in overrides)
        raise config_error(exc, "--set" if from_set or path is None else path, model, data) from None


def validate_run(data: dict[str, Any], source: str | Path | None, *, registry: "Registry | None" = None) -> "BaseModel":
    """The validated run config (the registered components' ``RunConfig``) of preset data."""
    from apophenic.config import validate
    from apophenic.registry import get_registry

    return validate(data, registry or get_registry(), source)


def load_preset(name_or_path: str | Path, overrides: Iterable[str] = (), *,
                registry: "Registry | None" = None) -> tuple["BaseModel", Path]:
    """A validated run config from a preset name or path, with overrides, and the preset's file."""
    data, path = preset_data(name_or_path, overrides, registry=registry)
    return validate_run(data, path, registry=registry), path


def is_pipeline(data: dict[str, Any]) -> bool:
    """Whether preset data is a pipeline of ``[[stages]]`` rather than one run."""
    return "stages" in data


def run_data(data: dict[str, Any], source: Path | None, out: Path = DEFAULT_OUT, *, name: str | None = None,
             progress: bool = False, registry: "Registry | None" = None, reuse: bool = False) -> "RunResult":
    """Validate and run preset data (one run or a pipeline of stages); write ``out/<name>-<hash>/``.

    :param source: the preset's file: relative paths in ``data`` resolve against its folder.
    :param name: the preset's name, the prefix of the run folder's name.
    :param registry: the components to build from (default: every installed plugin's; a plugin's
        tests pass :func:`apophenic.testing.plugin_registry`'s).
    :param reuse: when an identical earlier run already finished in ``out`` (same folder name,
        same resolved config), return it (``result.reused``) instead of running again.
    """
    from apophenic import stages
    from apophenic.image_file import read_image
    from apophenic.record import RunResult, finished_run
    from apophenic.run import execute, run_name

    out = Path(out)
    if is_pipeline(data):
        if reuse and (done := finished_run(out / stages.pipeline_name(data, name), data)):
            return done
        record = stages.execute(data, source, out, registry=registry, progress=progress, preset=name)
        folder = Path(record["folder"])
        return RunResult(folder, record, read_image(folder / "final.png"))
    config = validate_run(data, source, registry=registry)
    if reuse and (done := finished_run(out / run_name(config, name), config.model_dump(mode="json"))):
        return done
    return execute(config, out, source=source, registry=registry, progress=progress, preset=name)


def resume_run(folder: Path | str, *, progress: bool = False, registry: "Registry | None" = None) -> "RunResult":
    """Continue an interrupted run folder (``status = "interrupted"``) to the pixels an uninterrupted run gives.

    A pipeline keeps its finished stages, continues the interrupted one and runs the rest.

    Bad input — a folder that is not an interrupted run, or one another version wrote — is one
    :class:`~apophenic.errors.ApophenicError` line.
    """
    from apophenic.resume import read_interrupted
    from apophenic.run import execute

    interrupted = read_interrupted(Path(folder))
    whole = interrupted.folder.parent.parent
    if interrupted.folder.parent.name == "stages" and (whole / "run.json").is_file():
        from apophenic.errors import ApophenicError

        raise ApophenicError(f"{interrupted.folder}: a stage of the pipeline in {whole}; "
                             f"resume the pipeline: apophenic run --resume {whole}")
    if interrupted.record["kind"] == "pipeline":
        from apophenic import stages
        from apophenic.image_file import read_image
        from apophenic.record import RunResult

        source = interrupted.source or interrupted.folder / "run.json"
        record = stages.execute(interrupted.record["config"], source, interrupted.folder.parent, registry=registry,
                                progress=progress, preset=interrupted.record.get("preset"), resume=interrupted)
        done = Path(record["folder"])
        return RunResult(done, record, read_image(done / "final.png"))
    config = validate_run(interrupted.record["config"], interrupted.source or interrupted.folder / "run.json",
                          registry=registry)
    return execute(config, interrupted.folder.parent, source=interrupted.source, registry=registry, progress=progress,
                   preset=interrupted.record.get("preset"), resume=interrupted)


def run_preset(preset: str | Path | dict[str, Any], *, overrides: Iterable[str] = (), seed: int | None = None,
               device: str | None = None, steps: int | None = None, out: Path | str = DEFAULT_OUT,
               progress: bool = False, source: Path | None = None, registry: "Registry | None" = None) -> "RunResult":
    """Run a preset — a name, a ``.toml`` path, or its data — and return the finished run.

    :param overrides: ``key.path=value`` assignments, as ``--set`` takes them.
    :param source: for data: the file relative paths resolve against (default: the working folder).
    """
    overrides = list(overrides)
    if isinstance(preset, dict):
        data, name = apply_overrides(preset, overrides), None
    else:
        data, source = preset_data(preset, overrides, registry=registry)
        name = source.stem
    data = with_options(data, seed=seed, device=device, steps=steps)
    with options_blamed(overrides, given_options(seed=seed, device=device, steps=steps)):
        return run_data(data, source, Path(out), name=name, progress=progress, registry=registry)
