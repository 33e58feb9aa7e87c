import json

import pytest
import torch
from apophenic.plugins.sentiment import checkpoint, presets
from apophenic.plugins.sentiment.configs import TrainConfig
from apophenic.plugins.sentiment.training import train
from sentiment_support import run_cli, write_train_preset


def test_training_lowers_held_out_bits_per_char(tmp_path, imdb_small):
    preset = write_train_preset(tmp_path, imdb_small, arch="lstm")
    config, _ = presets.load(TrainConfig, str(preset), ["steps=12", "eval_every=6", "lr=0.01", "warmup=0"])
    train(config, tmp_path / "run")
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    bpc = [e["bpc"] for e in log if "bpc" in e]
    assert len(bpc) == 2 and bpc[-1] < bpc[0] < 8.1  # from ~8 bits (uniform over bytes) downward
    meta = checkpoint.load(tmp_path / "run" / "model.pt").meta
    assert meta["held_out_bpc"] == bpc[-1] and meta["step"] == 12


def test_killed_run_resumes_to_the_same_weights(tmp_path, imdb_small):
    preset = write_train_preset(tmp_path, imdb_small)
    config, _ = presets.load(TrainConfig, str(preset))
    straight = checkpoint.load(train(config, tmp_path / "straight")).model.state_dict()
    # "Kill" after the step-3 checkpoint: run 3 steps, then the same command with 6.
    first, _ = presets.load(TrainConfig, str(preset), ["steps=3"])
    train(first, tmp_path / "resumed")
    resumed = checkpoint.load(train(config, tmp_path / "resumed")).model.state_dict()
    for key in straight:
        assert torch.allclose(straight[key], resumed[key], atol=1e-6), key


def test_cli_train_with_empty_corpus_fails_and_writes_nothing(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("review,sentiment\n")
    preset = write_train_preset(tmp_path, empty)
    code = run_cli(["sentiment", "train", "-p", str(preset), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "empty.csv: the corpus has no text" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_cli_train_rejects_unknown_preset_key(tmp_path, imdb_small, capsys):
    preset = write_train_preset(tmp_path, imdb_small)
    code = run_cli(["sentiment", "train", "-p", str(preset), "--set", "model.hiden=64", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "model.hiden: unknown key" in err
    assert not (tmp_path / "out").exists()


def test_resume_refuses_a_different_model(tmp_path, imdb_small):
    from apophenic.errors import ApophenicError

    preset = write_train_preset(tmp_path, imdb_small)
    config, _ = presets.load(TrainConfig, str(preset), ["steps=3"])
    train(config, tmp_path / "run")
    bigger, _ = presets.load(TrainConfig, str(preset), ["model.hidden=20"])
    with pytest.raises(ApophenicError, match="a checkpoint of a different model"):
        train(bigger, tmp_path / "run")


def test_every_shipped_preset_validates():
    from apophenic.plugins.sentiment.configs import (
        CardConfig,
        GenerateConfig,
        ProbeConfig,
    )

    kinds = {"train": TrainConfig, "train-radford": TrainConfig, "probe": ProbeConfig, "generate": GenerateConfig,
             "card": CardConfig}
    names = presets.available("sentiment-")
    assert {f"sentiment-{k}" for k in kinds} <= set(names)
    for name in names:
        presets.load(kinds[name.removeprefix("sentiment-")], name)


def test_bad_override_names_the_flag_and_the_key():
    from apophenic.errors import ApophenicError

    with pytest.raises(ApophenicError, match=r"^--set: steps: Input should be a valid integer"):
        presets.load(TrainConfig, "sentiment-train", ["steps=many"])
    with pytest.raises(ApophenicError, match="unknown sentiment preset 'sentiment-trian'; did you mean 'sentiment-train'"):
        presets.load(TrainConfig, "sentiment-trian")
