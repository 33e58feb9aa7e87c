"""Generator: learnable parameters that render a batch of media."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from apophenic.component import ComponentConfig


class Generator(nn.Module):
    """Owns learnable tensors and renders them as images.

    ``render()`` returns a float tensor ``B×3×H×W`` in ``[0, 1]`` that is
    differentiable with respect to ``self.parameters()``. Subclasses that are
    vectorial override :meth:`export` to write their own formats.
    """

    def render(self) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def export(self, folder: Path, stem: str = "final", print_size: int | None = None) -> list[Path]:
        """Write extra formats (an SVG, a print PNG, a WAV) beside the PNG; return their paths.

        :param print_size: long side in pixels of a print rasterization, when the generator is vectorial.
        """
        return []

    def constrain(self) -> None:
        """Project parameters back into their valid range after an optimizer step."""

    def set_progress(self, fraction: float) -> None:
        """Told before each step how far the run is (0 at the first step, 1 at the last).

        A generator with a schedule of its own (strokes that anneal their softness) reads it;
        the default ignores it.
        """


class GeneratorConfig(ComponentConfig):
    """Base for generator configs; ``build`` returns a :class:`Generator`."""

    kind: ClassVar[str] = "generator"

    def build(self, ctx) -> Generator:  # pragma: no cover - abstract
        raise NotImplementedError

    def batch_size(self) -> int:
        """How many images :meth:`Generator.render` returns (the memory estimate uses it):
        the config's ``batch`` field when it declares one, else 1."""
        return int(getattr(self, "batch")) if "batch" in type(self).model_fields else 1

    def continue_from(self, folder: Path) -> "GeneratorConfig | None":
        """This generator's config starting from a finished run folder (a pipeline's ``init = "previous"``).

        Return the config that loads the folder's output in the generator's own terms (a stroke
        scene from ``final.svg``, an image from ``final.png``), or ``None`` (the default) when
        it cannot.
        """
        return None

    @classmethod
    def can_continue(cls) -> bool:
        """Whether this generator overrides :meth:`continue_from`; a pipeline checks it before anything runs."""
        return cls.continue_from is not GeneratorConfig.continue_from
