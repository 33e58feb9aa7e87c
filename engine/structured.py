"""Bounded readers for the structured text users hand us: TOML (presets, ``--set`` values) and JSON
(recipes, unit and steering files).

Python's parsers recurse once per nesting level, so ten thousand ``[`` in a small file end in a
``RecursionError`` — and a value nested a few hundred deep that does parse can still blow the
stack later, in ``deepcopy`` or pydantic. Every such reader goes through here: the parse is
bounded in size, a ``RecursionError`` becomes the one-line error, and the parsed value is
checked (without recursion) to be at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError

MAX_DEPTH = 64
"""Deepest nesting of tables/arrays (TOML) or objects/arrays (JSON) accepted; presets use < 10."""

MAX_TEXT_CHARS = 1_000_000
"""Longest TOML or JSON text accepted (a preset or a recipe is a few kilobytes)."""


def depth(value: Any) -> int:
    """How deeply ``value`` nests dicts and lists (a scalar is 0), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:  # no need to walk the rest of a hostile value
            return deepest
        stack.extend((child, level) for child in children)
    return deepest


def _bounded(parse, text: str, source: str | Path, what: str) -> Any:
    if len(text) > MAX_TEXT_CHARS:
        raise ApophenicError(f"{source}: {what} is longer than {MAX_TEXT_CHARS} characters")
    try:
        value = parse(text)
    except RecursionError:
        raise ApophenicError(f"{source}: {what} nests deeper than {MAX_DEPTH} levels") from None
    if depth(value) > MAX_DEPTH:
        raise ApophenicError(f"{source}: {what} nests deeper than {MAX_DEPTH} levels")
    return value


def loads_toml(text: str, source: str | Path) -> dict[str, Any]:
    """A TOML document; syntax errors, size and nesting are one-line errors naming ``source``."""
    try:
        return _bounded(tomllib.loads, text, source, "TOML")
    except tomllib.TOMLDecodeError as exc:
        raise ApophenicError(f"{source}: TOML syntax error: {exc}") from None


def loads_toml_value(text: str, source: str | Path) -> Any:
    """One TOML value (``3``, ``[1, 2]``, ``"x"``), or ``text`` itself when it is not one."""
    try:
        return _bounded(lambda t: tomllib.loads(f"v = {t}")["v"], text, source, "the value")
    except tomllib.TOMLDecodeError:
        return text


def loads_json(text: str | bytes, source: str | Path, what: str = "JSON") -> Any:
    """A JSON document; syntax errors, size and nesting are one-line errors naming ``source``."""
    try:
        return _bounded(json.loads, text, source, what)
    except json.JSONDecodeError as exc:
        raise ApophenicError(f"{source}: {what} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise ApophenicError(f"{source}: {what} is not UTF-8 text") from None


def read_json(path: Path, what: str = "JSON") -> Any:
    """``loads_json`` of a file; an unreadable file is a one-line error too."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_TEXT_CHARS:
        raise ApophenicError(f"{path}: {what} is larger than {MAX_TEXT_CHARS} bytes")
    return loads_json(raw, path, what)
