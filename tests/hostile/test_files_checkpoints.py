"""Weights files: a non-weights file is one line, and a weights-only checkpoint with wrong types or
absurd sizes is refused before anything is allocated (malicious pickles: test_files_pickles.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from contract import assert_handled
from files_support import sentiment_checkpoint, small_png


def test_a_full_torch_save_of_a_module_is_one_line(hostile, tmp_path: Path):
    # torch's own refusal of a non-weights file is a dozen lines about safe_globals
    path = tmp_path / "module.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    verdict = hostile("checkpoint-full-module", ["sentiment", "generate", "--model", str(path), "-n", "4"])
    assert_handled(verdict)
    assert "weights-only" in verdict.err


def test_a_full_torch_save_given_as_vgg_weights_is_one_line(hostile, tmp_path: Path):
    path = tmp_path / "vgg19-module.pth"
    torch.save(torch.nn.Linear(2, 2), path)
    content = small_png(tmp_path / "c.png")
    verdict = hostile("vgg-weights-full-module", ["style", "transfer", str(content), str(content), "--perceiver", "vgg19",
                                                  "--weights", str(path), "--steps", "1", "--out", str(tmp_path / "out"), "-q"])
    assert verdict.problems in ([], ["files_left"]), verdict.explain()
    assert "weights-only" in verdict.err


BAD_PAYLOADS = {
    "spec-list": {"spec": [1, 2]},
    "spec-string-sizes": {"spec": {"architecture": "lstm", "hidden": "512", "layers": 1, "embed": 4}},
    "spec-unknown-key": {"spec": {"architecture": "lstm", "hidden": 8, "layers": 1, "embed": 4, "evil": 1}},
    "spec-huge-hidden": {"spec": {"architecture": "lstm", "hidden": 10**9, "layers": 1, "embed": 4}},
    "spec-huge-layers": {"spec": {"architecture": "mlstm", "hidden": 4096, "layers": 10**6, "embed": 4}},
    "spec-bool-size": {"spec": {"architecture": "lstm", "hidden": True, "layers": 1, "embed": 4}},
    "spec-fits-size-but-not-weights": {"spec": {"architecture": "lstm", "hidden": 16_000, "layers": 16, "embed": 4_000}},
    "state-not-dict": {"state_dict": [torch.zeros(2)]},
    "state-values-not-tensors": {"state_dict": {"embed.weight": "x"}},
    "meta-not-dict": {"meta": [1, 2, 3]},
    "unit-not-dict": {"unit": 7},
}


@pytest.mark.parametrize("case", BAD_PAYLOADS)
def test_a_weights_only_checkpoint_with_wrong_types_or_sizes_is_one_line(hostile, tmp_path: Path, case):
    path = sentiment_checkpoint(tmp_path / "bad.pt", **BAD_PAYLOADS[case])
    verdict = hostile(f"checkpoint-{case}", ["sentiment", "generate", "--model", str(path), "-n", "4"], watch=[tmp_path])
    assert_handled(verdict)
    assert "bad.pt" in verdict.err
