"""Synthesize the demo sounds for audio style transfer (a tone melody; chirps with noise bursts).

    python benchmarks/style_audio_sounds.py /tmp/sounds && apophenic style audio /tmp/sounds/content.wav /tmp/sounds/style.wav

No ``--device``: this only writes two numpy-made WAV files (the transfer itself takes ``--device``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.io import wavfile

RATE = 16000


def melody(seconds: float = 2.0) -> np.ndarray:
    """Eight tones with soft onsets."""
    t = np.arange(int(RATE * seconds)) / RATE
    notes = [440, 494, 523, 587, 659, 587, 523, 494]
    seg = len(t) // len(notes)
    return np.concatenate([0.5 * np.sin(2 * np.pi * f * t[:seg]) * np.hanning(seg) ** 0.3 for f in notes])


def texture(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Repeating rising chirps with bursts of noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    phase = (t % 0.25) / 0.25
    chirp = 0.3 * np.sin(2 * np.pi * np.cumsum(300 + 2500 * phase) / RATE)
    bursts = (np.sin(2 * np.pi * 3 * t) > 0.8) * rng.standard_normal(len(t)) * 0.25
    x = chirp + bursts
    return x / np.abs(x).max() * 0.8


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, x in (("content", melody()), ("style", texture())):
        wavfile.write(folder / f"{name}.wav", RATE, (x * 32767).astype(np.int16))
        print(folder / f"{name}.wav")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "style-sounds"))
