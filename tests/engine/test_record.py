"""The run record: one typed model, one writer, documented field by field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from apophenic.record import FORMAT, ClassScore, RunRecord, folder_name, run_folder

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_is_documented():
    doc = (ROOT / "docs" / "run-json.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.M))
    assert set(RunRecord.model_fields) | set(ClassScore.model_fields) <= documented


def test_the_writer_fills_the_common_fields_and_lists_the_files(tmp_path):
    with run_folder(tmp_path, folder_name("demo", {"a": 1})) as folder:
        folder.save_png(torch.rand(1, 3, 8, 8), "final.png", {"config": {}})
        (folder.add("notes.txt")).write_text("hi")
        folder.write(RunRecord(kind="demo", config={"a": 1}, wall_seconds=0.5))
    data = json.loads((folder.final / "run.json").read_text())
    assert list(data)[:2] == ["format", "kind"] and data["format"] == FORMAT and data["kind"] == "demo"
    assert data["files"] == ["final.png", "notes.txt"] and data["name"] == folder.final.name
    assert data["versions"]["apophenic"] and isinstance(data["argv"], list)
    assert "scores" not in data and "stages" not in data  # fields of other kinds are left out, not null
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.final.name]


def test_a_failure_inside_the_block_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with run_folder(out, "demo-1") as folder:
            folder.save_png(torch.rand(1, 3, 8, 8))
            raise RuntimeError("the run failed")
    assert not out.exists() or not any(out.iterdir())


def test_the_folder_name_is_the_recipe_hash():
    assert folder_name("a b/c", {"x": 1}) == folder_name("a b/c", {"x": 1}) != folder_name("a b/c", {"x": 2})
    assert folder_name("a b/c", {"x": 1}).startswith("a-b-c-")
    assert folder_name("n", {"x": 1}, b"audio") != folder_name("n", {"x": 1})


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_files_written_get_the_umasks_permissions(tmp_path, umask):
    import os

    from apophenic.record import write_atomic, write_json

    old = os.umask(umask)
    try:
        written = [write_atomic(tmp_path / "a.svg", "<svg/>"), write_json({"a": 1}, tmp_path / "b.json")]
        with run_folder(tmp_path / "out", "demo") as folder:
            folder.save_png(torch.rand(1, 3, 8, 8))
            folder.write(RunRecord(kind="demo"))
    finally:
        os.umask(old)
    written += list(folder.final.iterdir())
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in written} == {p.name: oct(0o666 & ~umask) for p in written}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.json", "out"]  # no temporary file left
