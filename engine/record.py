"""The run record: ``run.json``, typed, and the one writer of every run folder.

Every way apophenic makes something — a single run, a multi-stage pipeline, a style
schedule of passes and tiles, an audio transfer, a plugin's own command — writes its
folder through :func:`run_folder` and describes it with a :class:`RunRecord`. So every
folder appears atomically (a marked temporary sibling renamed into place only when the
work succeeded; see :mod:`apophenic.output`), and every ``run.json`` carries the same
``format``, ``kind``, ``versions``, ``files``, ``argv`` and ``wall_seconds``.

``run.json`` is a public contract: readers check ``format`` (today 1). Fields are added
in minor versions; renaming or removing one bumps ``format``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from apophenic.image_file import save_png
from apophenic.output import ensure_writable, staged_folder, write_atomic, write_json

__all__ = ["FORMAT", "ClassScore", "RunFolder", "RunRecord", "RunResult", "RunState", "check_out", "finished_run", "folder_name", "run_folder", "run_label", "safe_name",
           "save_png", "versions", "write_atomic", "write_json"]

if TYPE_CHECKING:
    import torch

    from apophenic.generator import Generator

FORMAT = 1
"""The ``format`` of the ``run.json`` this version writes."""


class ClassScore(BaseModel):
    """How one classifier sees one target class in the final picture."""

    perceiver: str = Field(description="The classifier's name in the run.")
    held_out: bool = Field(description="True when the classifier never took part in the optimization.")
    target: str = Field(description="The target class's short name.")
    target_index: int = Field(description="The target's ImageNet index, 0..999.")
    probability: float = Field(description="Softmax probability of the target.")
    rank: int = Field(description="1 when the target is the classifier's top class.")
    top: str = Field(description="The classifier's top class.")
    top_probability: float = Field(description="Its probability.")


class RunRecord(BaseModel):
    """What ``run.json`` holds. Fields a kind of run does not have are left out of the file."""

    model_config = ConfigDict(extra="allow")

    format: int = Field(FORMAT, description="Version of this layout; readers check it.")
    kind: Literal["run", "pipeline", "style", "audio"] | str = Field(
        "run", description="What made the folder: a run, a pipeline of stages, a style schedule, an audio transfer, or a plugin's own kind.")
    name: str | None = Field(None, description="The folder's name.")
    preset: str | None = Field(None, description="The preset the run came from, when it came from one.")
    config: dict[str, Any] = Field(default_factory=dict, description="The resolved config (a recipe: rerunning it gives the same picture).")
    seed: int | None = Field(None, description="The seed.")
    device: str | None = Field(None, description="Where it was computed.")
    versions: dict[str, str] = Field(default_factory=dict, description="Versions that decide the output (apophenic, torch, Python, plugins).")
    files: list[str] = Field(default_factory=list, description="The files written, relative to the folder.")
    argv: list[str] = Field(default_factory=list, description="The command line's arguments.")
    wall_seconds: float | None = Field(None, description="Wall time of the whole run.")
    status: Literal["finished", "interrupted", "failed"] | None = Field(
        None, description="`finished`; `interrupted` (Ctrl-C or SIGTERM: the picture at `stopped_at`, resumable with `apophenic run --resume`); `failed` (a pipeline whose stage failed: the finished stages are kept). A pipeline's folder keeps the finished stages. Absent in folders of kinds that are always finished.")
    stopped_at: int | None = Field(None, description="The last step done when the run was interrupted.")
    resumed_from: list[int] | None = Field(None, description="The steps an interrupted run was resumed after, in order.")
    source: str | None = Field(None, description="The preset file whose folder relative paths resolved against (what `--resume` rebuilds from).")
    # a run
    steps: int | None = Field(None, description="Optimization steps.")
    objective: dict[str, Any] | None = Field(None, description="The objective's description and its total and terms at the start and the end.")
    scores: list[ClassScore] | None = Field(None, description="Every classifier's view of every target class, held-out ones included.")
    clipped: float | None = Field(None, description="Share of channel values at 0-2 or 253-255 in the final picture.")
    robust: list[dict[str, Any]] | None = Field(None, description="Scores after each documented degradation (see apophenic.legibility).")
    perceivers: list[dict[str, Any]] | None = Field(None, description="The ensemble: name, held_out, weight.")
    timings: dict[str, float] | None = Field(None, description="Seconds spent building, optimizing and scoring.")
    candidates: dict[str, Any] | None = Field(None, description="The starts tried and the one kept (see apophenic.candidates).")
    # a pipeline
    pipeline: bool | None = Field(None, description="True for a pipeline of stages.")
    stages: list[dict[str, Any]] | None = Field(None, description="Each stage: name, variant, folder, wall time, objective, scores.")
    finals: list[str] | None = Field(None, description="The last stage's folders (one per branch).")
    failed: dict[str, Any] | None = Field(None, description="The stage that failed: its index, name and the error.")
    # a style schedule
    schedule: dict[str, Any] | None = Field(None, description="Passes, tile, overlap and steps of a style schedule.")
    parts: list[dict[str, Any]] | None = Field(None, description="Each pass or tile: size, steps, objective at start and end.")
    stopped_in: str | None = Field(None, description="The pass or tile an interrupted style schedule stopped in.")

    def to_json(self) -> dict[str, Any]:
        """The ``run.json`` content: ``format`` and ``kind`` first, then the fields that were set."""
        data = self.model_dump(mode="json", exclude_unset=True)
        return {"format": self.format, "kind": self.kind, **{k: v for k, v in data.items() if k not in ("format", "kind")}}


@dataclass
class RunState:
    """What ``on_step`` observers see after each step.

    :param folder: the run folder being written (still its temporary name).
    """

    step: int
    steps: int
    loss: float
    config: BaseModel
    generator: "Generator"
    folder: Path

    def images(self) -> "torch.Tensor":
        """The current images (rendered on demand, without gradients)."""
        import torch

        with torch.no_grad():
            return self.generator.render().detach()


@dataclass
class RunResult:
    """A finished run: its folder, the ``run.json`` content and the final images.

    :param reused: True when an identical earlier run's folder was returned instead of running again.
    """

    folder: Path
    record: dict[str, Any]
    images: "torch.Tensor"
    reused: bool = False


def finished_run(folder: Path, config: dict[str, Any]) -> RunResult | None:
    """The run an identical earlier run left in ``folder``, or None.

    Identical means its ``run.json`` holds exactly ``config`` (the folder name's hash says
    so already; the comparison guards against an edited or foreign folder), it finished
    (no ``status`` other than ``finished``: an interrupted run is not a result), and its
    ``final.png`` is there.
    """
    from apophenic.image_file import read_image

    folder = Path(folder)
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    config = json.loads(json.dumps(config, default=str))  # as run.json holds it: tuples are lists
    if (not isinstance(record, dict) or record.get("config") != config
            or record.get("status", "finished") != "finished" or not (folder / "final.png").is_file()):
        return None
    try:
        images = read_image(folder / "final.png")
    except Exception:  # a damaged picture is no result: run again
        return None
    return RunResult(folder, record, images, reused=True)


def versions(registry: Any = None) -> dict[str, str]:
    """Versions that decide the output: apophenic, torch, Python, and each plugin of ``registry``
    (default: the installed plugins)."""
    import torch

    from apophenic import __version__
    from apophenic.registry import get_registry

    found = {"apophenic": __version__, "torch": torch.__version__, "python": platform.python_version()}
    for name, info in (registry or get_registry()).plugins.items():
        if info.version:
            found[f"plugin:{name}"] = info.version
    return found


def safe_name(name: str, fallback: str = "run") -> str:
    """``name`` with anything but letters, digits, ``-``, ``_`` and ``.`` turned into ``-``."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip(".-") or fallback


