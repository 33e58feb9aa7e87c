"""WAV files cut short or with a zero or absurd sample rate are one line, not struct.error or ZeroDivisionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from contract import assert_handled
from files_support import wav


@pytest.mark.parametrize("cut", [12, 30, 44, 45])
def test_a_truncated_wav_is_one_line(hostile, tmp_path: Path, cut):
    inputs = tmp_path / "in"
    inputs.mkdir()
    bad, good = wav(inputs / "cut.wav", cut=cut), wav(inputs / "good.wav")
    verdict = hostile(f"wav-truncated-{cut}", ["style", "audio", str(bad), str(good), "--steps", "1", "--out", str(tmp_path / "out"), "-q"],
                      watch=[inputs])
    assert_handled(verdict)
    assert "cut.wav" in verdict.err


@pytest.mark.parametrize("rate", [0, 2_000_000_000])
def test_a_wav_with_an_impossible_sample_rate_is_one_line(hostile, tmp_path: Path, rate):
    inputs = tmp_path / "in"
    inputs.mkdir()
    bad = wav(inputs / "rate.wav", rate=rate)
    verdict = hostile(f"wav-rate-{rate}", ["style", "audio", str(bad), str(bad), "--steps", "1", "--out", str(tmp_path / "out"), "-q"],
                      watch=[inputs])
    assert_handled(verdict)
    assert "sample rate" in verdict.err


def test_a_pickle_given_as_a_wav_never_runs(hostile, evil_pickle, tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    evil = evil_pickle(inputs / "evil.wav")
    assert_handled(hostile("wav-pickle", ["style", "audio", str(evil), str(evil), "--out", str(tmp_path / "out"), "-q"], watch=[inputs]))
