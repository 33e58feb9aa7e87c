"""The contract every hostile or careless input must meet, checked and tallied in one place.

A case runs the real CLI in this process (``apophenic.cli.main``) and is judged on what a
user and an attacker care about:

- ``code_executed``: a canary file that a malicious payload would write exists afterwards;
- ``data_lost``: a file that existed before the command (``keep=``) is gone or changed;
- ``traceback``: stderr holds a Python traceback;
- ``wrong_exit``: the exit code is not the promised one (2 for bad input);
- ``not_one_line``: the error is not one line;
- ``files_left``: a file or folder appeared under a watched folder (``watch=``).

``handled`` means none of those happened. ``APOPHENIC_HOSTILE_TALLY=FILE`` appends one JSON
line per case, so ``benchmarks/hostile_tally.py`` can count a checkout's outcomes before and
after a fix from the same suite.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CANARY_NAME = "PWNED"

OUTCOMES = ("code_executed", "data_lost", "traceback", "wrong_exit", "not_one_line", "files_left")


@dataclass
class Verdict:
    """What one hostile input did."""

    case: str
    code: int
    out: str
    err: str
    problems: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    """What appeared under the watched folders (``files_left``)."""

    @property
    def handled(self) -> bool:
        return not self.problems

    def explain(self) -> str:
        return f"{self.case}: {', '.join(self.problems) or 'handled'} (exit {self.code})\nstderr: {self.err[-2000:]}" + (
            f"\nleft behind: {', '.join(self.left[:5])}" if self.left else "")


def snapshot(folders: list[Path]) -> dict[Path, str]:
    """Every file and folder below ``folders`` with a digest of its content (folders: '')."""
    seen: dict[Path, str] = {}
    for folder in folders:
        if not folder.exists():
            continue
        if folder.is_file() and not folder.is_symlink():  # a kept file is judged by its content
            seen[folder] = hashlib.sha256(folder.read_bytes()).hexdigest()
            continue
        seen[folder] = ""
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                seen[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[path] = ""
    return seen


def judge(
    case: str,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    *,
    watch: list[Path] = (),
    keep: list[Path] = (),
    canary: Path | None = None,
    expect_code: int = 2,
    tally: bool = True,
) -> Verdict:
    """Run ``apophenic argv`` in-process and judge it against the bad-input contract."""
    from apophenic.cli import main

    watch = [Path(p) for p in watch]
    before_watch = snapshot(watch)
    before_keep = snapshot([Path(p) for p in keep])
    capsys.readouterr()
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # an escaped exception is a traceback the user would see
        import traceback

        out, err = capsys.readouterr()
        err += "".join(traceback.format_exception(exc))
        verdict = Verdict(case, 1, out, err)
        verdict.problems.append("traceback")
        _finish(verdict, watch, before_watch, before_keep, canary, expect_code, tally)
        return verdict
    out, err = capsys.readouterr()
    verdict = Verdict(case, code, out, err)
    if "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        verdict.problems.append("traceback")
    _finish(verdict, watch, before_watch, before_keep, canary, expect_code, tally)
    return verdict


def _finish(verdict, watch, before_watch, before_keep, canary, expect_code, tally=True) -> None:
    if canary is not None and canary.exists():
        verdict.problems.insert(0, "code_executed")
    after_keep = snapshot(list(before_keep)) if before_keep else {}
    if any(path not in after_keep or after_keep[path] != digest for path, digest in before_keep.items()):
        verdict.problems.insert(0, "data_lost")
    if verdict.code != expect_code:
        verdict.problems.append("wrong_exit")
    if expect_code == 2 and "traceback" not in verdict.problems:
        lines = [line for line in verdict.err.strip().splitlines() if line.strip()]
        if len(lines) != 1:
            verdict.problems.append("not_one_line")
    if expect_code != 0:
        after_watch = snapshot(watch)
        left = sorted(set(after_watch) - set(before_watch))
        if left:
            verdict.problems.append("files_left")
            verdict.left = [str(path) for path in left]
    if tally:  # generated (fuzz) inputs pass tally=False: one case name, many inputs, some of them valid
        _tally(verdict)


def _tally(verdict: Verdict) -> None:
    target = os.environ.get("APOPHENIC_HOSTILE_TALLY")
    if not target:
        return
    record = {"case": verdict.case, "code": verdict.code, "problems": verdict.problems}
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def assert_handled(verdict: Verdict) -> None:
    """The contract: nothing executed, nothing lost, one line, the promised exit, nothing written."""
    assert verdict.handled, verdict.explain()
