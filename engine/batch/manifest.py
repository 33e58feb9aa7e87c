"""The batch manifest: a TOML file listing runs and grids of runs, validated by pydantic.

A manifest is not a preset: it names presets. It has ``[[grid]]`` and/or
``[[runs]]`` tables and no ``generator``/``perceivers``; shipped examples live in
``presets/manifests/`` so the preset registry (which reads ``presets/*.toml``)
never mistakes one for a preset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from apophenic.errors import ApophenicError
from apophenic.validation import validate_model

PRESET_KEYS = {"generator", "perceivers", "objectives", "transforms", "optimizer"}
"""Top-level keys of a run preset; seeing one in a manifest means the wrong file was given."""


class GridConfig(BaseModel):
    """Every combination of presets × targets × seeds × override sets."""

    model_config = ConfigDict(extra="forbid")

    presets: list[str] = Field(
        min_length=1,
        description="Preset names (see `apophenic presets`) or .toml paths, relative to the manifest's folder.",
    )
    targets: list[str | int] = Field(
        default_factory=list,
        description="ImageNet classes, one grid axis; empty keeps each preset's own target.",
    )
    target_key: str | None = Field(
        None,
        description="Key the target is written to, e.g. objectives[0].target; default: every objective with a `target`.",
    )
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1, description="Seeds, one grid axis.")
    overrides: list[list[str]] = Field(
        default_factory=lambda: [[]],
        min_length=1,
        description="Override sets (lists of key.path=value, as --set), one grid axis; [[]] is the preset as is.",
    )
    set: list[str] = Field(default_factory=list, description="Overrides (key.path=value) applied to every cell of this grid.")


class RunEntry(BaseModel):
    """One run listed by hand."""

    model_config = ConfigDict(extra="forbid")

    preset: str = Field(description="Preset name or .toml path, relative to the manifest's folder.")
    target: str | int | None = Field(None, description="ImageNet class written to the preset's target key(s).")
    target_key: str | None = Field(None, description="Key the target is written to; default: every objective with a `target`.")
    seed: int | None = Field(None, description="Seed; default: the preset's.")
    set: list[str] = Field(default_factory=list, description="Overrides (key.path=value), as --set.")


class Manifest(BaseModel):
    """A batch: grids and runs, where they go, and overrides shared by all."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field("", description="One line about the batch, shown by --status and in the gallery title.")
    out: str | None = Field(
        None, description="Output folder (relative to the working directory); default apophenic-out/<manifest name>."
    )
    device: Literal["auto", "cpu", "cuda", "mps"] | None = Field(None, description="Device for every run; default: each preset's.")
    set: list[str] = Field(default_factory=list, description="Overrides (key.path=value) applied to every run, first.")
    grid: list[GridConfig] = Field(default_factory=list, description="Grids of runs ([[grid]] tables).")
    runs: list[RunEntry] = Field(default_factory=list, description="Single runs ([[runs]] tables).")

    @model_validator(mode="after")
    def _not_empty(self) -> Manifest:
        if not self.grid and not self.runs:
            raise ValueError("a manifest needs at least one [[grid]] or [[runs]] table")
        return self


def parse_manifest(data: dict[str, Any], source: str | Path) -> Manifest:
    """Validate manifest data; the first problem becomes a one-line :class:`ConfigError`."""
    found = PRESET_KEYS & set(data)
    if found and "grid" not in data and "runs" not in data:
        raise ApophenicError(
            f"{source}: this is a run preset (it has `{sorted(found)[0]}`), not a batch manifest; "
            "run it with `apophenic run`, or list it in a manifest's [[grid]] presets"
        )
    return validate_model(Manifest, data, source)


def shipped() -> dict[str, Path]:
    """The manifests that ship with apophenic, by name (``presets/manifests/*.toml``)."""
    from apophenic.presets import FOLDER

    return {p.stem: p for p in sorted((FOLDER / "manifests").glob("*.toml"))}


def locate_manifest(name_or_path: str | Path) -> Path:
    """A manifest file from a path, or the name of a shipped manifest (``gallery-demo``)."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    text = str(name_or_path)
    if not text.endswith(".toml") and "/" not in text and text in shipped():
        return shipped()[text]
    hint = f"; shipped manifests: {', '.join(shipped())}" if shipped() else ""
    raise ApophenicError(f"{name_or_path}: no such manifest file{hint}")


def load_manifest(path: str | Path) -> Manifest:
    """Read and validate a manifest file (a path, or a shipped manifest's name)."""
    from apophenic.preset_loader import read_toml

    path = locate_manifest(path)
    return parse_manifest(read_toml(path), path)


def default_out(path: Path, manifest: Manifest) -> Path:
    """Where the batch writes when neither the manifest nor --out says."""
    return Path(manifest.out).expanduser() if manifest.out else Path("apophenic-out") / Path(path).stem
