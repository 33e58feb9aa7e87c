"""Small writers of hostile files shared by the test_files_* and test_fuzz_* modules."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width × height`` pixels (PIL checks the header on open)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return path


def png_with_text(path: Path, text: str, key: str = "apophenic:recipe", compressed: bool = True) -> Path:
    """A real 16×16 PNG carrying ``text`` in a text chunk (zTXt when ``compressed``: large recipes stay small)."""
    info = PngInfo()
    info.add_text(key, text, zip=compressed)
    Image.new("RGB", (16, 16), (200, 120, 40)).save(path, pnginfo=info)
    return path


def recipe_png(path: Path, config: dict, **extra) -> Path:
    """A PNG carrying an apophenic recipe around ``config``."""
    return png_with_text(path, json.dumps({"config": config, **extra}))


def wav_bytes(rate: int = 8000, samples: bytes = b"\x00\x00" * 64, channels: int = 1, bits: int = 16) -> bytes:
    """A PCM WAV file's bytes with whatever header values a test wants."""
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


class Payload:
    """An object whose unpickling writes ``canary`` (what a malicious file would do)."""

    def __init__(self, canary: Path) -> None:
        self.canary = canary

    def __reduce__(self):
        return (Path.write_text, (self.canary, "pwned"))


def torch_pickle(path: Path, canary: Path) -> Path:
    """A ``torch.save`` file (zip container, ``data.pkl`` inside) whose unpickling writes ``canary``."""
    import torch

    torch.save({"state_dict": Payload(canary)}, path)
    return path


def numpy_pickle(path: Path, canary: Path) -> Path:
    """A ``.npy`` (or ``.npz``) whose object array unpickles into writing ``canary``."""
    import numpy as np

    evil = np.array([Payload(canary)], dtype=object)
    if path.suffix == ".npz":
        np.savez(path, vocabulary=evil, idf=evil, weights=evil, bias=evil, meta=evil, lite0=evil)
    else:
        np.save(path, evil, allow_pickle=True)
    return path


def small_png(path: Path, size: int = 32) -> Path:
    """A plain readable image."""
    from PIL import Image

    Image.new("RGB", (size, size), (10, 200, 90)).save(path)
    return path


def wav(path: Path, rate: int = 8000, samples: int = 4000, channels: int = 1, cut: int | None = None) -> Path:
    """A 16-bit PCM WAV file; ``cut`` keeps only its first ``cut`` bytes."""
    raw = wav_bytes(rate, b"\x00\x10" * samples * channels, channels)
    path.write_bytes(raw if cut is None else raw[:cut])
    return path


def svg(path: Path, body: str, view: str = "0 0 100 100") -> Path:
    """An SVG document with ``body`` inside its root."""
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view}">{body}</svg>')
    return path


def sentiment_checkpoint(path: Path, **replace) -> Path:
    """A weights-only sentiment checkpoint (tiny model) with some payload keys replaced."""
    import torch

    from apophenic.plugins.sentiment.checkpoint import FORMAT, VERSION
    from apophenic.plugins.sentiment.model import ByteLM, ModelSpec

    spec = ModelSpec("lstm", 8, 1, 4)
    payload = {"format": FORMAT, "version": VERSION, "spec": spec.to_dict(), "state_dict": ByteLM(spec).state_dict(), "meta": {}}
    payload.update(replace)
    torch.save(payload, path)
    return path
