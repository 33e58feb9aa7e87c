"""Interrupt keeps the work: a stopped run writes its folder, and --resume reaches the same pixels."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from apophenic import hookimpl
from apophenic.batch.journal import is_complete
from apophenic.errors import ApophenicError
from apophenic.interrupt import RunInterrupted, request_stop
from apophenic.preset_loader import load
from apophenic.registry import get_registry
from apophenic.run import execute
from apophenic.runs import resume_run


class StopAt:
    """A plugin that asks the run to stop after step ``step`` (as the first Ctrl-C does)."""

    def __init__(self, step: int) -> None:
        self.step = step

    @hookimpl
    def on_step(self, state) -> None:
        if state.step == self.step:
            request_stop("test")


@contextmanager
def stop_at(step: int):
    manager = get_registry().manager
    plugin = StopAt(step)
    manager.register(plugin, name=f"stop-at-{id(plugin)}")
    try:
        yield
    finally:
        manager.unregister(plugin)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


OPTIMIZERS = {
    "adam-cosine": ["optimizer.steps=5", 'optimizer.schedule="cosine"'],
    "lbfgs": ['optimizer={type="lbfgs", steps=5, lr=0.1}'],
    "evolution": ['optimizer={type="evolution", steps=5, population=4}'],
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_interrupted_run_keeps_its_folder_and_resumes_to_the_same_pixels(tmp_path, tiny_preset, optimizer, files_under):
    overrides = ["size=32", "output.snapshot_every=1", *OPTIMIZERS[optimizer]]
    config, source = load(str(tiny_preset), overrides)
    whole = execute(config, tmp_path / "whole", source=source, progress=False, preset="tiny")

    with stop_at(2), pytest.raises(RunInterrupted) as stopped:
        execute(config, tmp_path / "cut", source=source, progress=False, preset="tiny")
    folder = stopped.value.folder
    assert (stopped.value.step, stopped.value.steps, stopped.value.resumable) == (2, 5, True)
    assert folder.name == whole.folder.name
    record = json.loads((folder / "run.json").read_text())
    assert (record["status"], record["stopped_at"]) == ("interrupted", 2)
    assert sorted(p.name for p in (folder / "snapshots").iterdir()) == ["step-00001.png", "step-00002.png"]
    assert {"final.png", "resume.pt"} <= set(record["files"])
    assert np.array_equal(_pixels(folder / "final.png"), _pixels(folder / "snapshots" / "step-00002.png"))
    assert [p.name for p in (tmp_path / "cut").iterdir()] == [folder.name]  # no hidden folder left

    assert not is_complete(folder)  # a batch renders it again rather than counting it done
    resumed = resume_run(folder)
    assert is_complete(folder)
    assert resumed.folder == folder
    assert np.array_equal(_pixels(folder / "final.png"), _pixels(whole.folder / "final.png"))
    final = json.loads((folder / "run.json").read_text())
    assert final["status"] == "finished" and final["resumed_from"] == [2] and "stopped_at" not in final
    assert "resume.pt" not in final["files"] and not (folder / "resume.pt").exists()
    assert sorted(p.name for p in (folder / "snapshots").iterdir()) == [f"step-{i:05d}.png" for i in range(1, 6)]
    assert [p.name for p in (tmp_path / "cut").iterdir()] == [folder.name]


def test_resume_refuses_what_is_not_an_interrupted_run_in_one_line(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=2"])
    done = execute(config, tmp_path, source=source, progress=False)
    with pytest.raises(ApophenicError, match="status 'finished': only an interrupted run can be resumed") as refused:
        resume_run(done.folder)
    assert "\n" not in str(refused.value)
    with pytest.raises(ApophenicError, match="not a run folder"):
        resume_run(tmp_path / "nothing-here")

    with stop_at(1), pytest.raises(RunInterrupted) as stopped:
        execute(config, tmp_path / "cut", source=source, progress=False)
    run_json = stopped.value.folder / "run.json"
    record = json.loads(run_json.read_text())
    run_json.write_text(json.dumps({**record, "versions": {**record["versions"], "apophenic": "0.0.1"}}))
    with pytest.raises(ApophenicError, match="written by apophenic 0.0.1, this is"):
        resume_run(stopped.value.folder)
    run_json.write_text(json.dumps(record))
    (stopped.value.folder / "resume.pt").write_bytes(b"not a torch file")
    with pytest.raises(ApophenicError, match="resume.pt: not a weights-only resume state"):
        resume_run(stopped.value.folder)


def test_a_stop_request_is_forgotten_once_honoured(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=2"])
    with stop_at(1), pytest.raises(RunInterrupted):
        execute(config, tmp_path / "a", source=source, progress=False)
    assert execute(config, tmp_path / "b", source=source, progress=False).record["status"] == "finished"


def test_a_stop_during_the_last_step_finishes_the_run(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=2"])
    with stop_at(2):
        result = execute(config, tmp_path, source=source, progress=False)
    assert result.record["status"] == "finished" and "stopped_at" not in result.record
    assert "robust" in result.record  # the whole record, not an interrupted one's
