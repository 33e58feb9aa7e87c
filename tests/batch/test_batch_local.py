"""A real batch on a real local process pool: content-addressed folders, journal, failures, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apophenic.batch import run_batch
from apophenic.batch.journal import Journal, is_complete
from apophenic.config import validate
from apophenic.output import read_recipe
from apophenic.registry import get_registry
from apophenic.run import run_name

BAD_SIZE = "runs[0] tiny.toml × set size=huge"
BAD_BUILD = 'runs[1] tiny.toml × set perceivers[0]={type = "random-cnn", kernels = [4]}'


def _folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith("tiny-"))


def test_every_good_cell_is_a_complete_content_addressed_folder(rendered) -> None:
    folders = _folders(rendered.out)
    assert len(folders) == 4
    registry = get_registry()
    for folder in folders:
        assert is_complete(folder)
        recipe = read_recipe(folder / "final.png")
        config = validate(recipe["config"], registry, None)
        assert run_name(config, recipe["preset"]) == folder.name  # the name is the hash of what is inside
        record = json.loads((folder / "run.json").read_text())
        held = [s for s in record["scores"] if s["held_out"]]
        assert [s["perceiver"] for s in held] == ["efficientnet-lite1"]
    assert not list(rendered.out.glob(".tmp-*"))


def test_failures_are_recorded_naming_the_cell_and_the_rest_rendered(rendered) -> None:
    report = rendered.report
    assert report.counts == {"pending": 0, "running": 0, "done": 4, "failed": 2}
    failures = dict(report.failures)
    assert "size" in failures[BAD_SIZE]
    assert "kernel sizes must be odd" in failures[BAD_BUILD]
    saved = {e["cell"]: e for e in Journal.read(rendered.out)["runs"]}
    assert saved[BAD_BUILD]["state"] == "failed" and saved[BAD_BUILD]["attempts"] >= 1
    assert saved[BAD_SIZE]["attempts"] == 0  # it never reached a worker
    assert sum(e["state"] == "done" for e in saved.values()) == 4


def test_workers_share_the_cores_without_oversubscribing(rendered) -> None:
    """2 workers on this machine: each renders with cores // 2 torch threads (at least 1)."""
    from apophenic.batch.worker import cpu_count

    done = [e for e in Journal.read(rendered.out)["runs"] if e["state"] == "done"]
    assert {e["threads"] for e in done} == {max(1, cpu_count() // 2)}


def test_rerun_skips_finished_runs_and_keeps_failures(rendered) -> None:
    before = {p.name: (p.stat().st_ino, (p / "run.json").stat().st_mtime_ns) for p in _folders(rendered.out)}
    attempts = {e["cell"]: e["attempts"] for e in Journal.read(rendered.out)["runs"]}
    report = run_batch(rendered.manifest, rendered.out, workers=1, progress=False)
    assert (report.rendered, report.skipped) == (0, 4)
    assert {p.name: (p.stat().st_ino, (p / "run.json").stat().st_mtime_ns) for p in _folders(rendered.out)} == before
    assert {e["cell"]: e["attempts"] for e in Journal.read(rendered.out)["runs"]} == attempts
    assert len(report.failures) == 2


def test_leftovers_of_a_killed_batch_are_cleaned_and_its_running_runs_redone(rendered, tmp_path: Path) -> None:
    """What SIGKILL leaves (a half-written temp folder, a journal saying `running`), resumed with --retry-failed."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(rendered.out, out)
    victim = _folders(out)[0]
    shutil.rmtree(victim)
    half = out / f".tmp-{victim.name}-999999999-0badf00d"  # a killed writer's: its pid is gone, its marker says ours
    half.mkdir()
    (half / ".apophenic-staging").write_text(json.dumps({"program": "apophenic", "pid": 999999999}))
    (half / "final.png").write_bytes(b"\x89PNG half")
    journal = json.loads((out / "batch.json").read_text())
    attempts = {e["cell"]: e["attempts"] for e in journal["runs"]}
    for e in journal["runs"]:
        if e["name"] == victim.name:
            e["state"] = "running"
    (out / "batch.json").write_text(json.dumps(journal))

    report = run_batch(rendered.manifest, out, workers=1, progress=False, retry_failed=True)
    assert (report.rendered, report.skipped) == (1, 3)
    assert is_complete(victim) and not half.exists()
    assert report.counts == {"pending": 0, "running": 0, "done": 4, "failed": 2}
    after = {e["cell"]: e for e in Journal.read(out)["runs"]}
    assert after[BAD_BUILD]["attempts"] == attempts[BAD_BUILD] + 1  # retried, failed again
    assert after[BAD_SIZE]["attempts"] == 0


def test_second_batch_in_the_same_folder_is_refused(rendered) -> None:
    from apophenic.batch.journal import BatchLock
    from apophenic.errors import ApophenicError

    with BatchLock(rendered.out):
        assert BatchLock.held(rendered.out)
        with pytest.raises(ApophenicError, match="another batch is running in this output folder"):
            run_batch(rendered.manifest, rendered.out, workers=1, progress=False)
    assert not BatchLock.held(rendered.out)


def test_cli_status_and_exit_code(rendered, capsys) -> None:
    from apophenic.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(rendered.manifest), "--out", str(rendered.out), "--status"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    assert "6 runs: 4 done, 2 failed, 0 running, 0 pending" in printed
    assert BAD_SIZE in printed and "no batch is running there" in printed
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(rendered.manifest), "--out", str(rendered.out), "--quiet"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert BAD_BUILD in err and "2 of 6 runs failed" in err


def test_unwritable_output_folder_is_one_line(tiny: Path, tmp_path: Path) -> None:
    from apophenic.errors import ApophenicError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ApophenicError, match="output folder cannot be written"):
        run_batch(tiny, blocker / "out", progress=False)
