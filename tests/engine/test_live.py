"""While a run works: preview.png and progress.json in the folder its first line names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apophenic import hookimpl
from apophenic.errors import ApophenicError
from apophenic.preset_loader import load
from apophenic.registry import get_registry
from apophenic.run import execute


class Peek:
    """Records what the run's visible folder holds after each step."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seen: list[tuple[int, set[str], dict | None]] = []

    @hookimpl
    def on_step(self, state) -> None:
        visible = [p for p in self.out.iterdir() if not p.name.startswith(".")]
        names = {p.name for p in visible[0].iterdir()} if visible else set()
        progress = json.loads((visible[0] / "progress.json").read_text()) if "progress.json" in names else None
        self.seen.append((state.step, names, progress))


@pytest.fixture
def peek(tmp_path):
    peek = Peek(tmp_path / "out")
    get_registry().manager.register(peek, name="peek")
    yield peek
    get_registry().manager.unregister(peek)


def test_the_first_line_names_the_folder_that_holds_the_preview(tmp_path, tiny_preset, peek, capsys):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=4", "output.preview_every=2"])
    result = execute(config, tmp_path / "out", source=source, progress=True, preset="tiny")
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{result.folder}/") and "preview.png every 2 steps" in first
    steps = {step: (names, progress) for step, names, progress in peek.seen}
    assert "preview.png" not in steps[1][0]  # not yet
    names, progress = steps[2]
    assert {"preview.png", "progress.json"} <= names
    assert (progress["step"], progress["steps"], progress["status"]) == (2, 4, "running")
    assert progress["eta_seconds"] is not None and progress["eta_seconds"] >= 0
    (score,) = progress["scores"]
    assert score["target"] == "goldfish" and 0 <= score["probability"] <= 1 and score["held_out"] is False
    assert steps[4][1]["step"] == 4
    # the published folder replaced the live one: the run's files only
    assert {p.name for p in result.folder.iterdir()} == {"final.png", "run.json"}


def test_previewing_does_not_change_the_pixels(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=3", "output.preview_every=1"])
    quiet, _ = load(str(tiny_preset), ["size=32", "optimizer.steps=3", "output.preview_every=1"])
    a = execute(config, tmp_path / "a", source=source, progress=True)
    b = execute(quiet, tmp_path / "b", source=source, progress=False)
    assert (a.folder / "final.png").read_bytes() == (b.folder / "final.png").read_bytes()


def test_a_failed_run_takes_its_live_folder_back(tmp_path, tiny_preset, files_under):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=3", "objectives[0].weight=nan"])
    with pytest.raises(ApophenicError, match="NaN or infinite"):
        execute(config, tmp_path / "out", source=source, progress=True)
    assert not (tmp_path / "out").exists()
