"""Bad input on the command line: exit code 2, one line naming what is wrong, nothing written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apophenic.cli import main


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: ["run", "no-such-preset"], "unknown preset 'no-such-preset'"),
        (lambda d: ["run", str(d / "missing.toml")], "no such preset file"),
        (lambda d: ["run", _file(d, "seed = = 3")], "TOML syntax error"),
        (lambda d: ["run", "imagenet-class", "--set", "bogus=1"], "--set bogus=1: unknown key"),
        (lambda d: ["run", "imagenet-class", "--set", "seed='x'"], "--set seed='x': Input should be a valid integer"),
        (lambda d: ["run", "imagenet-class", "--set", "generator.type=nope"], "unknown type 'nope'"),
        (lambda d: ["run", "imagenet-class", "--set", "perceivers[0].type=efficientnet-lite9"], "did you mean"),
        (lambda d: ["run", "imagenet-class", "--set", "objectives[0].target=goldfsh"], "did you mean 'goldfish'"),
        (lambda d: ["run", "imagenet-class", "--set", "generator={type='image', path='nope.png'}"], "no such image file"),
        (lambda d: ["run", "imagenet-class", "--set", f"generator={{type='image', path='{_file(d, 'not an image', 'x.png')}'}}"], "not a readable image"),
        (lambda d: ["run", "imagenet-class", "--steps", "1", "--out", _file(d, "a file, not a folder", "out")], "cannot be written"),
        (lambda d: ["run", "--from", _file(d, "plain", "plain.png")], "not a readable PNG"),
        (lambda d: ["layers", "efficientnet-lite7"], "unknown perceiver 'efficientnet-lite7'; did you mean"),
        (lambda d: ["classes", "zzzzqqq"], "no ImageNet class matches"),
        (lambda d: ["run", "imagenet-class", "--set", "objectives[0]={type='layer', layer='blocks.99'}"], "unknown layer 'blocks.99'"),
        (lambda d: ["run", "imagenet-class", "--set", "objectives[0]={type='channel', layer='stem', channel=99}"], "channels 0..31"),
        (lambda d: ["run", "imagenet-class", "--set", "legibility.degradations=['half-scale', 'blurr']"],
         "--set legibility.degradations=['half-scale', 'blurr']: legibility.degradations[1]: unknown degradation 'blurr'; expected one of 'half-scale', 'blur', 'jpeg'; did you mean 'blur'?"),
        (lambda d: ["run", "imagenet-class", "--set", "legibility.degradations=['jpeg', 'jpeg']"], "degradation 'jpeg' is listed twice"),
        (lambda d: ["run", "imagenet-class", "--set", "legibility.print=true"], "--set legibility.print=true: unknown key"),
        (lambda d: ["run", "imagenet-class", "--set", "candidates={count=2, steps=500}"], "candidates.steps: expected 1..199"),
    ],
)
def test_bad_input(tmp_path, capsys, make, expected, files_under):
    out_dir = tmp_path / "results"
    args = make(tmp_path)
    if "--out" not in args:
        args += ["--out", str(out_dir)] if args[0] == "run" else []
    before = files_under(tmp_path)
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert expected in _one_line_error(err).replace("\n", " ")
    assert files_under(tmp_path) == before


def _file(folder: Path, text: str, name: str = "bad.toml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_the_console_script_reports_without_traceback(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "apophenic.cli", "run", "nope"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown preset 'nope'" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_usage_error_is_exit_2(capsys):
    code, _, err = run_cli(["run", "imagenet-class", "--steps", "many"], capsys)
    assert code == 2 and "Usage: apophenic run" in err


def test_every_command_has_help(capsys):
    for args in (["--help"], ["run", "--help"], ["presets", "--help"], ["presets", "show", "--help"], ["plugins", "--help"],
                 ["layers", "--help"], ["classes", "--help"]):
        code, out, _ = run_cli(args, capsys)
        assert code == 0 and "Usage" in out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(min_size=1, max_size=15), value=st.text(max_size=15))
def test_fuzzed_set_flags_never_traceback(tmp_path, capsys, key, value):
    if "\x00" in key + value:
        return
    out_dir = tmp_path / "fuzz-out"
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "imagenet-class", "--steps", "0", "--device", "cpu", "--quiet", "--out", str(out_dir), "--set", f"{key}={value}"])
    _, err = capsys.readouterr()
    assert exit_info.value.code in (0, 2, None)
    assert "Traceback" not in err


def test_classes_suggests_like_run_does(capsys):
    code, _, err = run_cli(["classes", "goldfsh"], capsys)
    assert code == 2 and "did you mean 'goldfish'" in _one_line_error(err)


@pytest.mark.parametrize("args", [
    ["--set", "objectives[0].target=electric", "fan"],
    ["--set=objectives[0].target=electric", "fan"],
    ["-s", "objectives[0].target=electric", "fan", "--steps", "1"],
])
def test_an_unquoted_multi_word_set_gets_a_hint_to_quote_it(tmp_path, capsys, args):
    code, _, err = run_cli(["run", "imagenet-class", *args, "--out", str(tmp_path / "out")], capsys)
    line = _one_line_error(err)
    assert code == 2 and "quote it: --set 'objectives[0].target=\"electric fan\"'" in line
    assert not (tmp_path / "out").exists()


def test_other_extra_arguments_keep_the_usage_error(capsys):
    code, _, err = run_cli(["run", "imagenet-class", "stray"], capsys)
    assert code == 2 and "unexpected extra argument" in err and "quote" not in err


@pytest.mark.parametrize(("flags", "blamed"), [
    (["--set", "optimizer.lr=1e30"], "--set optimizer.lr=1e30: "),
    (["--set", "seed='x'"], "--set seed='x': "),
    (["--set", "perceivers[0]={type='efficientnet-lite0', resize=-1}"], "--set perceivers[0]={type='efficientnet-lite0', resize=-1}: perceivers"),
    (["--set", "objectives[0].perceivers=['nope']"], "--set objectives[0].perceivers=['nope']: unknown perceiver 'nope'"),
    (["--steps", "-3"], "--steps: "),
    (["--set", "optimizer.lr=0.1", "--set", "size=99999"], "--set size=99999: "),
])
def test_a_set_error_names_the_set_not_the_preset_file(tmp_path, tiny_preset, capsys, flags, blamed):
    code, _, err = run_cli(["run", str(tiny_preset), *flags, "--out", str(tmp_path / "out")], capsys)
    line = _one_line_error(err)
    assert code == 2 and f"error: {blamed}" in line and "tiny.toml" not in line
    assert not (tmp_path / "out").exists()


def test_an_error_in_the_preset_itself_still_names_the_file(tmp_path, capsys):
    preset = _file(tmp_path, 'extends = "imagenet-class"\nseed = -1\n', "mine.toml")
    code, _, err = run_cli(["run", preset, "--set", "optimizer.lr=0.1", "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "mine.toml: seed" in _one_line_error(err)
