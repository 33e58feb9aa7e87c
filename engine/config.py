"""The run config: a pydantic model whose unions are built from what plugins registered.

A preset (TOML) validates against :func:`run_config_model`; errors come back as one
:class:`~apophenic.errors.ConfigError` line through :mod:`apophenic.validation`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from apophenic.candidates import CandidatesConfig
from apophenic.legibility import LegibilityConfig
from apophenic.registry import Registry
from apophenic.validation import validate_model


class OutputConfig(BaseModel):
    """Where and what a run writes besides ``final.png`` and ``run.json``."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="Run folder name prefix; defaults to the preset name.")
    snapshot_every: int = Field(0, ge=0, description="Write snapshots/step-NNNNN.png every N steps (0: never); they are kept in the run folder.")
    preview_every: int = Field(
        10, ge=0, description="While the run works (with progress shown), replace preview.png in its folder and score the "
        "target on every classifier every N steps (0: never); `apophenic view FOLDER` shows them.")
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


def validate(data: dict[str, Any], registry: Registry, source: str | Path | None) -> BaseModel:
    """Validate preset data; raise :class:`ConfigError` for the first problem."""
    return validate_model(run_config_model(registry), data, source)
