"""Gram matrices and the relative distances the style and content objectives use."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable


def _as_maps(features: torch.Tensor) -> torch.Tensor:
    """``B×C×H×W`` maps, also for ``B×C×T`` (1-D) and ``B×C`` (pooled) features."""
    if features.dim() == 2:
        return features[:, :, None, None]
    if features.dim() == 3:
        return features[:, :, None, :]
    return features


def gram(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``B×C×C`` Gram matrices of channel correlations, averaged over (masked) positions.

    :param mask: ``1×1×h×w`` weights in ``[0, 1]``, resized to the feature map; positions
        with weight 0 do not count, and the average is over the mask's area so a small
        region is held to the same statistics as a whole image.
    """
    maps = _as_maps(features)
    b, c, h, w = maps.shape
    if mask is not None:
        m = F.interpolate(mask.to(maps), size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
        maps = maps * m.sqrt()  # sqrt: the product of two masked maps carries the mask once
        area = m.sum().clamp_min(1e-6)
    else:
        area = torch.tensor(float(h * w), device=maps.device)
    flat = maps.reshape(b, c, h * w)
    return _SelfProduct.apply(flat) / (area * c)


class _SelfProduct(torch.autograd.Function):
    """``X Xᵀ`` whose backward is one product, ``(G + Gᵀ) X``.

    Autograd's own backward of ``X @ X.T`` makes two products (one per operand) and adds
    them: a full feature map's worth of extra work and memory at every style layer.
    """

    @staticmethod
    def forward(ctx, flat: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(flat)
        return flat @ flat.transpose(1, 2)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (flat,) = ctx.saved_tensors
        return (grad + grad.transpose(1, 2)) @ flat


def relative_distance(value: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``‖value − target‖² / ‖target‖²`` averaged over the batch: 0 is a match, 1 is as far as zeros.

    Relative, so weights mean the same on every perceiver and layer whatever its scale.
    """
    target = target.expand_as(value)
    dims = tuple(range(1, value.dim()))
    num = (value - target).pow(2).sum(dims)
    den = target.pow(2).sum(dims).clamp_min(1e-12)
    return (num / den).mean()
