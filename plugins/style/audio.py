"""Audio style transfer on spectrograms (Ulyanov & Lebedev 2016).

The log-magnitude spectrogram is treated as a 1-D signal over time whose channels are
frequency bins; one random-weight 1-D convolution layer (no training, as in the
original) gives features; the content term keeps the content's features, the style term
matches the style's Gram matrix; the optimized spectrogram is turned back into sound with
Griffin-Lim phase reconstruction. WAV in, WAV out.
"""

from __future__ import annotations

import math
import os
import struct
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.style.gram import gram, relative_distance
from pydantic import BaseModel, ConfigDict, Field
from torch import nn


class AudioStyleConfig(BaseModel):
    """Settings of ``apophenic style audio`` (the ``style-audio`` preset)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field("", description="One line about this preset.")
    seed: int = Field(0, ge=0, lt=2**32, description="Seed of the random network, the noise start and Griffin-Lim's initial phase.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where to compute.")
    n_fft: int = Field(1024, ge=64, le=16384, description="FFT size of the STFT (frequency bins = n_fft/2 + 1).")
    hop: int = Field(256, ge=16, le=8192, description="Hop between STFT frames in samples.")
    filters: int = Field(1024, ge=8, le=8192, description="Random 1-D convolution filters (Ulyanov & Lebedev used 4096).")
    kernel: int = Field(11, ge=1, le=255, description="Width of the 1-D convolution in frames.")
    network_seed: int = Field(0, ge=0, description="Seed of the random weights (independent of `seed`).")
    content_weight: float = Field(3.0, ge=0, description="Weight of the content term (relative feature distance).")
    style_weight: float = Field(10.0, ge=0, description="Weight of the style term (relative Gram distance).")
    start: Literal["content", "noise"] = Field("content", description="Start from the content spectrogram or from noise.")
    optimizer: Literal["adam", "lbfgs"] = Field("adam", description="How the spectrogram is optimized (Adam moves further than L-BFGS here: the clamp to non-negative magnitudes breaks L-BFGS's curvature history).")
    lr: float = Field(0.1, gt=0, le=100, description="Learning rate (Adam) or step size (L-BFGS).")
    steps: int = Field(100, ge=0, le=100_000, description="Optimization steps.")
    griffin_lim: int = Field(100, ge=1, le=10_000, description="Griffin-Lim iterations for the phase.")
    max_seconds: float = Field(30.0, gt=0, le=600, description="Longest input accepted, in seconds (longer is an error, not a silent cut).")


# -- WAV files -------------------------------------------------------------------------

MAX_SAMPLE_RATE = 768_000
"""Highest sample rate read (the fastest studio converters); 0 or a garbage rate is refused."""


def read_wav(path: Path) -> tuple[int, np.ndarray]:
    """Sample rate and mono float32 samples in ``[-1, 1]``; bad files are one-line errors."""
    from scipy.io import wavfile

    path = Path(path)
    if not path.is_file():
        raise ApophenicError(f"{path}: no such audio file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns about unknown chunks; the data is still read
            rate, data = wavfile.read(path)
    except (ValueError, OSError, EOFError, struct.error, ZeroDivisionError, MemoryError) as exc:
        # scipy's reader trusts the header: struct.error for one cut short, ZeroDivisionError for
        # zero channels or bits, MemoryError for one claiming more samples than exist
        raise ApophenicError(f"{path}: not a readable WAV file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if not 1 <= int(rate) <= MAX_SAMPLE_RATE:
        raise ApophenicError(f"{path}: the WAV header gives sample rate {rate}; expected 1 to {MAX_SAMPLE_RATE} Hz")
    data = np.asarray(data)
    if data.size == 0 or data.shape[0] == 0:
        raise ApophenicError(f"{path}: the WAV file has no samples")
    if data.dtype.kind == "i":
        data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    elif data.dtype == np.uint8:
        data = (data.astype(np.float32) - 128.0) / 128.0
    else:
        data = data.astype(np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if not np.isfinite(data).all():
        raise ApophenicError(f"{path}: the WAV file holds NaN or infinite samples")
    return int(rate), data


def write_wav(path: Path, rate: int, samples: np.ndarray) -> Path:
    """16-bit PCM WAV written to a temporary name, then renamed into place."""
    from scipy.io import wavfile

    peak = float(np.abs(samples).max()) if samples.size else 0.0
    scaled = samples / peak * 0.9 if peak > 0.9 else samples  # normalize only if it would clip
    pcm = np.clip(np.round(scaled * 32767), -32768, 32767).astype(np.int16)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        wavfile.write(f, rate, pcm)
    os.replace(tmp, path)
    return path


# -- spectrograms and phase ------------------------------------------------------------

def _window(n_fft: int, device) -> torch.Tensor:
    return torch.hann_window(n_fft, device=device)


def log_spectrogram(samples: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """``F×T`` log(1 + |STFT|) of a 1-D signal."""
    spec = torch.stft(samples, n_fft, hop, window=_window(n_fft, samples.device), return_complex=True, center=True)
    return torch.log1p(spec.abs())


def griffin_lim(magnitude: torch.Tensor, n_fft: int, hop: int, iterations: int, length: int, rng: torch.Generator) -> torch.Tensor:
    """A signal whose STFT magnitude is close to ``magnitude`` (``F×T``), by fast Griffin-Lim (momentum 0.99)."""
    window = _window(n_fft, magnitude.device)
    phase = torch.rand(magnitude.shape, generator=rng).to(magnitude.device) * 2 * math.pi
    angles = torch.polar(torch.ones_like(magnitude), phase)
    previous = torch.zeros_like(angles)
    for _ in range(iterations):
        signal = torch.istft(magnitude * angles, n_fft, hop, window=window, length=length, center=True)
        rebuilt = torch.stft(signal, n_fft, hop, window=window, return_complex=True, center=True)
        accelerated = rebuilt - 0.99 / (1 + 0.99) * previous  # Perraudin et al. 2013
        previous = rebuilt
        angles = accelerated / accelerated.abs().clamp_min(1e-8)
    return torch.istft(magnitude * angles, n_fft, hop, window=window, length=length, center=True)


# -- the random network ------------------------------------------------------------------

def random_network(bins: int, filters: int, kernel: int, seed: int) -> nn.Module:
    """One 1-D convolution over time (frequency bins as channels) + ReLU, seeded random weights."""
    g = torch.Generator().manual_seed(seed)
    conv = nn.Conv1d(bins, filters, kernel, padding=kernel // 2, bias=False)
    conv.weight.data = torch.randn(conv.weight.shape, generator=g) * math.sqrt(2.0 / (bins * kernel))
    net = nn.Sequential(conv, nn.ReLU())
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


@dataclass
class AudioResult:
    """What a transfer produced: the samples, the three spectrograms and the loss trace."""

    rate: int
    samples: np.ndarray
    content: torch.Tensor
    style: torch.Tensor
    result: torch.Tensor
    losses: dict[str, float]
    seconds: float


def transfer(content: np.ndarray, style: np.ndarray, rate: int, config: AudioStyleConfig, device: torch.device) -> AudioResult:
    """Style transfer of ``style``'s texture onto ``content`` (both mono float arrays at ``rate``)."""
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = torch.Generator().manual_seed(config.seed)
    c_spec = log_spectrogram(torch.from_numpy(content).to(device), config.n_fft, config.hop)
    s_spec = log_spectrogram(torch.from_numpy(style).to(device), config.n_fft, config.hop)
    net = random_network(c_spec.shape[0], config.filters, config.kernel, config.network_seed).to(device)
    with torch.no_grad():
        c_feat = net(c_spec[None])
        s_gram = gram(net(s_spec[None]))
    if config.start == "content":
        start = c_spec.clone()
    else:
        start = torch.rand(c_spec.shape, generator=rng).to(device) * c_spec.mean() * 2
    x = nn.Parameter(start[None].contiguous())

    def losses() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        feats = net(x)
        content_loss = relative_distance(feats, c_feat)
        style_loss = relative_distance(gram(feats), s_gram)
        return config.content_weight * content_loss + config.style_weight * style_loss, content_loss, style_loss

    with torch.no_grad():
        _, c0, s0 = losses()
    if config.optimizer == "lbfgs":
        optim: torch.optim.Optimizer = torch.optim.LBFGS([x], lr=config.lr, max_iter=1, history_size=20)
    else:
        optim = torch.optim.Adam([x], lr=config.lr)
    for step in range(config.steps):
        def closure() -> torch.Tensor:
            optim.zero_grad(set_to_none=True)
            total, _, _ = losses()
            total.backward()
            return total

        optim.step(closure)
        with torch.no_grad():
            x.clamp_(min=0)  # a log(1 + magnitude) is never negative
        if not torch.isfinite(x).all():
            raise ApophenicError(f"step {step + 1}: the spectrogram became NaN or infinite; lower lr or a weight")
    with torch.no_grad():
        total, c1, s1 = losses()
        magnitude = torch.expm1(x.detach()[0]).clamp_min(0)
        signal = griffin_lim(magnitude, config.n_fft, config.hop, config.griffin_lim, len(content), rng)
    return AudioResult(
        rate, signal.cpu().numpy().astype(np.float32), c_spec.cpu(), s_spec.cpu(), x.detach()[0].cpu(),
        {"content_start": float(c0), "style_start": float(s0), "content_end": float(c1), "style_end": float(s1)},
        time.perf_counter() - started,
    )


# -- pictures -------------------------------------------------------------------------------

# Anchors of a dark-to-bright perceptual colour ramp (close to matplotlib's "magma").
_RAMP = np.array([[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109], [252, 253, 191]], dtype=np.float32)


def spectrogram_png(spec: torch.Tensor, path: Path, vmax: float | None = None) -> Path:
    """Save an ``F×T`` log spectrogram as a PNG, low frequencies at the bottom."""
    from PIL import Image

    values = spec.numpy()[::-1]
    top = vmax if vmax is not None else float(values.max()) or 1.0
    t = np.clip(values / top, 0, 1) * (len(_RAMP) - 1)
    lo = np.floor(t).astype(int).clip(0, len(_RAMP) - 2)
    frac = (t - lo)[..., None]
    rgb = _RAMP[lo] * (1 - frac) + _RAMP[lo + 1] * frac
    image = Image.fromarray(rgb.astype(np.uint8))
    # Readable at a glance: at most 256 rows, at least 384 columns (frames repeated).
    width = max(image.width, 384)
    image = image.resize((width, min(image.height, 256)), Image.NEAREST if width > values.shape[1] else Image.BILINEAR)
    image.save(path)
    return path
