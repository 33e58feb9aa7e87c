"""VGG-19 in torchvision's format (``features.N``, ``classifier.N``), with readable layer names.

The architecture is defined here so torchvision is not needed; weights come from a
torchvision ``vgg19-*.pth`` state dict the user already has. Shared by the ``vgg19``
perceiver and the ``style`` plugin (Gatys et al. use ``relu1_1`` ... ``relu5_1``).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from apophenic.errors import ApophenicError
from apophenic.perceiver import LOGITS, Perceiver, PerceiverConfig, resize_side
from apophenic.plugins.core.torchvision_format import fill_model, find_checkpoint, imagenet_normalize, load_state_dict

# torchvision's configuration "E": channels per conv, "M" for a 2×2 max-pool.
_PLAN: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def _readable_names() -> list[str]:
    """``conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ...`` in ``features`` order."""
    names: list[str] = []
    block, conv = 1, 1
    for step in _PLAN:
        if step == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 1
        else:
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
            conv += 1
    return names


LAYER_NAMES: list[str] = _readable_names()
"""Readable names of the 37 modules of ``features``, in order (``features.i`` is ``LAYER_NAMES[i]``)."""

FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(LAYER_NAMES)}
"""Readable name -> index in ``features`` (``"relu5_4"`` -> 35)."""


class VGG19(nn.Module):
    """VGG-19 whose state-dict keys match torchvision's ``vgg19`` exactly.

    :param classifier: keep the fully connected head (``avgpool``, ``classifier``) that makes logits;
        style transfer needs only ``features``.
    :param pool: ``"max"`` as trained, or ``"avg"`` (Gatys et al. found average pooling gives smoother images).
    :param num_classes: outputs of the last layer.
    """

    def __init__(self, classifier: bool = True, pool: Literal["max", "avg"] = "max", num_classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for step in _PLAN:
            if step == "M":
                layers.append(nn.MaxPool2d(2, 2) if pool == "max" else nn.AvgPool2d(2, 2))
            else:
                layers.append(nn.Conv2d(channels, int(step), 3, padding=1))
                # Not in place: a forward hook on conv_k must keep its pre-ReLU output.
                layers.append(nn.ReLU(inplace=False))
                channels = int(step)
        self.features = nn.Sequential(*layers)
        self.has_classifier = classifier
        if classifier:
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=False), nn.Dropout(),
                nn.Linear(4096, 4096), nn.ReLU(inplace=False), nn.Dropout(),
                nn.Linear(4096, num_classes),
            )

    def layer(self, name: str) -> nn.Module:
        """The module for a readable name (``relu3_1``) or a torchvision name (``features.11``)."""
        if name in FEATURE_INDEX:
            return self.features[FEATURE_INDEX[name]]
        modules = dict(self.named_modules())
        if name in modules and name:
            return modules[name]
        from apophenic.errors import unknown_name

        raise ApophenicError(unknown_name("VGG-19 layer", name, LAYER_NAMES))

    def named_layers(self) -> dict[str, nn.Module]:
        """Every ``features`` module under its readable name, in forward order."""
        return {name: self.features[i] for i, name in enumerate(LAYER_NAMES)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (with the classifier) or the last feature map (without)."""
        x = self.features(x)
        if not self.has_classifier:
            return x
        return self.classifier(torch.flatten(self.avgpool(x), 1))


def load_vgg19(weights: str | Path | None = None, classifier: bool = True, pool: Literal["max", "avg"] = "max") -> VGG19:
    """A VGG-19 with torchvision weights from ``weights`` or ``~/.cache/torch/hub/checkpoints/vgg19-*.pth``.

    Raises :class:`ApophenicError` (one line saying where to put the file) when it is absent or does not fit.
    """
    path = find_checkpoint("vgg19", weights, "VGG-19")
    return _vgg19_from(path, classifier, pool)


def _vgg19_from(path: Path, classifier: bool, pool: Literal["max", "avg"]) -> VGG19:
    # Memory-mapped, so a features-only load never reads the ~494 MB of fully connected weights.
    state = load_state_dict(path, "VGG-19", mmap=True)
    if not classifier:
        state = {k: v for k, v in state.items() if k.startswith("features.")}
    # Copies in ordinary memory: the model must not keep the file mapped (or change under a rewrite of it).
    state = {k: v.clone() for k, v in state.items()}
    return fill_model(lambda: VGG19(classifier=classifier, pool=pool), state, path, "VGG-19", "vgg19")


