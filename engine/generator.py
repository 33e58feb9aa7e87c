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


class GeneratorConfig(ComponentConfig):
    """Base for generator configs; ``build`` returns a :class:`Generator`."""

    kind: ClassVar[str] = "generator"

    def build(self, ctx) -> Generator:  # pragma: no cover - abstract
        raise NotImplementedError
