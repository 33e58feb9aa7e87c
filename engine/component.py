"""The base of every plugin-declared config: a pydantic model that builds a component.

A plugin registers a *config class*. Its ``type`` tag (a ``Literal``) is the name
presets use; its fields are the preset keys; its ``build`` makes the component.
The union of all registered configs is what a preset is validated against.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from pydantic import BaseModel, ConfigDict

from apophenic.confinement import check

if TYPE_CHECKING:
    from apophenic.perceiver import Perceiver


@dataclass
class BuildContext:
    """What a component may need to know while it is built.

    :param device: where tensors live.
    :param seed: the run's seed; components derive their own generators from it.
    :param size: output image size as (height, width).
    :param source: the preset file the config came from, to resolve relative paths.
    :param perceivers: the run's perceivers by name (set before objectives build).
    :param held_out: names of perceivers that are scored but never optimized against.
    :param search_paths: more folders for relative paths (the folders of base presets).
    """

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    seed: int = 0
    size: tuple[int, int] = (224, 224)
    source: Path | None = None
    perceivers: dict[str, "Perceiver"] = field(default_factory=dict)
    held_out: frozenset[str] = frozenset()
    search_paths: list[Path] = field(default_factory=list)
    inputs: dict[str, Path] = field(default_factory=dict)
    """Every file resolved so far: the path as the config wrote it -> the file (the recipe lists them)."""

    def random(self, salt: int = 0) -> torch.Generator:
        """A CPU random number generator seeded from the run seed (and a salt per use)."""
        g = torch.Generator()
        g.manual_seed(self.seed * 1_000_003 + salt)
        return g

    def generator(self, salt: int = 0) -> torch.Generator:
        """Deprecated name of :meth:`random` (it returns random numbers, not an image generator)."""
        return self.random(salt)

    def resolve(self, path: str | Path) -> Path:
        """A path from a preset: relative to the preset's folder, else to a base preset's folder (``extends``).

        While a recipe's reads are confined (:mod:`apophenic.confinement`), a path outside the
        allowed folders is a one-line error instead.
        """
        found = check(self._find(path))
        if found.is_file():
            self.inputs[str(path)] = found
        return found

    def _find(self, path: str | Path) -> Path:
        from apophenic.inputs import locate, missing, where_now

        p = Path(path).expanduser()
        if p.is_absolute():
            first = where_now(p)
        else:
            first = self.source.parent / p if self.source is not None else p
            if not first.exists():
                for folder in self.search_paths:
                    if (folder / p).exists():
                        return folder / p
        if not first.exists():  # a recipe from elsewhere: its file by name and content hash, next to the PNG
            found = locate(str(path))
            if found is None and (problem := missing(str(path))):
                from apophenic.errors import ApophenicError

                raise ApophenicError(problem)
            return found or first
        return first


class ComponentConfig(BaseModel):
    """Base for generator, perceiver, objective, transform and optimizer configs.

    Subclasses set ``type: Literal["name"] = "name"``, describe every field with
    ``Field(description=...)`` and implement :meth:`build`.
    """

    model_config = ConfigDict(extra="forbid")

    type: str

    kind: ClassVar[str] = "component"

    @classmethod
    def type_name(cls) -> str:
        """The ``type`` tag this config answers to."""
        annotation = cls.model_fields["type"].annotation
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Literal and len(args) == 1:
            return str(args[0])
        raise TypeError(f"{cls.__name__}.type must be a Literal of one string, got {annotation!r}")

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring: the one-line description shown in listings."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    def build(self, ctx: BuildContext) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.build")
