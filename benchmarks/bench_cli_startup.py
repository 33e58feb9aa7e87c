"""CLI startup: wall and CPU time of `apophenic --help` against a bare `python -c pass`.

    python benchmarks/bench_cli_startup.py [--pairs 15] [--args "--help"] [--before-src DIR]

Each round runs the bare interpreter and `apophenic ARGS` (and, with --before-src,
the same command on another source tree) one right after the other, in an order
that rotates every round, after a warm-up round that is not counted. Background
load then hits every side alike, and the paired difference (apophenic − bare) and
ratio (apophenic / bare) of each round cancel it. Reported: the median over the
rounds with min–max, and the CPU time (user + system) of the child process from
its rusage.

--before-src DIR: a folder that holds an `apophenic` package laid out as installed
(engine/ with plugins/, renderers/ and presets/ inside) for the old code, put first on
PYTHONPATH; e.g. from a worktree of main:

    git worktree add --detach /tmp/cli-before main
    mkdir -p /tmp/before-src/apophenic && cd /tmp/before-src/apophenic &&
      ln -s /tmp/cli-before/engine/* . && ln -s /tmp/cli-before/{plugins,renderers,presets} .

No ``--device``: it times interpreter and import startup, which runs no model on any device.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from the child's rusage) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def summary(values: list[float], unit: str = "s", digits: int = 3) -> str:
    return f"{statistics.median(values):.{digits}f} {unit} (min {min(values):.{digits}f}, max {max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=15, help="Counted rounds (each runs every side once).")
    parser.add_argument("--args", default="--help", help="Arguments of the apophenic command, as one shell string.")
    parser.add_argument("--python", default=sys.executable, help="Interpreter for every side (the venv apophenic is installed in).")
    parser.add_argument("--before-src", type=Path, help="Also time the same command with this folder first on PYTHONPATH (old code).")
    args = parser.parse_args()

    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"), "COLUMNS": "100"}
    cli = [args.python, "-c", "import sys; from apophenic.cli import main; sys.exit(main())", *shlex.split(args.args)]
    sides: dict[str, tuple[list[str], dict[str, str]]] = {"bare": ([args.python, "-c", "pass"], env), "now": (cli, env)}
    if args.before_src is not None:
        old_env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(args.before_src), env.get("PYTHONPATH")]))}
        sides["before"] = (cli, old_env)
        check = subprocess.run([args.python, "-c", "import apophenic; print(apophenic.__file__)"], env=old_env,
                               capture_output=True, text=True)
        if not check.stdout.startswith(str(args.before_src)):
            raise SystemExit(f"--before-src {args.before_src}: apophenic imports from {check.stdout.strip() or check.stderr[-500:]}")

    names = list(sides)
    for name in names:  # warm-up: page cache, .pyc files
        timed(*sides[name])
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for round_ in range(args.pairs):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in order:
            w, c = timed(*sides[name])
            wall[name].append(w)
            cpu[name].append(c)

    print(f"apophenic {args.args}  vs  python -c pass   ({args.pairs} rounds after a warm-up, order rotating; {args.python})")
    print(f"  bare python -c pass     wall {summary(wall['bare'])}   cpu {summary(cpu['bare'])}")
    for name in names[1:]:
        diff = [a - b for a, b in zip(wall[name], wall["bare"])]
        ratio = [a / b for a, b in zip(wall[name], wall["bare"])]
        cpu_diff = [a - b for a, b in zip(cpu[name], cpu["bare"])]
        print(f"  {name:6s} apophenic        wall {summary(wall[name])}   cpu {summary(cpu[name])}")
        print(f"         minus bare       wall {summary(diff)}   cpu {summary(cpu_diff)}")
        print(f"         ratio to bare    {summary(ratio, unit='×', digits=1)}")


if __name__ == "__main__":
    main()
