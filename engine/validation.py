"""Validating data against a pydantic model, with the first problem as one line.

Every config apophenic reads — run presets, pipelines, batch manifests, the
audio and sentiment settings, a plugin's own — goes through :func:`validate_model`,
so every bad value reads the same way: ``file: key.path: what was expected``,
with the nearest valid key suggested for a misspelling.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from apophenic.errors import ConfigError, closest

M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], data: Any, source: str | Path | None) -> M:
    """``model.model_validate(data)``; a failure raises :class:`ConfigError` naming ``source`` and the key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, source, model, data) from None


def config_error(exc: ValidationError, source: str | Path | None, model: type[BaseModel] | None = None,
                 data: Any = None) -> ConfigError:
    """The one-line :class:`ConfigError` for a pydantic error (the misspelled key first, it is the cause)."""
    errors = exc.errors(include_url=False)
    # A misspelled key also makes the right one "missing": report the typo.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    key = key_path(tuple(err["loc"]), data)
    if err["type"] == "extra_forbidden":
        valid = _valid_keys_at(model, err["loc"], data) if model is not None else []
        near = closest(str(err["loc"][-1]), valid)
        expected = f"unknown key; did you mean {', '.join(map(repr, near))}?" if near else "unknown key"
        if valid and not near:
            expected += f"; valid keys: {', '.join(sorted(valid))}"
        return ConfigError(source, key, expected)
    return ConfigError(source, key, _message(err))


def key_path(loc: tuple[Any, ...], data: Any = None) -> str:
    """``('objectives', 0, 'class', 'target')`` -> ``objectives[0].target`` (union tags dropped)."""
    parts: list[str] = []
    node = data
    tag_skipped_at = None
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        if isinstance(node, dict) and node.get("type") == item and tag_skipped_at is not node:
            tag_skipped_at = node  # the discriminator's branch name (once per table), not a key the user wrote
            continue
        if isinstance(item, str) and ("[" in item or "(" in item) and not (isinstance(node, dict) and item in node):
            continue  # pydantic's name for a union/function branch
        parts.append(("." if parts else "") + str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required key is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ctx.get("expected_tags", "")
        got = ctx.get("tag")
        if got is None:
            return f"missing `type`; expected one of {expected}"
        names = [t.strip().strip("'") for t in str(expected).split(",")]
        near = closest(str(got), names)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        return f"unknown type {got!r}; expected one of {expected}{hint}"
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if kind != "value_error" and not isinstance(got, (dict, list)) and got is not None:
        msg += f" (got {got!r})"
    return msg


def _valid_keys_at(model: type[BaseModel], loc: tuple[Any, ...], data: Any) -> list[str]:
    """Field names of the model that owns the unknown key at ``loc``."""
    current: Any = model
    node = data
    tag_node = None
    for item in loc[:-1]:
        if isinstance(item, int):
            node = node[item] if isinstance(node, list) and item < len(node) else None
            current = _list_item(current)
            continue
        if isinstance(node, dict) and node.get("type") == item and tag_node is not node:
            tag_node = node
            current = _branch(current, item)
            continue
        node = node.get(item) if isinstance(node, dict) else None
        current = _field_annotation(current, item)
        if current is None:
            return []
    current = _optional_model(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _field_annotation(current: Any, item: Any) -> Any:
    current = _optional_model(current)
    if isinstance(current, type) and issubclass(current, BaseModel) and item in current.model_fields:
        return current.model_fields[item].annotation
    if typing.get_origin(current) is dict:  # dict[str, Model]: the key is a name, the value the model
        args = typing.get_args(current)
        return args[1] if len(args) == 2 else None
    return None


def _optional_model(annotation: Any) -> Any:
    """``Model | None`` -> ``Model``; anything else unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0]
    return annotation


def _list_item(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return args[0] if args else annotation


def _branch(annotation: Any, tag: str) -> Any:
    for arg in typing.get_args(annotation):
        found = _branch(arg, tag)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        try:
            if annotation.type_name() == tag:  # type: ignore[attr-defined]
                return annotation
        except (AttributeError, TypeError):
            return None
    return None
