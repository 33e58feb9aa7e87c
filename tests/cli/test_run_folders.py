"""Run folders a person can read: preset, target and seed first; an identical rerun reuses the
result and says so; `--force` runs again; `--seed random` picks, prints and records a seed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from apophenic.cli import main


# tmp_path holds the preset; runs go to tmp_path / "out".


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *args])
    return exit_info.value.code or 0


def test_the_folder_name_starts_with_preset_target_and_seed(tmp_path: Path, tiny_preset: Path) -> None:
    assert run(str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "--seed", "5", "-q",
               "--set", "objectives[0].target='electric fan'") == 0
    (folder,) = (tmp_path / "out").iterdir()
    assert re.fullmatch(r"tiny-electric-fan-s5-[0-9a-f]{10}", folder.name), folder.name
    assert json.loads((folder / "run.json").read_text())["name"] == folder.name


def test_an_identical_rerun_reuses_the_result_and_says_so(tmp_path: Path, tiny_preset: Path, capsys) -> None:
    args = (str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "-q")
    assert run(*args) == 0
    (folder,) = (tmp_path / "out").iterdir()
    first = (folder / "run.json").stat().st_mtime_ns, (folder / "final.png").read_bytes()
    capsys.readouterr()
    assert run(*args) == 0
    assert (folder / "run.json").stat().st_mtime_ns == first[0]  # not rewritten
    said = capsys.readouterr().out
    assert "reusing it" in said and str(folder) in said
    assert run(*args, "--force") == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == [folder.name]
    assert (folder / "run.json").stat().st_mtime_ns != first[0]  # run again, same folder
    assert (folder / "final.png").read_bytes() == first[1]  # and the same pixels, as promised


def test_a_different_recipe_is_not_reused(tmp_path: Path, tiny_preset: Path, capsys) -> None:
    assert run(str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "-q") == 0
    assert run(str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "2", "-q") == 0
    assert len(list((tmp_path / "out").iterdir())) == 2 and "reusing" not in capsys.readouterr().out


def test_an_interrupted_or_edited_folder_is_not_a_result(tmp_path: Path, tiny_preset: Path, capsys) -> None:
    args = (str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "-q")
    assert run(*args) == 0
    (folder,) = (tmp_path / "out").iterdir()
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**record, "status": "interrupted"}))
    capsys.readouterr()
    assert run(*args) == 0
    assert "reusing" not in capsys.readouterr().out
    assert json.loads((folder / "run.json").read_text())["status"] == "finished"  # replaced by a finished run


def test_seed_random_is_printed_recorded_and_repeatable(tmp_path: Path, tiny_preset: Path, capsys) -> None:
    assert run(str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "-q", "--seed", "random") == 0
    seed = int(re.search(r"seed (\d+) \(random", capsys.readouterr().out).group(1))
    (folder,) = (tmp_path / "out").iterdir()
    assert json.loads((folder / "run.json").read_text())["seed"] == seed
    assert f"-s{seed}-" in folder.name
    assert run(str(tiny_preset), "--out", str(tmp_path / "out"), "--steps", "1", "-q", "--seed", str(seed)) == 0
    assert "reusing it" in capsys.readouterr().out  # the printed seed names the same recipe


@pytest.mark.parametrize("value", ["x", "-1", "4294967296", "1.5"])
def test_a_bad_seed_is_one_line_and_writes_nothing(tmp_path: Path, tiny_preset: Path, capsys, value: str) -> None:
    out = tmp_path / "out"
    assert run(str(tiny_preset), "--out", str(out), "--seed", value) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--seed" in err and "random" in err
    assert not out.exists()
