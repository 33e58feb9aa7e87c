"""Fixtures for the style plugin's tests: tiny real networks, small images, a fast preset."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

DATA = Path(__file__).resolve().parents[3] / "plugins" / "style" / "data"


@pytest.fixture
def content_png(tmp_path: Path) -> Path:
    path = tmp_path / "content.png"
    Image.open(DATA / "chelsea.png").convert("RGB").resize((72, 48)).save(path)
    return path


@pytest.fixture
def style_png(tmp_path: Path) -> Path:
    path = tmp_path / "style.png"
    Image.open(DATA / "swirls.png").convert("RGB").resize((64, 64)).save(path)
    return path


@pytest.fixture
def second_style_png(tmp_path: Path) -> Path:
    path = tmp_path / "style2.png"
    Image.open(DATA / "bands.png").convert("RGB").resize((64, 64)).save(path)
    return path


def write_preset(folder: Path, content: Path, style: Path, size: int = 48, steps: int = 4, extra: str = "") -> Path:
    """A real, fast style preset: an 8-filter random CNN at two kernel sizes."""
    path = folder / "tiny-style.toml"
    path.write_text(f"""
description = "tiny style test preset"
seed = 1
size = {size}
device = "cpu"
[generator]
type = "style-image"
image = "{content.name}"
[[perceivers]]
type = "random-cnn"
kernels = [3, 5]
channels = 8
[[objectives]]
type = "content"
image = "{content.name}"
layers = ["conv3"]
[[objectives]]
type = "style"
image = "{style.name}"
layers = ["conv3", "conv5"]
weight = 5.0
{extra}
[optimizer]
type = "adam"
lr = 0.05
steps = {steps}
""")
    return path


@pytest.fixture
def tiny_style_preset(tmp_path: Path, content_png: Path, style_png: Path) -> Path:
    return write_preset(tmp_path, content_png, style_png)
