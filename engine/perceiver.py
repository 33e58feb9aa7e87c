"""Perceiver: a frozen network that sees images and exposes named features."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from apophenic.component import ComponentConfig
from apophenic.errors import ApophenicError, unknown_name

LOGITS = "logits"
"""The feature name under which classifiers expose their class scores."""


class _Enough(Exception):
    """Raised inside a forward hook once every requested layer is captured."""


class Perceiver(nn.Module):
    """A frozen network with tappable layers.

    Subclasses provide ``network`` (an ``nn.Module`` whose named submodules are
    the layers), :meth:`normalize` and, for classifiers, ``labels``. The base
    class does resizing, layer taps (forward hooks) and early exit when every
    requested layer has been seen.

    :param input_size: side the network was trained at (``None``: any size).
    :param resize_to: side images are resized to before the network (``None``: as given).
    """

    labels: Sequence[str] | None = None
    aliases: dict[str, str] = {}

    def __init__(self, network: nn.Module, input_size: int | None = None, resize_to: int | None = None) -> None:
        super().__init__()
        self.network = network
        self.input_size = input_size
        self.resize_to = resize_to
        self.network.eval()
        for p in self.network.parameters():
            p.requires_grad_(False)

    # -- what subclasses customise -------------------------------------------------
    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Map ``[0, 1]`` RGB to what the network expects."""
        return images

    def layer_modules(self) -> dict[str, nn.Module]:
        """Tappable layers by name, in forward order (default: direct children)."""
        return dict(self.network.named_children())

    # -- the public surface ----------------------------------------------------------
    def layer_names(self) -> list[str]:
        """Every name :meth:`perceive` accepts, aliases excluded, plus ``logits`` for classifiers."""
        names = list(self.layer_modules())
        if self.labels is not None:
            names.append(LOGITS)
        return names

    def resolve_layer(self, name: str) -> str:
        """An exact layer name for ``name`` (which may be an alias such as ``deep``)."""
        name = self.aliases.get(name, name)
        if name not in self.layer_names():
            hint = f" (list them with: apophenic layers {self.name})" if getattr(self, "name", None) else ""
            raise ApophenicError(unknown_name("layer", name, [*self.layer_names(), *self.aliases]) + hint)
        return name

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Resize (when configured) and normalize a ``B×3×H×W`` batch in ``[0, 1]``."""
        if self.resize_to is not None and tuple(images.shape[-2:]) != (self.resize_to, self.resize_to):
            images = F.interpolate(images, size=(self.resize_to, self.resize_to), mode="bilinear", align_corners=False)
        return self.normalize(images)

    def perceive(self, images: torch.Tensor, layers: Collection[str]) -> dict[str, torch.Tensor]:
        """Features for ``layers`` (names or aliases), keyed by the names asked for."""
        wanted = {name: self.resolve_layer(name) for name in layers}
        exact = set(wanted.values())
        modules = self.layer_modules()
        captured: dict[str, torch.Tensor] = {}
        need_output = LOGITS in exact
        handles = []

        def tap(layer: str):
            def hook(_module, _inputs, output):
                captured[layer] = output
                if not need_output and exact <= captured.keys():
                    raise _Enough

            return hook

        for layer in exact - {LOGITS}:
            handles.append(modules[layer].register_forward_hook(tap(layer)))
        try:
            output = self.network(self.prepare(images))
            if need_output:
                captured[LOGITS] = output
        except _Enough:
            pass
        finally:
            for h in handles:
                h.remove()
        return {asked: captured[exact_name] for asked, exact_name in wanted.items()}

    @torch.no_grad()
    def layer_shapes(self, size: int | None = None) -> dict[str, tuple[int, ...]]:
        """Output shape (without batch) of every layer for a ``size``² input."""
        side = size or self.resize_to or self.input_size or 224
        device = next(self.network.parameters(), torch.empty(0)).device
        x = torch.rand(1, 3, side, side, device=device)
        feats = self.perceive(x, self.layer_names())
        return {k: tuple(v.shape[1:]) for k, v in feats.items()}


def resize_side(resize: int | str, native: int) -> int | None:
    """The side a config's ``resize`` field asks for: ``"native"``, ``"none"`` (as rendered) or pixels."""
    if resize == "native":
        return native
    return None if resize == "none" else int(resize)


class PerceiverConfig(ComponentConfig):
    """Base for perceiver configs: ensemble membership plus what ``build`` needs."""

    kind: ClassVar[str] = "perceiver"

    name: str | None = Field(None, description="Name objectives and scores use for this perceiver; defaults to its type.")
    weight: float = Field(1.0, ge=0, description="Weight of this perceiver in the ensemble average.")
    held_out: bool = Field(False, description="Score the result with this perceiver but never optimize against it.")

    @property
    def label(self) -> str:
        """The name this perceiver goes by in the run."""
        return self.name or self.type

    def build(self, ctx) -> Perceiver:  # pragma: no cover - abstract
        raise NotImplementedError
