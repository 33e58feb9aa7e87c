"""Colour spaces for colour preservation (Gatys et al. 2017, "Preserving color in neural artistic style transfer").

Luminance-only transfer works in YIQ: the networks see luminance, the output keeps
the content photo's chroma (I, Q).
"""

from __future__ import annotations

import torch

_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def rgb_to_yiq(images: torch.Tensor) -> torch.Tensor:
    """``B×3×H×W`` RGB to YIQ (Y in ``[0, 1]``)."""
    return torch.einsum("bchw,dc->bdhw", images, _RGB_TO_YIQ.to(images))


def yiq_to_rgb(images: torch.Tensor) -> torch.Tensor:
    """``B×3×H×W`` YIQ back to RGB (not clamped)."""
    return torch.einsum("bchw,dc->bdhw", images, _YIQ_TO_RGB.to(images))


def luminance(images: torch.Tensor) -> torch.Tensor:
    """Grey RGB images (luminance copied into three channels), what luminance-only transfer perceives."""
    y = torch.einsum("bchw,c->bhw", images, _RGB_TO_YIQ[0].to(images))[:, None]
    return y.expand(-1, 3, -1, -1)


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Grey ``style`` with its luminance mean and deviation shifted to ``content``'s (Gatys et al. 2017, eq. 1)."""
    ys, yc = luminance(style)[:, :1], luminance(content)[:, :1]
    matched = (ys - ys.mean()) * (yc.std() / ys.std().clamp_min(1e-6)) + yc.mean()
    return matched.clamp(0, 1).expand(-1, 3, -1, -1)


def match_colors(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """``style`` recoloured so its RGB mean and covariance equal ``content``'s (colour histogram matching, Gatys 2017 §2.1)."""

    def stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = x[0].reshape(3, -1).double()
        mean = flat.mean(1, keepdim=True)
        centred = flat - mean
        return mean, centred @ centred.T / flat.shape[1] + 1e-5 * torch.eye(3, dtype=torch.float64)

    def sqrt_psd(m: torch.Tensor, inverse: bool = False) -> torch.Tensor:
        vals, vecs = torch.linalg.eigh(m)
        vals = vals.clamp_min(1e-8) ** (-0.5 if inverse else 0.5)
        return vecs @ torch.diag(vals) @ vecs.T

    ms, cs = stats(style)
    mc, cc = stats(content)
    transform = sqrt_psd(cc) @ sqrt_psd(cs, inverse=True)
    flat = style[0].reshape(3, -1).double()
    out = transform @ (flat - ms) + mc
    return out.reshape_as(style[0])[None].to(style.dtype).clamp(0, 1)
