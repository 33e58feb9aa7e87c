"""ResNet-50 in torchvision's format (``conv1``, ``layer1``..``layer4``, ``fc``), for users who have its weights.

Defined here so torchvision is not needed; weights come from a torchvision
``resnet50-*.pth`` state dict (v1.5: stride on the 3×3 convolution).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import torch
from pydantic import Field
from torch import nn

from apophenic.perceiver import Perceiver, PerceiverConfig, resize_side
from apophenic.plugins.core.torchvision_format import fill_model, find_checkpoint, imagenet_normalize, load_state_dict

STAGES = (3, 4, 6, 3)
"""Bottleneck blocks per stage of ResNet-50."""


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (carrying the stride), 1×1 expand ×4, plus the shortcut."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + identity)


class ResNet50(nn.Module):
    """ResNet-50 whose state-dict keys match torchvision's ``resnet50`` exactly."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        inplanes = 64
        for i, (blocks, planes) in enumerate(zip(STAGES, (64, 128, 256, 512)), start=1):
            stride = 1 if i == 1 else 2
            layers = []
            for b in range(blocks):
                layers.append(Bottleneck(inplanes, planes, stride if b == 0 else 1))
                inplanes = planes * Bottleneck.expansion
            setattr(self, f"layer{i}", nn.Sequential(*layers))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def load_resnet50(weights: str | Path | None = None) -> ResNet50:
    """A ResNet-50 with torchvision weights from ``weights`` or ``~/.cache/torch/hub/checkpoints/resnet50-*.pth``."""
    path = find_checkpoint("resnet50", weights, "ResNet-50")
    state = load_state_dict(path, "ResNet-50")
    return fill_model(ResNet50, state, path, "ResNet-50", "resnet50")


class ResNet50Perceiver(Perceiver):
    """ResNet-50: layers ``stem``, ``layer1.0`` ... ``layer4.2``, ``layer1`` ... ``layer4``, ``pool``, ``logits``."""

    def __init__(self, network: ResNet50, resize_to: int | None) -> None:
        super().__init__(network, input_size=224, resize_to=resize_to)
        from apophenic.imagenet import class_names

        self.name = "resnet50"
        self.labels = class_names()
        self.aliases = {"shallow": "layer1", "mid": "layer3", "deep": "layer4", "embedding": "pool"}

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return imagenet_normalize(images)

    def layer_modules(self) -> dict[str, nn.Module]:
        net = self.network
        layers: dict[str, nn.Module] = {"stem": net.maxpool}
        for i in range(1, 5):
            stage = getattr(net, f"layer{i}")
            for b, block in enumerate(stage):
                layers[f"layer{i}.{b}"] = block
            layers[f"layer{i}"] = stage
        layers["pool"] = net.avgpool
        return layers


class ResNet50Config(PerceiverConfig):
    """ResNet-50 ImageNet classifier from a torchvision resnet50-*.pth state dict you already have."""

    type: Literal["resnet50"] = "resnet50"
    weights: str | None = Field(
        None, description="Path to a torchvision resnet50 state dict; default: resnet50-*.pth in torch's cache (~/.cache/torch/hub/checkpoints)."
    )
    resize: Annotated[int, Field(ge=8, le=4096)] | Literal["native", "none"] = Field(
        "native", description="Side images are resized to before the network: 'native' (224), 'none' (as rendered) or pixels."
    )

    def build(self, ctx) -> Perceiver:
        weights = ctx.resolve(self.weights) if self.weights else None
        size = resize_side(self.resize, 224)
        p = ResNet50Perceiver(load_resnet50(weights), size).to(ctx.device)
        p.name = self.label
        return p
