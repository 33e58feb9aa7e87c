"""Count what the hostile-input suite's cases did in a checkout: handled, traceback, wrong exit,
files left, data lost, code executed.

    python benchmarks/hostile_tally.py                 # this checkout
    python benchmarks/hostile_tally.py --tree OLD_TREE # the same suite run against another tree

With ``--tree`` the suite of *this* checkout is copied into the other tree's ``tests/`` and run
there with that tree on ``PYTHONPATH`` first, so "before" and "after" come from the same cases.
A case that fails to run at all (an option the old code does not know) counts by what it did.
No ``--device``: it counts how hostile input is handled (exit codes, messages, files), which no
device changes; the cases run the tiny CPU runs the suite fixes.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OUTCOMES = ("code_executed", "data_lost", "traceback", "wrong_exit", "not_one_line", "files_left")


def tally(tree: Path, timeout: int = 120) -> collections.Counter:
    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "tally.jsonl"
        suite = tree / "tests" / "hostile"
        if tree != HERE:
            shutil.rmtree(suite, ignore_errors=True)
            shutil.copytree(HERE / "tests" / "hostile", suite)
        env = dict(os.environ, APOPHENIC_HOSTILE_TALLY=str(record), OMP_WAIT_POLICY="PASSIVE")
        subprocess.run(
            # A case that hangs (old code waiting forever on a bad scheduler, say) is stopped
            # after `timeout` seconds and counted as "hung": it never reached a verdict.
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--timeout={timeout}", "-o", "junit_family=xunit2", f"--junitxml={scratch}/junit.xml",
             str(suite), "-m", "not slow or slow"],
            cwd=tree, env=env, check=False,
        )
        counts: collections.Counter = collections.Counter()
        cases = {}
        if record.exists():
            for line in record.read_text().splitlines():
                item = json.loads(line)
                cases[item["case"]] = item["problems"]
        counts["cases"] = len(cases)
        counts["handled"] = sum(1 for problems in cases.values() if not problems)
        junit = Path(scratch) / "junit.xml"
        if junit.exists():
            counts["hung"] = junit.read_text().count("Timeout (>")
        for problems in cases.values():
            for outcome in set(problems):
                counts[outcome] += 1
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE, help="checkout to run the suite against")
    parser.add_argument("--timeout", type=int, default=120, help="seconds before a hanging test is stopped")
    args = parser.parse_args()
    counts = tally(args.tree.resolve(), args.timeout)
    print(" | ".join(f"{key} {counts[key]}" for key in ("cases", "handled", *OUTCOMES, "hung")))


if __name__ == "__main__":
    main()
