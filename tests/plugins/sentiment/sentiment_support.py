"""Small real corpora sliced from the shared review data, and a tiny trained model."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

torch.set_num_threads(1)

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "sentiment"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data/sentiment")


def _imdb_rows(n: int) -> list[list[str]]:
    src = SHARED / "imdb_reviews_2500.csv"
    if not src.is_file():
        pytest.skip(f"{src} is not available")
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return [[r[0][:300], r[1]] for r in rows[1:n + 1]]


@pytest.fixture(scope="session")
def imdb_small(tmp_path_factory) -> Path:
    """80 real IMDB reviews (first 300 characters each), header ``review,sentiment``."""
    path = tmp_path_factory.mktemp("data") / "imdb_small.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["review", "sentiment"])
        w.writerows(_imdb_rows(80))
    return path


TINY_TRAIN = """
held_out = 0.2
seq_len = 16
batch_size = 4
steps = 6
warmup = 2
eval_every = 3
checkpoint_every = 3
eval_chars = 1000
threads = 1
[model]
architecture = "{arch}"
hidden = 12
embed = 8
[[corpus]]
path = "{corpus}"
text = "review"
"""


def write_train_preset(folder: Path, corpus: Path, arch: str = "mlstm", **extra) -> Path:
    text = TINY_TRAIN.format(arch=arch, corpus=corpus.as_posix())
    top = "".join(f"{k} = {v}\n" for k, v in extra.items())
    path = folder / f"train-{arch}.toml"
    path.write_text(top + text)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, imdb_small) -> Path:
    """A 12-unit mLSTM trained for 6 steps on the small IMDB slice."""
    from apophenic.plugins.sentiment import presets
    from apophenic.plugins.sentiment.configs import TrainConfig
    from apophenic.plugins.sentiment.training import train

    folder = tmp_path_factory.mktemp("tiny")
    config, _ = presets.load(TrainConfig, str(write_train_preset(folder, imdb_small)))
    return train(config, folder / "run")


def run_cli(args: list[str]) -> int:
    """Run ``apophenic ...`` in-process through the real entry point; the exit code."""
    from apophenic.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
