"""The run config: a pydantic model whose unions are built from what plugins registered.

A preset (TOML) validates against :func:`run_config_model`. Errors come back as
:class:`~apophenic.errors.ConfigError` naming the file, the key path and what
was expected, nothing else.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from apophenic.errors import ConfigError, closest
from apophenic.candidates import CandidatesConfig
from apophenic.legibility import LegibilityConfig
from apophenic.registry import Registry


class OutputConfig(BaseModel):
    """Where and what a run writes besides ``final.png`` and ``run.json``."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="Run folder name prefix; defaults to the preset name.")
    snapshot_every: int = Field(0, ge=0, description="Write snapshots/step-NNNNN.png every N steps (0: never).")
    print_size: int | None = Field(
        None, ge=16, le=20000, description="Long side in pixels of the print PNG rasterized from the vector export."
    )


def _size(value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (int(value[1]), int(value[0]))
    raise ValueError("expected a side in pixels (224) or [width, height]")


class BaseRunConfig(BaseModel):
    """Fields every run has; the component unions are added per registry."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field("", description="One line shown by `apophenic presets`.")
    seed: int = Field(0, ge=0, lt=2**32, description="Seed for every random choice; same seed, config and device give the same pixels.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where to compute: auto picks cuda, then mps, then cpu.")
    size: Any = Field(224, description="Output size: a side in pixels or [width, height].")
    augmentations: int = Field(1, ge=1, le=256, description="Transformed copies of each image perceived per step.")
    output: OutputConfig = Field(default_factory=OutputConfig, description="What the run writes.")
    score_targets: list[str | int] = Field(
        default_factory=list,
        description="ImageNet classes to score on every classifier (held-out included) at the end, besides the class objectives' targets.",
    )
    search_paths: list[str] = Field(
        default_factory=list,
        description="Folders searched for relative file paths after the preset's own; `extends` adds each base preset's folder.",
    )
    candidates: CandidatesConfig = Field(
        default_factory=CandidatesConfig,
        description="Start from several seeds, keep the one the optimized ensemble scores best after a few steps.",
    )
    legibility: LegibilityConfig = Field(
        default_factory=LegibilityConfig,
        description="How run.json's legibility measures are taken: the degradations behind the robust scores.",
    )

    @field_validator("size")
    @classmethod
    def _check_size(cls, value: Any) -> Any:
        h, w = _size(value)
        if not (8 <= h <= 16384 and 8 <= w <= 16384):
            raise ValueError("each side must be between 8 and 16384 pixels")
        return value

    @field_validator("score_targets")
    @classmethod
    def _known_classes(cls, value: list[str | int]) -> list[str | int]:
        from apophenic.errors import ApophenicError
        from apophenic.imagenet import match_class

        for target in value:
            try:
                match_class(target)
            except ApophenicError as exc:
                raise ValueError(str(exc)) from None  # reported at this key, with suggestions
        return value

    @property
    def hw(self) -> tuple[int, int]:
        """Output size as (height, width)."""
        return _size(self.size)


def _union(configs: list[type]) -> Any:
    if len(configs) == 1:
        return configs[0]
    return Annotated[Union[tuple(configs)], Field(discriminator="type")]  # noqa: UP007


_cache: dict[int, type[BaseModel]] = {}


def run_config_model(registry: Registry) -> type[BaseModel]:
    """The ``RunConfig`` model for the components in ``registry``."""
    key = id(registry)
    if key in _cache:
        return _cache[key]
    gens = registry.configs("generator")
    percs = registry.configs("perceiver")
    objs = registry.configs("objective")
    trans = registry.configs("transform")
    opts = registry.configs("optimizer")
    fields: dict[str, Any] = {}
    if gens:
        fields["generator"] = (_union(gens), Field(description="What proposes the image: its `type` and settings."))
    if percs:
        fields["perceivers"] = (list[_union(percs)], Field(default_factory=list, description="The ensemble that looks at the image."))
    if objs:
        fields["objectives"] = (list[_union(objs)], Field(default_factory=list, description="What the ensemble should see; the terms are summed."))
    if trans:
        fields["transforms"] = (list[_union(trans)], Field(default_factory=list, description="Random augmentations applied before perceiving, in order."))
    if opts:
        default_opt = next((c for c in opts if c.type_name() == "adam"), opts[0])
        fields["optimizer"] = (_union(opts), Field(default_factory=lambda: default_opt(type=default_opt.type_name()), description="How parameters change each step."))
    model = create_model("RunConfig", __base__=BaseRunConfig, **fields)
    _cache[key] = model
    return model


# -- turning pydantic errors into one line --------------------------------------------

def _key_path(loc: tuple[Any, ...], data: Any) -> str:
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


def _message(err: dict[str, Any], data: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key"
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
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    got = err.get("input")
    if kind not in ("value_error",) and not isinstance(got, (dict, list)) and got is not None:
        msg += f" (got {got!r})"
    return msg


def validate(data: dict[str, Any], registry: Registry, source: str | Path | None) -> BaseModel:
    """Validate preset data; raise :class:`ConfigError` for the first problem."""
    model = run_config_model(registry)
    try:
        config = model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = _key_path(tuple(err["loc"]), data)
        if err["type"] == "extra_forbidden":
            valid = _valid_keys_at(model, err["loc"], data)
            near = closest(str(err["loc"][-1]), valid)
            expected = f"unknown key; did you mean {', '.join(map(repr, near))}?" if near else "unknown key"
            if valid and not near:
                expected += f"; valid keys: {', '.join(sorted(valid))}"
            raise ConfigError(source, key, expected) from None
        raise ConfigError(source, key, _message(err, data)) from None
    return config


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
        if isinstance(current, type) and issubclass(current, BaseModel) and item in current.model_fields:
            current = current.model_fields[item].annotation
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    # a single-member union resolves to the class directly
    return []


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
