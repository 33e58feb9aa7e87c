"""Shared fixtures: small real data, fast."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """scikit-image's bundled `chelsea` (a cat) saved as a PNG."""
    import skimage.data
    from PIL import Image

    path = tmp_path / "chelsea.png"
    Image.fromarray(skimage.data.chelsea()).save(path)
    return path


@pytest.fixture
def tiny_preset(tmp_path: Path) -> Path:
    """A fast real preset: a 48-pixel Fourier image that EfficientNet-Lite0 should see as a goldfish."""
    path = tmp_path / "tiny.toml"
    path.write_text(
        """
description = "tiny test preset"
seed = 3
size = 48
[generator]
type = "fourier"
[[perceivers]]
type = "efficientnet-lite0"
resize = 64
[[objectives]]
type = "class"
target = "goldfish"
[[transforms]]
type = "jitter"
pixels = 2
[optimizer]
type = "adam"
lr = 0.05
steps = 4
"""
    )
    return path


@pytest.fixture
def files_under():
    """``files_under(folder)``: every file below a folder (for 'nothing was written' checks)."""
    from apophenic_test_support import files_under

    return files_under


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
