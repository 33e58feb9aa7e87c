"""Builders of hostile input files, shared by the file tests and the generators (fuzz tests)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width × height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def png_with_recipe(path: Path, text: str, size: int = 16) -> Path:
    """A small valid PNG carrying ``text`` as its apophenic recipe (compressed text chunk)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("apophenic:recipe", text, zip=True)
    Image.new("RGB", (size, size), (120, 30, 200)).save(path, pnginfo=info)
    return path


def small_png(path: Path, size: int = 32) -> Path:
    """A plain readable image."""
    from PIL import Image

    Image.new("RGB", (size, size), (10, 200, 90)).save(path)
    return path


def wav(path: Path, rate: int = 8000, samples: int = 4000, channels: int = 1, cut: int | None = None) -> Path:
    """A 16-bit PCM WAV; ``cut`` keeps only its first ``cut`` bytes."""
    data = b"\x00\x10" * samples * channels
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    raw = b"RIFF" + struct.pack("<I", len(body)) + body
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
