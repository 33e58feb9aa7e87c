"""Sentiment presets: TOML files validated by the plugin's own pydantic models.

They are not image pipelines, so they are not registered with the engine's
preset registry (``apophenic run`` would reject them); they are found by name
in this plugin's ``presets/`` folder or by path, and ``--set key=value``
overrides apply before validation, exactly as for pipelines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from apophenic.errors import ApophenicError, unknown_name
from apophenic.presets import apply_override, read_toml
from pydantic import BaseModel, ValidationError

PRESET_DIR = Path(__file__).parent / "presets"
M = TypeVar("M", bound=BaseModel)


def available(prefix: str = "") -> list[str]:
    """Names of the shipped presets starting with ``prefix``."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml") if p.stem.startswith(prefix))


def locate(name_or_path: str) -> Path:
    """A preset file from a shipped name or a path."""
    path = Path(name_or_path).expanduser()
    if name_or_path.endswith(".toml") or "/" in name_or_path or path.is_file():
        if not path.is_file():
            raise ApophenicError(f"{name_or_path}: no such preset file")
        return path
    shipped = PRESET_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise ApophenicError(unknown_name("sentiment preset", name_or_path, available()))
    return shipped


def format_validation(source: str | Path, error: ValidationError) -> str:
    """The first pydantic error as ``file: key.path: message``."""
    first = error.errors()[0]
    key = ""
    for part in first["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key (not a setting of this command)"
    extra = f" ({len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"{source}: {key or '(top level)'}: {message}{extra}"


def load(model: type[M], name_or_path: str | None, overrides: list[str] = ()) -> tuple[M, Path | None]:
    """A validated config from a preset (or defaults when ``None``) with ``--set`` overrides."""
    path = locate(name_or_path) if name_or_path else None
    data = read_toml(path) if path else {}
    for assignment in overrides:
        data = apply_override(data, assignment)
    try:
        return model.model_validate(data), path
    except ValidationError as exc:
        # Blame --set when the bad key was overridden there, else the file.
        loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
        from_set = any(loc.startswith(a.partition("=")[0].strip().replace("[", ".").replace("]", "")) for a in overrides)
        raise ApophenicError(format_validation("--set" if from_set or path is None else path, exc)) from None


def data_base(data_root: Path | None, preset: Path | None) -> Path | None:
    """The folder relative data paths are read from."""
    if data_root is not None:
        return Path(data_root).expanduser()
    return preset.parent if preset is not None else None
