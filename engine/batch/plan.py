"""Expanding a manifest into cells and resolving each cell to a config and its folder name.

A cell is one point of a grid (or one ``[[runs]]`` entry). Resolving it applies
the overrides and validates the result; a cell that fails gets the error line
instead of a config, so one bad cell never stops the others. The folder name is
:func:`apophenic.run.run_name` of the validated config (seed included): equal
recipes share a folder, which is what makes a restarted batch skip finished work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from apophenic.batch.manifest import Manifest
from apophenic.errors import ApophenicError
from apophenic.registry import Registry


@dataclass(frozen=True)
class Cell:
    """One requested run, before resolution."""

    where: str  # grid[0] or runs[3]: the manifest table it came from
    preset: str
    target: str | int | None = None
    target_key: str | None = None
    seed: int | None = None
    overrides: tuple[str, ...] = ()  # the cell's own overrides (grid axis or run entry)
    shared: tuple[str, ...] = ()  # manifest-wide and grid-wide overrides, applied first

    @property
    def label(self) -> str:
        """A human name for the cell, used in errors and the journal."""
        parts = [self.preset]
        if self.target is not None:
            parts.append(f"target={self.target}")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        if self.overrides:
            parts.append(f"set {' '.join(self.overrides)}")
        return f"{self.where} {' × '.join(parts)}"


@dataclass
class Planned:
    """A resolved cell: the validated config data and folder name, or the error that stopped it."""

    cell: Cell
    name: str | None = None  # folder name under the batch's out; None when the cell failed to resolve
    config: dict[str, Any] | None = None  # validated config, JSON-ready
    source: Path | None = None  # the preset file (relative paths inside it resolve from there)
    preset: str | None = None  # preset name recorded in run.json
    error: str | None = None
    duplicates: list[str] = field(default_factory=list)  # labels of later cells with the same recipe

    @property
    def key(self) -> str:
        """The journal key: the folder name, or the cell label when there is no folder."""
        return self.name or f"cell:{self.cell.label}"


def cells(manifest: Manifest) -> list[Cell]:
    """Every cell of the manifest, grids first, in a stable order."""
    found: list[Cell] = []
    shared = tuple(manifest.set)
    for g, grid in enumerate(manifest.grid):
        targets: list[str | int | None] = list(grid.targets) or [None]
        for preset, target, seed, overrides in product(grid.presets, targets, grid.seeds, grid.overrides):
            found.append(Cell(f"grid[{g}]", preset, target, grid.target_key, seed, tuple(overrides), shared + tuple(grid.set)))
    for r, run in enumerate(manifest.runs):
        found.append(Cell(f"runs[{r}]", run.preset, run.target, run.target_key, run.seed, tuple(run.set), shared))
    return found


def locate_presets(manifest: Manifest, manifest_path: Path, registry: Registry) -> dict[str, Path]:
    """The file of every preset the manifest names; an unknown one rejects the whole manifest."""
    from apophenic.preset_loader import locate

    found: dict[str, Path] = {}
    named = [(f"grid[{g}].presets[{i}]", p) for g, grid in enumerate(manifest.grid) for i, p in enumerate(grid.presets)]
    named += [(f"runs[{r}].preset", run.preset) for r, run in enumerate(manifest.runs)]
    for key, preset in named:
        if preset in found:
            continue
        relative = manifest_path.parent / preset
        try:
            found[preset] = relative if preset.endswith(".toml") and relative.is_file() else locate(preset, registry)
        except ApophenicError as exc:
            raise ApophenicError(f"{manifest_path}: {key}: {exc}") from None
    return found


def _with_target(data: dict[str, Any], cell: Cell) -> dict[str, Any]:
    from apophenic.preset_loader import apply_override

    if cell.target is None:
        return data
    if cell.target_key:
        return apply_override(data, f"{cell.target_key}={json.dumps(cell.target)}")
    objectives = data.get("objectives")
    hits = [i for i, o in enumerate(objectives or []) if isinstance(o, dict) and "target" in o]
    if not hits:
        raise ApophenicError("the preset has no objective with a `target` key; give the grid a target_key")
    for i in hits:
        data = apply_override(data, f"objectives[{i}].target={json.dumps(cell.target)}")
    return data


def resolve(cell: Cell, source: Path, registry: Registry, device: str | None = None) -> Planned:
    """Apply the cell's overrides to its preset and validate; errors are kept, not raised."""
    from apophenic.config import validate
    from apophenic.preset_loader import apply_override, read_toml, resolve_extends
    from apophenic.run import run_name

    planned = Planned(cell, source=source, preset=source.stem)
    try:
        data = resolve_extends(read_toml(source), source, registry)  # as `apophenic run` loads a preset
        for assignment in cell.shared:
            data = apply_override(data, assignment)
        data = _with_target(data, cell)
        for assignment in cell.overrides:
            data = apply_override(data, assignment)
        if cell.seed is not None:
            data = {**data, "seed": cell.seed}
        if device is not None:
            data = {**data, "device": device}
        config = validate(data, registry, source)
    except ApophenicError as exc:
        planned.error = str(exc)
        return planned
    planned.config = config.model_dump(mode="json")
    planned.name = run_name(config, planned.preset)
    return planned


def plan(manifest: Manifest, manifest_path: Path, registry: Registry, device: str | None = None) -> list[Planned]:
    """Resolve every cell; cells with the same recipe collapse into the first one."""
    sources = locate_presets(manifest, manifest_path, registry)
    device = device or manifest.device
    result: list[Planned] = []
    by_name: dict[str, Planned] = {}
    for cell in cells(manifest):
        planned = resolve(cell, sources[cell.preset], registry, device)
        if planned.name is not None and planned.name in by_name:
            by_name[planned.name].duplicates.append(cell.label)
            continue
        if planned.name is not None:
            by_name[planned.name] = planned
        result.append(planned)
    return result
