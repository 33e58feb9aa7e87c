"""The feature-visualization anchor benchmark runs every side when torch-lucent is installed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "anchors" / "bench_featvis_anchors.py"


@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in ("lucent", "kornia", "decorator", "tqdm")),
                    reason="torch-lucent and its small imports are not installed (benchmarks/anchors/README.md)")
def test_two_rounds_of_every_side(tmp_path):
    out = tmp_path / "result.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "2", "--warmup", "1", "--json", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "skipped" not in done.stdout
    assert "apophenic / lucent:" in done.stdout and "apophenic / lucent-ournet:" in done.stdout
    result = json.loads(out.read_text())["time_224"]
    assert result["rounds"] == 2
    for side in ("apophenic", "lucent", "lucent-ournet"):
        assert result[side]["wall_s"]["median"] > 0
    # Three steps raise the goldfish logit from about 0.7 (the random start) to 3-5 on every side: each did the work.
    assert all(v > 2.0 for v in result["goldfish_logit"].values()), result["goldfish_logit"]
