"""Loading presets (TOML) and applying ``--set key.path=value`` overrides."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from apophenic.config import validate
from apophenic.errors import ApophenicError, ConfigError
from apophenic.registry import Registry, get_registry

MAX_PRESET_BYTES = 1_000_000


def locate(name_or_path: str, registry: Registry | None = None) -> Path:
    """A preset file from a registered name or a path to a ``.toml`` file."""
    registry = registry or get_registry()
    path = Path(name_or_path).expanduser()
    if name_or_path.endswith(".toml") or path.is_file() or "/" in name_or_path:
        if not path.is_file():
            raise ApophenicError(f"{name_or_path}: no such preset file")
        return path
    return registry.preset_path(name_or_path)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; errors name the file and the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_PRESET_BYTES:
        raise ApophenicError(f"{path}: preset is larger than {MAX_PRESET_BYTES} bytes")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApophenicError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ApophenicError(f"{path}: TOML syntax error: {exc}") from None


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_key(key: str) -> list[str | int]:
    """``objectives[0].target`` or ``objectives.0.target`` -> ``['objectives', 0, 'target']``."""
    if not key or key.strip() != key:
        raise ApophenicError(f"--set {key!r}: expected a key path like objectives[0].target")
    parts: list[str | int] = []
    pos = 0
    for m in _PART.finditer(key):
        if m.start() != pos and key[pos:m.start()] != ".":
            raise ApophenicError(f"--set {key!r}: expected a key path like objectives[0].target")
        pos = m.end()
        word, index = m.groups()
        if index is not None:
            parts.append(int(index))
        elif word.isdigit():
            parts.append(int(word))
        else:
            parts.append(word)
    if pos != len(key) or not parts:
        raise ApophenicError(f"--set {key!r}: expected a key path like objectives[0].target")
    return parts


def parse_value(text: str) -> Any:
    """A TOML value (``3``, ``0.5``, ``true``, ``[1, 2]``, ``"x"``); anything else is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict[str, Any], assignment: str) -> dict[str, Any]:
    """A copy of ``data`` with one ``key.path=value`` applied."""
    key, sep, value = assignment.partition("=")
    if not sep:
        raise ApophenicError(f"--set {assignment!r}: expected key.path=value")
    path = parse_key(key.strip())
    data = copy.deepcopy(data)
    node: Any = data
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise ConfigError("--set", key, f"index {part} is out of range")
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise ConfigError("--set", key, f"{part!r} is not inside a table")
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last > len(node):
            raise ConfigError("--set", key, f"index {last} is out of range")
        if last == len(node):
            node.append(parse_value(value))
        else:
            node[last] = parse_value(value)
    else:
        if not isinstance(node, dict):
            raise ConfigError("--set", key, "the parent is not a table")
        node[last] = parse_value(value)
    return data


def load_data(name_or_path: str, overrides: list[str] = (), registry: Registry | None = None) -> tuple[dict[str, Any], Path]:
    """Raw preset data with overrides applied, and the preset's file."""
    path = locate(name_or_path, registry)
    data = read_toml(path)
    for assignment in overrides:
        data = apply_override(data, assignment)
    return data, path


def load(name_or_path: str, overrides: list[str] = (), registry: Registry | None = None) -> tuple[BaseModel, Path]:
    """A validated run config from a preset name or path, with overrides applied."""
    registry = registry or get_registry()
    data, path = load_data(name_or_path, overrides, registry)
    return validate(data, registry, path), path
