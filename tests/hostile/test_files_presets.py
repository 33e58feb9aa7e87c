"""Presets and ``--set`` values nested past any real use are one line, never a RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from contract import assert_handled


@pytest.mark.parametrize("levels", [100, 50_000])
def test_a_deeply_nested_preset_is_one_line(hostile, tmp_path: Path, levels):
    preset = tmp_path / "deep.toml"
    preset.write_text(f'extends = "imagenet-class"\nsize = {"[" * levels}{"]" * levels}\n')
    verdict = hostile(f"preset-nested-{levels}", ["run", str(preset), "--out", str(tmp_path / "out"), "-q"], watch=[tmp_path])
    assert verdict.problems in ([], ["files_left"]), verdict.explain()  # an empty --out is the output half of #15
    assert "deep.toml" in verdict.err and "nests deeper" in verdict.err


@pytest.mark.parametrize("levels", [100, 50_000])
def test_a_deeply_nested_set_value_is_one_line(hostile, tmp_path: Path, levels):
    verdict = hostile(f"set-nested-{levels}", ["run", "imagenet-class", "--set", f"size={'[' * levels}{']' * levels}",
                                                "--out", str(tmp_path / "out"), "-q"])
    assert_handled(verdict)
    assert "--set" in verdict.err


def test_a_deeply_nested_inline_table_is_one_line(hostile, tmp_path: Path):
    preset = tmp_path / "deep.toml"
    preset.write_text("x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n")
    assert_handled(hostile("preset-nested-tables", ["presets", "show", str(preset), "--resolved"]))


def test_a_deeply_nested_sentiment_preset_is_one_line(hostile, tmp_path: Path):
    preset = tmp_path / "deep.toml"
    preset.write_text("length = " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert_handled(hostile("sentiment-preset-nested", ["sentiment", "generate", "--preset", str(preset)]))
