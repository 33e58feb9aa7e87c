"""Shared fixtures: small real data, fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

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


class CommandProcess:
    """A real ``apophenic`` process for signal tests: start it, wait until it is working, read its last line."""

    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "COLUMNS": "200"}

    @classmethod
    def start(cls, cwd: Path, *args: str) -> "subprocess.Popen":
        return subprocess.Popen([sys.executable, "-m", "apophenic.cli", *args], cwd=cwd, env=cls.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def wait(proc: "subprocess.Popen", ready, timeout: float = 180) -> None:
        """Poll ``ready()`` until it is true; fail if the process ends first or it takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            if ready():
                return
            time.sleep(0.05)
        raise AssertionError("the command never got going")

    @staticmethod
    def progress_step(folder: Path) -> int:
        """The step a run's live ``progress.json`` reports, or -1."""
        try:
            return json.loads((folder / "progress.json").read_text())["step"]
        except (OSError, ValueError, KeyError):
            return -1

    @staticmethod
    def last_line(err: str) -> str:
        return [line for line in err.splitlines() if line.strip()][-1]


@pytest.fixture
def command_process() -> type[CommandProcess]:
    """:class:`CommandProcess`: real CLI processes for Ctrl-C / SIGTERM tests."""
    return CommandProcess
