"""Loading presets (TOML): inheritance (``extends``), ``set`` tables and ``--set key.path=value`` overrides.

A preset may say ``extends = "other-preset"`` (a name or a path relative to
itself). Its tables are deep-merged over the base (arrays are replaced whole),
and its ``[set]`` table applies key-path overrides that must name keys the base
already has: ``"objectives[0].target" = "tick"``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from apophenic.confinement import check
from apophenic.errors import ApophenicError, ConfigError, unknown_name
from apophenic.registry import Registry, get_registry
from apophenic.structured import loads_toml, loads_toml_value

MAX_PRESET_BYTES = 1_000_000


def locate(name_or_path: str, registry: Registry | None = None, near: Path | None = None,
           folders: Sequence[Path] | None = None, kind: str = "preset") -> Path:
    """A preset file from a registered name or a path to a ``.toml`` file.

    :param near: a folder searched first for ``<name>.toml`` (the folder of the preset or manifest that names it).
    :param folders: look names up only in these folders (a plugin's own kind of preset), not the registry.
    :param kind: what a preset is called in an unknown-name message.
    """
    if near is not None and not name_or_path.endswith(".toml") and "/" not in name_or_path:
        beside = near / f"{name_or_path}.toml"
        if beside.is_file():
            return beside
    path = Path(name_or_path).expanduser()
    if near is not None and not path.is_absolute() and (name_or_path.endswith(".toml") or "/" in name_or_path):
        path = near / path
    if name_or_path.endswith(".toml") or path.is_file() or "/" in name_or_path:
        if not path.is_file():
            raise ApophenicError(f"{name_or_path}: no such {kind} file")
        return path
    if folders is not None:
        for folder in folders:
            if (folder / f"{name_or_path}.toml").is_file():
                return folder / f"{name_or_path}.toml"
        names = {p.stem for folder in folders for p in folder.glob("*.toml")}
        raise ApophenicError(unknown_name(kind, name_or_path, names))
    return (registry or get_registry()).preset_path(name_or_path)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; errors name the file and the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_PRESET_BYTES:
        raise ApophenicError(f"{path}: preset is larger than {MAX_PRESET_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApophenicError(f"{path}: not UTF-8 text") from None
    return loads_toml(text, path)


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
        elif word.isdecimal():  # not isdigit(): "²" is a digit that int() refuses
            parts.append(int(word))
        else:
            parts.append(word)
    if pos != len(key) or not parts:
        raise ApophenicError(f"--set {key!r}: expected a key path like objectives[0].target")
    return parts


def parse_value(text: str) -> Any:
    """A TOML value (``3``, ``0.5``, ``true``, ``[1, 2]``, ``"x"``); anything else is a string."""
    return loads_toml_value(text, f"--set value {text[:40]!r}")


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


def deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` over ``base``: tables merge recursively, everything else (arrays included) is replaced."""
    merged = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _has_key(data: Any, path: list[str | int]) -> bool:
    node = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def resolve_extends(
    data: dict[str, Any], path: Path, registry: Registry | None = None, chain: tuple[Path, ...] = ()
) -> dict[str, Any]:
    """``data`` with its ``extends`` chain merged in and its ``[set]`` table applied."""
    chain = (*chain, path.resolve())
    data = dict(data)
    base_ref = data.pop("extends", None)
    sets = data.pop("set", None)
    if base_ref is None:
        if sets is not None:
            raise ConfigError(path, "set", "a [set] table needs `extends` naming the preset it overrides")
        return data
    if not isinstance(base_ref, str) or not base_ref:
        raise ConfigError(path, "extends", "expected a preset name or a path to a .toml file")
    base_path = check(locate(base_ref, registry, near=path.parent))  # a recipe's `extends` is confined too
    if base_path.resolve() in chain:
        names = " -> ".join(p.name for p in (*chain, base_path.resolve()))
        raise ConfigError(path, "extends", f"inheritance cycle: {names}")
    base = resolve_extends(read_toml(base_path), base_path, registry, chain)
    merged = deep_merge(base, data)
    # relative files named by the base (images, SVGs) stay findable from the child's folder
    folders = [*data.get("search_paths", []), str(base_path.parent.resolve()), *base.get("search_paths", [])]
    merged["search_paths"] = list(dict.fromkeys(folders))
    if sets is not None:
        if not isinstance(sets, dict):
            raise ConfigError(path, "set", "expected a table of key paths and values")
        for key, value in sets.items():
            parts = parse_key(key)
            if not _has_key(base, parts):
                raise ConfigError(path, f"set.{key}", f"the base preset {base_ref!r} has no key {key!r}")
            merged = _assign(merged, parts, value)
    return merged


def _assign(data: dict[str, Any], parts: list[str | int], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)
    return data


def load_data(name_or_path: str, overrides: list[str] = (), registry: Registry | None = None) -> tuple[dict[str, Any], Path]:
    """Raw preset data, inheritance resolved and overrides applied, and the preset's file."""
    path = locate(name_or_path, registry)
    data = resolve_extends(read_toml(path), path, registry)
    for assignment in overrides:
        data = apply_override(data, assignment)
    return data, path


def load(name_or_path: str, overrides: list[str] = (), registry: Registry | None = None) -> tuple[BaseModel, Path]:
    """A validated run config from a preset name or path, with overrides applied."""
    from apophenic.config import validate  # imports torch; listing and showing presets must not

    registry = registry or get_registry()
    data, path = load_data(name_or_path, overrides, registry)
    return validate(data, registry, path), path
