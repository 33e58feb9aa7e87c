"""Tiny real presets and one real rendered batch shared by the batch tests."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

# Two real ImageNet classifiers at 32 px without resizing, 2 Adam steps: a run takes
# about a second, and its run.json has real per-perceiver scores with one held out.
TINY_PRESET = """\
description = "tiny test preset"
seed = 0
size = 32
device = "cpu"

[generator]
type = "pixels"

[[perceivers]]
type = "efficientnet-lite0"
resize = "none"

[[perceivers]]
type = "efficientnet-lite1"
resize = "none"
held_out = true

[[objectives]]
type = "class"
target = "goldfish"

[optimizer]
type = "adam"
steps = 2
"""

# A grid of 2 targets × 2 seeds, one cell whose override fails validation (before any
# worker sees it) and one that validates but fails when the worker builds it.
TINY_MANIFEST = """\
description = "tiny test batch"

[[grid]]
presets = ["tiny.toml"]
targets = ["goldfish", "tick"]
seeds = [0, 1]

[[runs]]
preset = "tiny.toml"
set = ["size=huge"]

[[runs]]
preset = "tiny.toml"
set = ['perceivers[0]={type = "random-cnn", kernels = [4]}']
"""


def write_tiny(folder: Path, manifest: str = TINY_MANIFEST, preset: str = TINY_PRESET) -> Path:
    """Write tiny.toml and manifest.toml into ``folder``; return the manifest's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.toml").write_text(preset)
    path = folder / "manifest.toml"
    path.write_text(manifest)
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A fresh tiny manifest (and its preset) in tmp_path."""
    return write_tiny(tmp_path)


@dataclass
class Rendered:
    manifest: Path
    out: Path
    report: object


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Rendered:
    """The tiny manifest rendered once by a real 2-worker local pool (4 runs done, 2 failed)."""
    from apophenic.batch import run_batch

    folder = tmp_path_factory.mktemp("rendered")
    manifest = write_tiny(folder)
    out = folder / "out"
    report = run_batch(manifest, out, workers=2, progress=False)
    return Rendered(manifest, out, report)
