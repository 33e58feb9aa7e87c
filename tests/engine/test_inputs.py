"""A recipe's input files travel with the picture: listed by name and content hash, found next to
the PNG (or in a --read-from folder) when the path it was made with does not exist here."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from apophenic.cli import main
from apophenic.output import read_recipe


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *args])
    return exit_info.value.code or 0


@pytest.fixture
def made_elsewhere(tmp_path: Path, tiny_preset: Path, photo: Path) -> Path:
    """A picture made from a photo on 'another machine', moved here with the photo beside it; the original gone."""
    there = tmp_path / "there"
    there.mkdir()
    original = shutil.copy(photo, there / "cat.png")
    assert run(str(tiny_preset), "--steps", "1", "-q", "--out", str(there / "out"),
               "--set", f"generator={{type='image', path='{original}'}}") == 0
    (folder,) = (there / "out").iterdir()
    here = tmp_path / "here" / folder.name
    shutil.copytree(folder, here)
    shutil.copy(original, here / "cat.png")
    shutil.rmtree(there)
    return here


def test_the_recipe_lists_each_input_by_name_and_hash(made_elsewhere: Path) -> None:
    (item,) = read_recipe(made_elsewhere / "final.png")["inputs"]
    assert item["name"] == "cat.png" and item["path"].endswith("there/cat.png")
    assert item["sha256"] == hashlib.sha256((made_elsewhere / "cat.png").read_bytes()).hexdigest()


def test_from_finds_the_input_next_to_the_picture_and_gives_the_same_pixels(made_elsewhere: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert run("--from", str(made_elsewhere / "final.png"), "-q", "--out", str(out)) == 0
    (again,) = out.iterdir()
    assert (again / "final.png").read_bytes() == (made_elsewhere / "final.png").read_bytes()


def test_a_file_with_the_name_but_other_content_is_never_used(made_elsewhere: Path, tmp_path: Path, capsys) -> None:
    (made_elsewhere / "cat.png").write_bytes(b"not the photo")
    out = tmp_path / "again"
    assert run("--from", str(made_elsewhere / "final.png"), "--out", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs cat.png" in err and "beside the picture" in err
    assert not out.exists()


def test_a_read_from_folder_is_searched_too(made_elsewhere: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.move(made_elsewhere / "cat.png", photos / "cat.png")
    out = tmp_path / "again"
    assert run("--from", str(made_elsewhere / "final.png"), "-q", "--read-from", str(photos), "--out", str(out)) == 0
