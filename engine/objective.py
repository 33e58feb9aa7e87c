"""Objective: a differentiable score over what an ensemble perceived.

Objectives are values. They carry a description, compose with ``+``, ``-``,
unary ``-`` and scalar ``*`` / ``/``, and remember their terms so a run can
report each one. Scores are **maximized**: penalties (style distance, total
variation) are negative scores.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

import torch
from pydantic import Field

from apophenic.component import ComponentConfig


@dataclass
class Perception:
    """What every optimized perceiver saw for one batch of images.

    :param images: the (transformed) batch the perceivers looked at.
    :param features: perceiver name -> layer name -> tensor.
    :param weights: perceiver name -> ensemble weight.
    """

    images: torch.Tensor
    features: Mapping[str, Mapping[str, torch.Tensor]]
    weights: Mapping[str, float]

    def mean(
        self,
        per_perceiver: Callable[[Mapping[str, torch.Tensor]], torch.Tensor],
        perceivers: Iterable[str] | None = None,
    ) -> torch.Tensor:
        """Weighted mean of ``per_perceiver(features)`` over the ensemble (or a subset)."""
        names = list(perceivers) if perceivers is not None else list(self.features)
        names = [n for n in names if n in self.features]
        if not names:
            raise ValueError("no perceiver in this perception provides the requested features")
        total = sum(self.weights.get(n, 1.0) for n in names) or 1.0
        return sum(self.weights.get(n, 1.0) * per_perceiver(self.features[n]) for n in names) / total


Need = tuple[str | None, str]
"""A layer an objective reads: (perceiver name or ``None`` for every perceiver, layer name)."""


class Objective:
    """A score to maximize, built from weighted terms.

    :param fn: maps a :class:`Perception` to a scalar tensor.
    :param description: readable text, e.g. ``class 'goldfish' log-probability``.
    :param needs: the layers ``fn`` reads, so perceivers tap only those.
    """

    def __init__(
        self,
        fn: Callable[[Perception], torch.Tensor],
        description: str,
        needs: Iterable[Need] = (),
    ) -> None:
        self._terms: list[tuple[float, Objective]] = []
        self.fn = fn
        self.description = description
        self.needs: frozenset[Need] = frozenset(needs)

    @classmethod
    def _sum(cls, terms: list[tuple[float, "Objective"]]) -> "Objective":
        obj = cls.__new__(cls)
        obj._terms = terms
        obj.fn = None  # type: ignore[assignment]
        obj.needs = frozenset().union(*(t.needs for _, t in terms))
        obj.description = " + ".join(_weighted(w, t.description) for w, t in terms)
        return obj

    def terms(self) -> list[tuple[float, "Objective"]]:
        """The leaf objectives and their weights (a leaf is its own single term)."""
        return self._terms if self._terms else [(1.0, self)]

    def __call__(self, perception: Perception) -> torch.Tensor:
        return self.evaluate(perception)[0]

    def evaluate(self, perception: Perception) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The total score and each term's unweighted value, keyed by description."""
        if not self._terms:
            value = self.fn(perception)
            return value, {self.description: value}
        total = 0.0
        values: dict[str, torch.Tensor] = {}
        for weight, term in self._terms:
            value = term.fn(perception)
            total = total + weight * value
            key, n = term.description, 2
            while key in values:
                key, n = f"{term.description} #{n}", n + 1
            values[key] = value
        return total, values  # type: ignore[return-value]

    # -- algebra -----------------------------------------------------------------
    def __add__(self, other: object) -> "Objective":
        if isinstance(other, numbers.Number) and other == 0:
            return self  # lets sum() start from 0
        if not isinstance(other, Objective):
            return _type_error("+", other)
        return Objective._sum(self.terms() + other.terms())

    __radd__ = __add__

    def __sub__(self, other: object) -> "Objective":
        if not isinstance(other, Objective):
            return _type_error("-", other)
        return self + (-1.0) * other

    def __neg__(self) -> "Objective":
        return (-1.0) * self

    def __mul__(self, scalar: object) -> "Objective":
        if isinstance(scalar, bool) or not isinstance(scalar, numbers.Real):
            return _type_error("*", scalar)
        return Objective._sum([(float(scalar) * w, t) for w, t in self.terms()])

    __rmul__ = __mul__

    def __truediv__(self, scalar: object) -> "Objective":
        if isinstance(scalar, bool) or not isinstance(scalar, numbers.Real):
            return _type_error("/", scalar)
        return self * (1.0 / float(scalar))

    def __repr__(self) -> str:
        return f"Objective({self.description!r})"


def _weighted(weight: float, description: str) -> str:
    return description if weight == 1.0 else f"{weight:g} × {description}"


def _type_error(op: str, other: object):
    raise TypeError(
        f"an Objective combines with {op!r} only with another Objective or a number, not {type(other).__name__}"
    )


class ObjectiveConfig(ComponentConfig):
    """Base for objective configs; ``build`` returns an :class:`Objective`."""

    kind: ClassVar[str] = "objective"

    weight: float = Field(1.0, description="Multiplier of this term in the total score.")
    perceivers: list[str] | None = Field(
        None, description="Perceivers this term reads (names); default every optimized perceiver."
    )

    def build(self, ctx) -> Objective:  # pragma: no cover - abstract
        """The unweighted objective; the engine multiplies it by :attr:`weight`."""
        raise NotImplementedError

    def class_targets(self) -> list[int]:
        """ImageNet classes this objective makes the ensemble see; ``run.json`` scores each one
        on every classifier, held-out ones included. Default: none."""
        return []

    def read_perceivers(self, ctx, classifiers_only: bool = False) -> list[str]:
        """The optimized perceivers this objective reads: :attr:`perceivers`, checked against the
        run's ensemble (unknown or held-out names are one-line errors), or every optimized one.

        :param classifiers_only: when :attr:`perceivers` is not set, read only perceivers with class labels.
        """
        from apophenic.errors import ConfigError, unknown_name

        optimized = [n for n in ctx.perceivers if n not in ctx.held_out]
        if self.perceivers is None:
            if classifiers_only:
                optimized = [n for n in optimized if ctx.perceivers[n].labels is not None]
            if not optimized:
                what = "classifier" if classifiers_only else "perceiver"
                raise ConfigError(ctx.source, "objectives.perceivers",
                                  f"no optimized {what}: every one is held out or none is listed; an objective needs one to optimize against")
            return optimized
        for name in self.perceivers:
            if name not in ctx.perceivers:
                raise ConfigError(ctx.source, "objectives.perceivers", unknown_name("perceiver", name, ctx.perceivers))
            if name in ctx.held_out:
                raise ConfigError(ctx.source, "objectives.perceivers", f"{name!r} is held out; an objective cannot optimize against it")
        return list(self.perceivers)

    def check_layer(self, ctx, perceivers: list[str], layer: str) -> None:
        """Fail with one line, while the run is built, when a perceiver has no layer ``layer``."""
        from apophenic.errors import ApophenicError, ConfigError

        for name in perceivers:
            try:
                ctx.perceivers[name].resolve_layer(layer)
            except ApophenicError as exc:
                raise ConfigError(ctx.source, "objectives.layer", f"{name}: {exc}") from None
