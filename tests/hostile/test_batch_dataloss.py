"""A batch deletes only what it provably created, and never starts in someone else's folder unasked."""

from __future__ import annotations

import json
import os
from pathlib import Path

from batch_presets import write_tiny
from contract import assert_handled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# One run whose override fails validation: the batch plans, locks, cleans and journals, but never
# starts a worker, so these cases cost no rendering.
UNRESOLVABLE = '[[runs]]\npreset = "tiny.toml"\nset = ["size=huge"]\n'


def _home_like(folder: Path) -> list[Path]:
    """A user's folder with hidden folders named the way the old cleanup matched (.tmp-*/.old-*, dead pids)."""
    folder.mkdir()
    mine = []
    for name in (".tmp-keep", ".old-notes", ".tmp-thesis-999999999", ".old-photos-1"):
        (folder / name).mkdir()
        (folder / name / "precious.txt").write_text(f"{name} is mine\n")
        mine.append(folder / name)
    (folder / "todo.txt").write_text("buy milk\n")
    return [*mine, folder / "todo.txt"]


def test_batch_refuses_a_folder_that_is_not_empty_and_not_a_batch(hostile, tmp_path: Path) -> None:
    manifest = write_tiny(tmp_path / "m", UNRESOLVABLE)
    home = tmp_path / "home"
    kept = _home_like(home)
    verdict = hostile("batch-out-home-refused", ["batch", str(manifest), "--out", str(home), "--quiet"],
                      keep=kept, watch=[home])
    assert_handled(verdict)
    assert "--force" in verdict.err


def test_batch_with_force_in_a_users_folder_deletes_nothing_of_theirs(hostile, tmp_path: Path) -> None:
    from apophenic.output import MARKER

    manifest = write_tiny(tmp_path / "m", UNRESOLVABLE)
    home = tmp_path / "home"
    kept = _home_like(home)
    # a real leftover of a killed run of ours: marked, its writer gone; it is the only thing that may go
    ours = home / ".tmp-tiny-0123456789-999999999-0badf00d"
    ours.mkdir()
    (ours / MARKER).write_text(json.dumps({"program": "apophenic", "pid": 999999999}))
    verdict = hostile("batch-out-home-force", ["batch", str(manifest), "--out", str(home), "--quiet", "--force"],
                      keep=kept)
    assert "data_lost" not in verdict.problems and "traceback" not in verdict.problems, verdict.explain()
    assert verdict.code == 2 and "1 of 1 runs failed" in verdict.err  # the batch ran: its one cell is invalid
    assert not ours.exists()  # the cleanup still works for what is provably ours
    assert all(p.exists() for p in kept)


def test_batch_never_deletes_a_marked_folder_whose_writer_lives(tmp_path: Path) -> None:
    """A staging folder of a writer still running here (an orphaned worker, another thread) is kept."""
    from apophenic.batch.journal import clean_leftovers
    from apophenic.output import MARKER

    live = tmp_path / f".tmp-run-abc-{os.getpid()}-0badf00d"
    live.mkdir()
    (live / MARKER).write_text(json.dumps({"program": "apophenic", "pid": os.getpid()}))
    forged = tmp_path / ".tmp-run-abc-999999999-0badf00d"  # right name, marker of another program
    forged.mkdir()
    (forged / MARKER).write_text(json.dumps({"program": "something-else", "pid": 999999999}))
    link_target = tmp_path / "elsewhere"
    link_target.mkdir()
    (link_target / MARKER).write_text(json.dumps({"program": "apophenic", "pid": 999999999}))
    link = tmp_path / ".tmp-run-abc-999999999-0000beef"
    link.symlink_to(link_target)  # a link dressed as our leftover: never followed into
    assert clean_leftovers(tmp_path) == []
    assert live.exists() and forged.exists() and link.is_symlink() and (link_target / MARKER).exists()


def test_batch_resumes_in_its_own_folder_without_force(hostile, tmp_path: Path) -> None:
    manifest = write_tiny(tmp_path / "m", UNRESOLVABLE)
    out = tmp_path / "out"
    first = hostile("batch-out-first", ["batch", str(manifest), "--out", str(out), "--quiet"])
    assert first.code == 2 and (out / "batch.json").is_file(), first.explain()
    again = hostile("batch-out-resume", ["batch", str(manifest), "--out", str(out), "--quiet"], keep=[out / "batch.json"])
    assert again.code == 2 and "--force" not in again.err and "1 of 1 runs failed" in again.err, again.explain()


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    workers=st.one_of(st.none(), st.integers(-(2**40), 0)),
    executor=st.one_of(st.none(), st.sampled_from(["local", "LOCAL", "", "dask ", "process"]), _text.filter(lambda s: s != "dask")),
    device=st.one_of(st.none(), st.sampled_from(["cpu", "gpu", "cuda:0", ""]), _text),
    timeout=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_batch_fuzzed_options_meet_the_contract(hostile, tmp_path_factory, workers, executor, device, timeout) -> None:
    """Any value of the batch's options that parses as its type: one line and exit 2 when refused, and a
    refusal writes nothing. (Values that do not parse at all get typer's usage box: a CLI-wide matter.)"""
    folder = tmp_path_factory.mktemp("fuzz")
    manifest = write_tiny(folder / "m", UNRESOLVABLE)
    out = folder / "out"
    argv = ["batch", str(manifest), "--out", str(out), "--quiet"]
    for flag, value in (("--workers", workers), ("--executor", executor), ("--device", device), ("--timeout", timeout)):
        if value is not None:
            argv += [f"{flag}={value}"]
    verdict = hostile("batch-fuzz-options", argv, watch=[folder], canary=folder / "PWNED")
    assert "traceback" not in verdict.problems and verdict.code == 2, verdict.explain()
    if "runs failed" not in verdict.err:  # refused before running: one line, nothing on disk
        assert not {"not_one_line", "files_left"} & set(verdict.problems), verdict.explain()
