"""No file a user names is ever unpickled: a malicious pickle given to every loader that takes a
path is refused in one line, and its payload (writing the canary) never runs.

Three shapes of pickle: a raw one (``evil_pickle``), one inside ``torch.save``'s zip container,
and numpy object arrays (``.npy``/``.npz``), each given where that shape could be mistaken for
the real thing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contract import assert_handled
from files_support import numpy_pickle, png_with_text, torch_pickle, wav_bytes

from apophenic.plugins.sentiment.steering import default_model


def _run(*sets: str) -> list[str]:
    return ["run", "imagenet-class", "--steps", "1", "--set", "size=32", *(a for s in sets for a in ("--set", s))]


# Every command option or preset key that reads a file, with the argv that hands it ``evil``.
LOADERS = {
    "run-preset": lambda evil, tmp: ["run", str(evil), "--out", str(tmp / "out")],
    "run-from": lambda evil, tmp: ["run", "--from", str(evil), "--out", str(tmp / "out")],
    "run-set-toml": lambda evil, tmp: [*_run(f'generator={{type="image",path="{evil}"}}'), "--out", str(tmp / "out")],
    "vgg19-weights": lambda evil, tmp: [*_run(f'perceivers=[{{type="vgg19",weights="{evil}"}}]'), "--out", str(tmp / "out")],
    "resnet50-weights": lambda evil, tmp: [*_run(f'perceivers=[{{type="resnet50",weights="{evil}"}}]'), "--out", str(tmp / "out")],
    "embedding-vector": lambda evil, tmp: [*_run(f'objectives=[{{type="embedding",vector="{evil}"}}]'), "--out", str(tmp / "out")],
    "strokes-init-svg": lambda evil, tmp: ["run", "strokes-class", "--steps", "1", "--set", f'generator.init_svg="{evil}"', "--out", str(tmp / "out")],
    "dream-photo": lambda evil, tmp: ["dream", str(evil), "--steps", "1", "--out", str(tmp / "out")],
    "style-content": lambda evil, tmp: ["style", "transfer", str(evil), str(tmp / "ok.png"), "--out", str(tmp / "out")],
    "style-style": lambda evil, tmp: ["style", "transfer", str(tmp / "ok.png"), str(evil), "--out", str(tmp / "out")],
    "style-audio-content": lambda evil, tmp: ["style", "audio", str(evil), str(tmp / "ok.wav"), "--out", str(tmp / "out")],
    "style-audio-style": lambda evil, tmp: ["style", "audio", str(tmp / "ok.wav"), str(evil), "--out", str(tmp / "out")],
    "sentiment-model": lambda evil, tmp: ["sentiment", "generate", "--model", str(evil), "-n", "4"],
    "sentiment-unit-file": lambda evil, tmp: ["sentiment", "generate", "--unit-file", str(evil), "-n", "4"],
    "sentiment-probe-model": lambda evil, tmp: ["sentiment", "probe", "--model", str(evil), "--out", str(tmp / "out")],
    "sentiment-card-model": lambda evil, tmp: ["sentiment", "card", "--text", "great film", "--model", str(evil), "--out", str(tmp / "out" / "c.png")],
    "sentiment-classifier": lambda evil, tmp: ["sentiment", "classify", "a great film", "--classifier", str(evil)],
    "sentiment-preset": lambda evil, tmp: ["sentiment", "generate", "--preset", str(evil), "-n", "4"],
    "analogy-vectors": lambda evil, tmp: ["analogy", "query", "man", "king", "woman", "--vectors", str(evil)],
    "analogy-scene": lambda evil, tmp: ["analogy", "scene", str(evil), str(evil), str(evil), "--out", str(tmp / "out" / "d.svg")],
    "batch-manifest": lambda evil, tmp: ["batch", str(evil), "--out", str(tmp / "out")],
    "sentiment-export-model": lambda evil, tmp: ["sentiment", "export", str(evil), "--out", str(tmp / "out" / "small.pt")],
    "sentiment-export-steering-file": lambda evil, tmp: ["sentiment", "export", str(default_model()), "--steering-file", str(evil),
                                                         "--out", str(tmp / "out" / "small.pt")],
    "sentiment-export-discriminator": lambda evil, tmp: ["sentiment", "export", str(default_model()), "--discriminator", str(evil),
                                                         "--out", str(tmp / "out" / "small.pt")],
    "style-transfer-weights": lambda evil, tmp: ["style", "transfer", str(tmp / "ok.png"), str(tmp / "ok.png"), "--perceiver", "vgg19",
                                                 "--weights", str(evil), "--steps", "1", "--out", str(tmp / "out")],
    "analogy-train-corpus": lambda evil, tmp: ["analogy", "train", str(evil), "--out", str(tmp / "out" / "v.bin")],
}

# Which loaders could take a torch zip or a numpy object array for their real format.
TORCH = ["vgg19-weights", "resnet50-weights", "sentiment-model", "sentiment-probe-model", "sentiment-card-model",
         "sentiment-export-model", "sentiment-export-discriminator", "style-transfer-weights"]
NUMPY = {"embedding-vector": [".npy", ".npz"], "sentiment-classifier": [".npz"], "analogy-vectors": [".npz"]}


def _inputs(tmp: Path) -> None:
    png_with_text(tmp / "ok.png", "x", key="comment")
    (tmp / "ok.wav").write_bytes(wav_bytes())
    (tmp / "out").mkdir()


def _judge(hostile, tmp: Path, case: str, argv: list[str]):
    verdict = hostile(case, argv, watch=[tmp])
    assert_handled(verdict)


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("protocol", [2, 4])
def test_a_raw_pickle_is_never_unpickled(hostile, evil_pickle, tmp_path: Path, loader, protocol):
    _inputs(tmp_path)
    evil = evil_pickle(tmp_path / "evil.bin", protocol=protocol)
    _judge(hostile, tmp_path, f"pickle-raw-p{protocol}-{loader}", LOADERS[loader](evil, tmp_path))


@pytest.mark.parametrize("loader", TORCH)
def test_a_torch_saved_pickle_is_refused_by_the_weights_only_loader(hostile, canary, tmp_path: Path, loader):
    _inputs(tmp_path)
    evil = torch_pickle(tmp_path / "evil.pth", canary)
    verdict = hostile(f"pickle-torch-{loader}", LOADERS[loader](evil, tmp_path), watch=[tmp_path])
    assert_handled(verdict)
    assert "weights-only" in verdict.err  # torch's many-line refusal, cut to one line that says why


@pytest.mark.parametrize(("loader", "suffix"), [(k, s) for k, v in NUMPY.items() for s in v])
def test_a_numpy_object_array_is_never_unpickled(hostile, canary, tmp_path: Path, loader, suffix):
    _inputs(tmp_path)
    evil = numpy_pickle(tmp_path / f"evil{suffix}", canary)
    _judge(hostile, tmp_path, f"pickle-numpy-{loader}{suffix}", LOADERS[loader](evil, tmp_path))
