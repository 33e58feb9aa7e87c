"""Every benchmark that runs a model takes ``--device``; a device that cannot be used is one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# script, the other arguments it requires
SCRIPTS = [
    ("bench_sentiment_cells.py", []),
    ("bench_sentiment_generate.py", []),
    ("sentiment_classifiers.py", []),
    ("sentiment_discriminator.py", ["--model", "missing.pt", "--out", "never-written.pt"]),
    ("sentiment_steering.py", ["--model", "missing.pt"]),
    ("bench_dream_step.py", []),
    ("bench_dream_trees.py", []),
    ("bench_levers.py", []),
    ("anchors/bench_style_anchors.py", []),
    ("anchors/bench_featvis_anchors.py", []),
    ("bench_abstraction.py", []),
    ("bench_analogy_images.py", []),
    ("bench_analogy_vectors.py", []),
    ("bench_drawing_presets.py", ["ink"]),
    ("bench_dream.py", []),
    ("bench_preview.py", []),
    ("bench_style.py", []),
    ("figure_panels.py", ["never-written.png", "label=missing-run"]),
    ("legibility_table.py", ["missing-run"]),
    ("interrupt_resume.py", []),
    ("bench_plugin_newcomer.py", []),
    ("batch_kill_test.py", []),
]


@pytest.mark.parametrize("script,extra", SCRIPTS, ids=[s for s, _ in SCRIPTS])
def test_a_bad_device_is_one_line_and_exit_2(script, extra, tmp_path):
    # (CUDA asked for on a machine without it takes the same path: paired.check_device, tested in test_paired.py.)
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--device", "nonsense", *extra],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "--device" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
