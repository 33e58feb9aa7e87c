"""Run folders are staged and published so that nothing of the user's is ever deleted or replaced,
and two identical runs finishing at the same moment both succeed."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from apophenic.errors import ApophenicError
from apophenic.output import staged_folder

MARKER = ".apophenic-staging"  # the marker's file name is part of the on-disk format (see docs/security.md)


def _write_run(tmp: Path, label: str) -> None:
    """What every command writes into its staged folder: the files, then run.json."""
    (tmp / "final.png").write_bytes(label.encode())
    (tmp / "run.json").write_text(json.dumps({"config": {"writer": label}}))


def _finish(final: Path, label: str, errors: list[str]) -> None:
    try:
        with staged_folder(final) as tmp:
            _write_run(tmp, label)
    except Exception as exc:  # collected: the test reports every failure, not just the first
        errors.append(f"{type(exc).__name__}: {exc}")


def _assert_whole(parent: Path, names: list[str]) -> None:
    """Each final folder holds one writer's complete run; no staging folder is left behind."""
    for name in names:
        folder = parent / name
        assert sorted(p.name for p in folder.iterdir()) == ["final.png", "run.json"], name
        writer = json.loads((folder / "run.json").read_text())["config"]["writer"]
        assert (folder / "final.png").read_bytes() == writer.encode()  # not half of one and half of another
    assert sorted(p.name for p in parent.iterdir()) == sorted(names)


def test_outputs_concurrent_finishes_in_threads_all_succeed(tmp_path: Path) -> None:
    errors: list[str] = []
    names = [f"run-{i}" for i in range(3)]
    for round_ in range(150):
        barrier = threading.Barrier(4)

        def finish(i: int) -> None:
            barrier.wait()
            _finish(tmp_path / names[round_ % 3], f"t{i}-r{round_}", errors)

        threads = [threading.Thread(target=finish, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    _assert_whole(tmp_path, names)


def _process_finishes(parent: str, start, errors, count: int, index: int) -> None:
    start.wait()
    found: list[str] = []
    for round_ in range(count):
        _finish(Path(parent) / f"run-{round_ % 2}", f"p{index}-r{round_}", found)
    errors.extend(found)


def test_outputs_concurrent_finishes_in_processes_all_succeed(tmp_path: Path) -> None:
    """Separate processes (as batch workers are), all publishing the same two folders over and over."""
    context = multiprocessing.get_context("fork")
    manager = context.Manager()
    errors = manager.list()
    start = context.Event()
    processes = [context.Process(target=_process_finishes, args=(str(tmp_path), start, errors, 60, i)) for i in range(4)]
    for p in processes:
        p.start()
    start.set()
    for p in processes:
        p.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    assert list(errors) == []
    _assert_whole(tmp_path, ["run-0", "run-1"])
    manager.shutdown()


def test_outputs_a_users_folder_with_the_run_name_is_never_replaced(tmp_path: Path) -> None:
    final = tmp_path / "tiny-0123456789"
    final.mkdir()
    (final / "thesis.tex").write_text("four years of work\n")
    with pytest.raises(ApophenicError, match="not written by apophenic"):
        with staged_folder(final) as tmp:
            _write_run(tmp, "run")
    assert (final / "thesis.tex").read_text() == "four years of work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-0123456789"]  # its staging folder is gone too


def test_outputs_a_rerun_replaces_its_own_earlier_folder(tmp_path: Path) -> None:
    final = tmp_path / "tiny-0123456789"
    for label in ("first", "second"):
        with staged_folder(final) as tmp:
            _write_run(tmp, label)
    _assert_whole(tmp_path, ["tiny-0123456789"])
    assert json.loads((final / "run.json").read_text())["config"]["writer"] == "second"


def test_outputs_only_marked_leftovers_of_dead_writers_are_removed(tmp_path: Path) -> None:
    final = tmp_path / "tiny-0123456789"
    unmarked = tmp_path / f".tmp-{final.name}-999999999-0badf00d"  # our naming, no marker: not provably ours
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("mine\n")
    users = tmp_path / f".tmp-{final.name}-keep"
    users.mkdir()
    dead = tmp_path / f".tmp-{final.name}-999999999-0000beef"
    dead.mkdir()
    (dead / MARKER).write_text(json.dumps({"program": "apophenic", "pid": 999999999}))
    alive = tmp_path / f".tmp-{final.name}-{os.getppid()}-0000cafe"  # our parent (pytest's shell) is alive
    alive.mkdir()
    (alive / MARKER).write_text(json.dumps({"program": "apophenic", "pid": os.getppid()}))
    with staged_folder(final) as tmp:
        _write_run(tmp, "run")
    assert unmarked.exists() and users.exists() and alive.exists()
    assert not dead.exists()
    assert (unmarked / "notes.txt").read_text() == "mine\n"


def test_outputs_a_failed_run_leaves_nothing(tmp_path: Path) -> None:
    final = tmp_path / "out" / "tiny-0123456789"
    with pytest.raises(RuntimeError):
        with staged_folder(final) as tmp:
            _write_run(tmp, "half")
            raise RuntimeError("the optimizer blew up")
    assert not (tmp_path / "out").exists()  # the folders it created go too


def test_outputs_a_failed_run_keeps_a_folder_that_was_there(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError):
        with staged_folder(tmp_path / "out" / "tiny-0123456789") as tmp:
            _write_run(tmp, "half")
            raise RuntimeError("the optimizer blew up")
    assert (tmp_path / "out").is_dir() and list((tmp_path / "out").iterdir()) == []
