"""Every loader that takes a weights, checkpoint or array path: a malicious pickle never runs, a
non-weights file is one line, and a weights-only checkpoint with wrong types or absurd sizes is
refused before anything is allocated."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from contract import assert_handled
from hostile_files import sentiment_checkpoint, small_png

from apophenic.plugins.sentiment.steering import default_model

SHIPPED_MODEL = default_model()


def _loaders(path: Path, tmp: Path) -> dict[str, list[str]]:
    """Every CLI entry that hands ``path`` to a deserializer, by name."""
    content = tmp / "content.png"
    out = str(tmp / "out")
    return {
        "sentiment-generate-model": ["sentiment", "generate", "--model", str(path), "-n", "4"],
        "sentiment-card-model": ["sentiment", "card", "--model", str(path), "--out", str(tmp / "card.png")],
        "sentiment-export-model": ["sentiment", "export", str(path), "--out", str(tmp / "small.pt")],
        "sentiment-classify-classifier": ["sentiment", "classify", "great film", "--classifier", str(path)],
        "style-transfer-vgg-weights": ["style", "transfer", str(content), str(content), "--perceiver", "vgg19", "--weights", str(path),
                                       "--steps", "1", "--out", out, "-q"],
        "run-vgg-weights": ["run", "imagenet-class", "--set", "perceivers[0]={type = \"vgg19\", weights = \"%s\"}" % path,
                            "--steps", "1", "--out", out, "-q"],
        "run-resnet-weights": ["run", "imagenet-class", "--set", "perceivers[0]={type = \"resnet50\", weights = \"%s\"}" % path,
                               "--steps", "1", "--out", out, "-q"],
        "run-embedding-vector": ["run", "imagenet-class", "--set", "objectives[0]={type = \"embedding\", vector = \"%s\"}" % path,
                                 "--steps", "1", "--out", out, "-q"],
        # loaders of other formats: a pickle must be refused as "not that format", never loaded
        "sentiment-generate-unit-file": ["sentiment", "generate", "--unit-file", str(path), "-n", "4"],
        "sentiment-export-steering-file": ["sentiment", "export", str(SHIPPED_MODEL), "--steering-file", str(path), "--out", str(tmp / "s.pt")],
        "sentiment-export-discriminator": ["sentiment", "export", str(SHIPPED_MODEL), "--discriminator", str(path), "--out", str(tmp / "d.pt")],
        "run-preset-file": ["run", str(path), "--steps", "1", "--out", out, "-q"],
        "run-from-picture": ["run", "--from", str(path), "--out", out, "-q"],
        "dream-photo": ["dream", str(path), "--steps", "1", "--out", out, "-q"],
        "style-transfer-content": ["style", "transfer", str(path), str(content), "--steps", "1", "--out", out, "-q"],
        "analogy-scene-svg": ["analogy", "scene", str(path), str(path), str(path), "--out", str(tmp / "d.svg")],
        "analogy-train-corpus": ["analogy", "train", str(path), "--out", str(tmp / "v.bin")],
    }


LOADERS = list(_loaders(Path("x"), Path("t")))


@pytest.fixture(autouse=True)
def content_image(tmp_path: Path) -> Path:
    return small_png(tmp_path / "content.png")


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("protocol", [2, 4])
def test_a_pickle_given_to_any_loader_never_runs(hostile, evil_pickle, tmp_path: Path, loader, protocol):
    inputs = tmp_path / "in"
    inputs.mkdir()
    suffix = {"sentiment-classify-classifier": ".npz", "run-embedding-vector": ".npy", "sentiment-generate-unit-file": ".json",
              "sentiment-export-steering-file": ".json", "run-preset-file": ".toml", "run-from-picture": ".png", "dream-photo": ".png",
              "style-transfer-content": ".png", "analogy-scene-svg": ".svg", "analogy-train-corpus": ".txt"}.get(loader, ".pt")
    evil = evil_pickle(inputs / f"evil{suffix}", protocol=protocol)
    argv = _loaders(evil, tmp_path)[loader]
    verdict = hostile(f"pickle-{loader}-p{protocol}", argv, watch=[inputs])
    assert_handled(verdict)
    assert "evil" in verdict.err, verdict.err  # refused by the loader itself, not by something before it


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
