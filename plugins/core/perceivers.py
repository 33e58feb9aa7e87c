"""Built-in perceivers: EfficientNet-Lite with real ImageNet weights, and a random-weight shallow CNN."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from apophenic.imagenet import class_names
from apophenic.perceiver import Perceiver, PerceiverConfig, resize_side
from apophenic.plugins.core.efficientnet import VARIANTS, fold_batch_norms, load_network


class EfficientNetPerceiver(Perceiver):
    """EfficientNet-Lite: layers ``stem``, ``blocks.0``..``blocks.N``, ``head``, ``pool``, ``logits``."""

    def __init__(self, variant: str, resize_to: int | None) -> None:
        # Batch norms folded into their convolutions: same features, less work per forward and backward.
        super().__init__(fold_batch_norms(load_network(variant)), input_size=VARIANTS[variant].input_size, resize_to=resize_to)
        # Channels-last: the depthwise convolutions run ~1.4x faster on the CPU (benchmarks/bench_levers.py).
        self.network.to(memory_format=torch.channels_last)
        self.name = f"efficientnet-{variant}"
        self.labels = class_names()
        # Aliases sit at stage ends (where the channel count changes), chosen by DeepDream's look:
        # shallow = end of the stride-4 stage (edges, fine texture), mid = end of the 80-channel
        # stride-16 stage (eyes, fur), deep = end of the 112-channel stage (faces and animals emerge;
        # the stride-32 stages after it give noisier dreams).
        widths = [b._bn2.num_features for b in self.network.blocks]
        ends = [i for i in range(len(widths)) if i + 1 == len(widths) or widths[i + 1] != widths[i]]
        self.aliases = {"shallow": f"blocks.{ends[1]}", "mid": f"blocks.{ends[3]}", "deep": f"blocks.{ends[4]}",
                        "embedding": "pool"}

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return ((images * 255.0 - 127.0) / 128.0).contiguous(memory_format=torch.channels_last)

    def perceive(self, images: torch.Tensor, layers: Collection[str]) -> dict[str, torch.Tensor]:
        # Features in the ordinary layout, so objectives may view and reshape them as always.
        return {k: v.contiguous() for k, v in super().perceive(images, layers).items()}

    def layer_modules(self) -> dict[str, nn.Module]:
        layers: dict[str, nn.Module] = {"stem": self.network.stem}
        for i, block in enumerate(self.network.blocks):
            layers[f"blocks.{i}"] = block
        layers["head"] = self.network.head
        layers["pool"] = self.network.pool
        return layers


def _efficientnet_config(variant: str) -> type[PerceiverConfig]:
    tag = f"efficientnet-{variant}"
    native = VARIANTS[variant].input_size

    class Config(PerceiverConfig):
        type: Literal[tag] = tag  # type: ignore[valid-type]
        resize: int | Literal["native", "none"] = Field(
            "native",
            description=f"Side images are resized to before the network: 'native' ({native}), 'none' (as rendered) or pixels.",
        )

        def build(self, ctx) -> Perceiver:
            size = resize_side(self.resize, native)
            p = EfficientNetPerceiver(variant, size).to(ctx.device)
            p.name = self.label
            return p

    Config.__name__ = Config.__qualname__ = f"EfficientNet{variant.capitalize()}Config"
    Config.__doc__ = f"EfficientNet-{variant.capitalize()} with its real ImageNet weights (native input {native}²)."
    return Config


EfficientNetLite0Config = _efficientnet_config("lite0")
EfficientNetLite1Config = _efficientnet_config("lite1")
EfficientNetLite2Config = _efficientnet_config("lite2")


class RandomShallowCNN(nn.Module):
    """One layer of random convolutions at several kernel sizes (Ustyuzhaninov et al. 2016)."""

    def __init__(self, kernels: list[int], channels: int, seed: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        for k in kernels:
            conv = nn.Conv2d(3, channels, k, padding=k // 2, padding_mode="reflect")
            # He-style scale keeps activations of different kernel sizes comparable.
            conv.weight.data = torch.randn(conv.weight.shape, generator=g) * (2.0 / (3 * k * k)) ** 0.5
            conv.bias.data.zero_()
            self.add_module(f"conv{k}", nn.Sequential(conv, nn.ReLU()))
        self.kernels = kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [getattr(self, f"conv{k}")(x) for k in self.kernels]
        return torch.cat([f.mean(dim=(2, 3)) for f in feats], dim=1)


class RandomCNNPerceiver(Perceiver):
    """Random-weight shallow multi-scale CNN: layers ``conv3``, ``conv5``..., no training needed."""

    def __init__(self, kernels: list[int], channels: int, seed: int) -> None:
        super().__init__(RandomShallowCNN(kernels, channels, seed))
        self.name = "random-cnn"
        self.aliases = {"shallow": f"conv{kernels[0]}", "mid": f"conv{kernels[len(kernels) // 2]}", "deep": f"conv{kernels[-1]}"}

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return images - 0.5


class RandomCNNConfig(PerceiverConfig):
    """A random-weight shallow multi-scale CNN, seeded: perception without any training."""

    type: Literal["random-cnn"] = "random-cnn"
    kernels: list[int] = Field([3, 5, 7, 11, 15, 23], min_length=1, description="Kernel sizes, one layer each.")
    channels: int = Field(128, ge=1, le=4096, description="Filters per kernel size.")
    seed: int = Field(0, ge=0, description="Seed of the random weights (independent of the run seed).")

    def build(self, ctx) -> Perceiver:
        for k in self.kernels:
            if k < 1 or k % 2 == 0 or k > 63:
                from apophenic.errors import ConfigError

                raise ConfigError(ctx.source, "perceivers.kernels", f"kernel sizes must be odd and 1..63 (got {k})")
        p = RandomCNNPerceiver(self.kernels, self.channels, self.seed).to(ctx.device)
        p.name = self.label
        return p