_HEAD = ("fc6", "fc7", LOGITS)
"""Features that need the fully connected head."""


class VGG19Perceiver(Perceiver):
    """VGG-19: layers ``conv1_1`` ... ``relu5_4``, ``pool1`` ... ``pool5``, ``fc6``, ``fc7``, ``logits``.

    :param head_from: the weights file to read the fully connected head from the first time
        ``fc6``, ``fc7`` or ``logits`` is asked for, when ``network`` was built without it. Style
        transfer never asks, so it never holds the head's ~494 MB.
    """

    def __init__(self, network: VGG19, resize_to: int | None, head_from: Path | None = None) -> None:
        super().__init__(network, input_size=224, resize_to=resize_to)
        self.name = "vgg19"
        self.head_from = None if network.has_classifier else head_from
        if self.has_head:
            from apophenic.imagenet import class_names

            self.labels = class_names()
        self.aliases = {"shallow": "relu2_1", "mid": "relu3_1", "deep": "relu5_1", "content": "relu4_2",
                        **{f"features.{i}": name for i, name in enumerate(LAYER_NAMES)}}
        self._convs = {i: name for i, name in enumerate(LAYER_NAMES) if name.startswith("conv")}

    @property
    def has_head(self) -> bool:
        """Whether this perceiver gives ``fc6``, ``fc7`` and ``logits`` (loaded or loadable)."""
        return self.network.has_classifier or self.head_from is not None

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return imagenet_normalize(images)

    def layer_names(self) -> list[str]:
        names = list(LAYER_NAMES)
        return [*names, *_HEAD] if self.has_head else names

    def layer_modules(self) -> dict[str, nn.Module]:
        layers = dict(self.network.named_layers())
        if self.network.has_classifier:
            layers["fc6"] = self.network.classifier[1]
            layers["fc7"] = self.network.classifier[4]
        return layers

    def perceive(self, images: torch.Tensor, layers: Collection[str]) -> dict[str, torch.Tensor]:
        exact = {self.resolve_layer(name) for name in layers}
        if exact & set(_HEAD) and not self.network.has_classifier:
            self._load_head()
        # ReLUs work in place (half the large buffers per forward) except right after a tapped
        # conv, whose pre-ReLU output the caller must get unchanged.
        for i, name in self._convs.items():
            self.network.features[i + 1].inplace = name not in exact
        try:
            return super().perceive(images, layers)
        finally:
            for i in self._convs:
                self.network.features[i + 1].inplace = False

    def _load_head(self) -> None:
        device = next(self.network.parameters()).device
        full = _vgg19_from(self.head_from, classifier=True, pool="max")
        self.network.avgpool = full.avgpool
        self.network.classifier = full.classifier.to(device).eval().requires_grad_(False)
        self.network.has_classifier = True


class VGG19Config(PerceiverConfig):
    """VGG-19 ImageNet classifier from a torchvision vgg19-*.pth state dict you already have."""

    type: Literal["vgg19"] = "vgg19"
    weights: str | None = Field(
        None, description="Path to a torchvision vgg19 state dict; default: vgg19-*.pth in torch's cache (~/.cache/torch/hub/checkpoints)."
    )
    resize: int | Literal["native", "none"] = Field(
        "native", description="Side images are resized to before the network: 'native' (224), 'none' (as rendered) or pixels."
    )
    pool: Literal["max", "avg"] = Field("max", description="Pooling between blocks: 'max' as trained, 'avg' for smoother style images.")

    def build(self, ctx) -> Perceiver:
        weights = ctx.resolve(self.weights) if self.weights else None
        size = resize_side(self.resize, 224)
        path = find_checkpoint("vgg19", weights, "VGG-19")
        # Features only: the head is read from the same file if an objective or a score asks for logits.
        p = VGG19Perceiver(_vgg19_from(path, classifier=False, pool=self.pool), size, head_from=path).to(ctx.device)
        p.name = self.label
        return p
