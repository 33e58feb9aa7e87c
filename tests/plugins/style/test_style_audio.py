"""Audio style transfer on spectrograms: WAV I/O, Griffin-Lim, the transfer, and bad input, on synthesized sound."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from apophenic.cli import main as _main
from apophenic.plugins.style.audio import (
    AudioStyleConfig,
    griffin_lim,
    log_spectrogram,
    read_wav,
    transfer,
    write_wav,
)
from scipy.io import wavfile

RATE = 8000


def main(argv: list[str]) -> None:
    try:
        _main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


def tones(seconds: float = 0.6) -> np.ndarray:
    """A little melody of pure tones."""
    t = np.arange(int(RATE * seconds)) / RATE
    notes = np.repeat([440.0, 554.0, 659.0, 880.0], len(t) // 4 + 1)[: len(t)]
    return (0.5 * np.sin(2 * np.pi * np.cumsum(notes) / RATE)).astype(np.float32)


def chirps_and_noise(seconds: float = 0.6, seed: int = 0) -> np.ndarray:
    """A rising chirp with bursts of noise: a texture unlike the tones."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    chirp = 0.3 * np.sin(2 * np.pi * (300 * t + 2500 * t**2))
    bursts = (np.sin(2 * np.pi * 6 * t) > 0.6) * rng.standard_normal(len(t)) * 0.3
    return (chirp + bursts).astype(np.float32)


def save(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    wavfile.write(path, rate, (samples * 32767).astype(np.int16))
    return path


FAST = dict(n_fft=256, hop=64, filters=64, kernel=5, steps=25, griffin_lim=30, device="cpu")


def test_wav_round_trip_keeps_the_samples(tmp_path):
    x = tones()
    write_wav(tmp_path / "a.wav", RATE, x)
    rate, y = read_wav(tmp_path / "a.wav")
    assert rate == RATE and len(y) == len(x)
    assert np.abs(y - x).max() < 1e-3


def test_griffin_lim_recovers_a_signal_with_the_same_magnitude():
    x = torch.from_numpy(chirps_and_noise())
    spec = log_spectrogram(x, 256, 64)
    y = griffin_lim(torch.expm1(spec), 256, 64, 40, len(x), torch.Generator().manual_seed(0))
    rebuilt = log_spectrogram(y, 256, 64)
    assert float((rebuilt - spec).norm() / spec.norm()) < 0.25


def test_transfer_moves_the_spectrogram_toward_the_style_and_keeps_content():
    result = transfer(tones(), chirps_and_noise(), RATE, AudioStyleConfig(**FAST), torch.device("cpu"))
    losses = result.losses
    assert losses["style_end"] < 0.7 * losses["style_start"]
    assert losses["content_end"] < 1.0
    assert len(result.samples) == len(tones()) and np.isfinite(result.samples).all()


def test_audio_command_writes_wav_and_three_spectrograms(tmp_path):
    content, style = save(tmp_path / "c.wav", tones()), save(tmp_path / "s.wav", chirps_and_noise())
    preset = tmp_path / "fast.toml"
    preset.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in FAST.items()))
    main(["style", "audio", str(content), str(style), "--preset", str(preset), "--out", str(tmp_path / "out"), "--quiet"])
    (folder,) = (tmp_path / "out").iterdir()
    assert {p.name for p in folder.iterdir()} == {"result.wav", "content.png", "style.png", "result.png", "run.json"}
    record = json.loads((folder / "run.json").read_text())
    assert (record["format"], record["kind"], record["sample_rate"]) == (1, "audio", RATE)
    assert record["files"] == ["result.wav", "content.png", "style.png", "result.png"]
    rate, samples = read_wav(folder / "result.wav")
    assert rate == RATE and len(samples) == len(tones())


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, Path, str]]:
    good = save(tmp_path / "good.wav", tones())
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    empty = tmp_path / "empty.wav"
    wavfile.write(empty, RATE, np.zeros(0, dtype=np.int16))
    other_rate = save(tmp_path / "other.wav", chirps_and_noise(), rate=16000)
    return {
        "not wav": (good, text, "notes.wav"),
        "zero length": (empty, good, "empty.wav"),
        "rate mismatch": (good, other_rate, "16000"),
        "missing": (good, tmp_path / "absent.wav", "absent.wav"),
    }


@pytest.mark.parametrize("case", ["not wav", "zero length", "rate mismatch", "missing"])
def test_bad_audio_exits_2_with_one_line_and_writes_nothing(tmp_path, case, capsys):
    content, style, named = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["style", "audio", str(content), str(style), "--out", str(out)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert named in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_shipped_audio_preset_validates_and_rejects_typos(tmp_path, capsys):
    from apophenic.plugins.style.audio_run import load_audio_config

    config, name = load_audio_config("style-audio")
    assert name == "style-audio" and config.filters >= 8
    content, style = save(tmp_path / "c.wav", tones()), save(tmp_path / "s.wav", chirps_and_noise())
    with pytest.raises(SystemExit):
        main(["style", "audio", str(content), str(style), "--set", "filtres=12", "--out", str(tmp_path / "o")])
    assert "filtres" in capsys.readouterr().err
