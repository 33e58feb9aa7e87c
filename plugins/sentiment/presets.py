"""Sentiment presets: TOML files validated by the plugin's own pydantic models.

They are not image pipelines, so they are not registered with the engine's
preset registry (``apophenic run`` would reject them); they are found by name
in this plugin's ``presets/`` folder or by path, and ``--set key=value``
overrides apply before validation, exactly as for pipelines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from apophenic.runs import load_settings, locate_preset
from pydantic import BaseModel

PRESET_DIR = Path(__file__).parent / "presets"
M = TypeVar("M", bound=BaseModel)


def available(prefix: str = "") -> list[str]:
    """Names of the shipped presets starting with ``prefix``."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml") if p.stem.startswith(prefix))


def locate(name_or_path: str) -> Path:
    """A preset file from a shipped name or a path."""
    return locate_preset(name_or_path, folders=[PRESET_DIR], kind="sentiment preset")


def load(model: type[M], name_or_path: str | None, overrides: list[str] = ()) -> tuple[M, Path | None]:
    """A validated config from a preset (or defaults when ``None``) with ``--set`` overrides."""
    return load_settings(model, name_or_path, overrides, folders=[PRESET_DIR], kind="sentiment preset")


def data_base(data_root: Path | None, preset: Path | None) -> Path | None:
    """The folder relative data paths are read from."""
    if data_root is not None:
        return Path(data_root).expanduser()
    return preset.parent if preset is not None else None