LABEL_LIMIT = 60
"""Longest readable part of a folder name; the hash after it keeps names unique anyway."""


def run_label(name: str, targets: list[str] = (), seed: int | None = None) -> str:
    """The readable start of a run folder's name: ``imagenet-class-goldfish-s0``.

    The preset (or ``output.name``), the target classes, and the seed, so a listing of
    ``apophenic-out/`` says what each folder holds; :func:`folder_name` appends the hash.
    """
    words = [name, *dict.fromkeys(targets)]
    label = safe_name("-".join(words))[:LABEL_LIMIT].rstrip(".-_")
    return label + (f"-s{seed}" if seed is not None else "")


def folder_name(prefix: str, recipe: Any, extra: bytes = b"") -> str:
    """``<prefix>-<hash>``: the hash covers the recipe (and ``extra`` bytes, e.g. input audio),
    so the same recipe always names the same folder."""
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode() + extra).hexdigest()[:10]
    return f"{safe_name(prefix)}-{digest}"


def check_out(out: Path) -> Path:
    """Fail with one line now, before any work, when ``out`` could not be written."""
    return ensure_writable(out)


class RunFolder:
    """A run folder being written. Files go into :attr:`path`, a marked temporary folder that
    becomes :attr:`final` only when the ``with run_folder(...)`` block ends without error."""

    def __init__(self, path: Path, final: Path) -> None:
        self.path = path
        self.final = final
        self.files: list[str] = []

    def save_png(self, images: Any, name: str = "final.png", recipe: dict[str, Any] | None = None) -> Path:
        """Write images as a PNG (with ``recipe`` embedded when given) and list it in ``files``."""
        return self.add(save_png(images, self.path / name, recipe))

    def add(self, path: Path | str) -> Path:
        """List a file written into the folder by someone else (a generator's export)."""
        path = Path(path)
        if path.parts[:len(self.path.parts)] != self.path.parts:  # a name inside the folder, not a path to it
            path = self.path / path
        self.files.append(str(path.relative_to(self.path)))
        return path

    def write(self, record: RunRecord) -> RunRecord:
        """Write ``run.json``; ``name``, ``files``, ``versions`` and ``argv`` are filled in when not set."""
        fill = {"name": self.final.name, "files": self.files, "versions": versions(), "argv": sys.argv[1:]}
        for key, value in fill.items():
            if key not in record.model_fields_set:
                setattr(record, key, value)
        write_json(record.to_json(), self.path / "run.json")
        return record


@contextmanager
def run_folder(out: Path, name: str) -> Iterator[RunFolder]:
    """Write ``out/name/`` atomically: nothing appears unless the block succeeds."""
    check_out(out)
    with staged_folder(out / name) as tmp:
        yield RunFolder(tmp, out / name)
