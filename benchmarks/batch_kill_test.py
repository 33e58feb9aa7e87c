"""Kill test: SIGKILL a running batch's whole process tree at random moments, restart, count the damage.

    python benchmarks/batch_kill_test.py [--runs 24] [--kills 5] [--workers 2] [--min 5] [--max 25] [--seed 0] [--device auto]

Each round starts `apophenic batch` in its own process group, waits a random
time, snapshots the journal's `running` runs and the finished folders (with
their inodes), then kills the group with SIGKILL. After the last kill the
batch runs to the end. Reported: runs completed, runs redone beyond the ones
in flight (a finished folder replaced later; goal 0), corrupt outputs (a run
folder whose files do not parse or whose recipe does not hash to its name;
goal 0), leftovers cleaned. ``--device`` (default auto: no ``--device`` on the command, as a user types it; auto, cpu, cuda or mps) goes to every
``apophenic batch`` start.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import paired  # noqa: E402
from bench_batch import write_manifest  # noqa: E402


def finished(out: Path) -> dict[str, int]:
    """Complete run folders and their inode (a redone run gets a new folder, so a new inode)."""
    return {p.name: p.stat().st_ino for p in out.iterdir()
            if p.is_dir() and not p.name.startswith((".", "gallery")) and (p / "run.json").exists()}


def journal(out: Path) -> dict:
    try:
        return json.loads((out / "batch.json").read_text())
    except (OSError, ValueError):
        return {"runs": []}


def corrupt(out: Path) -> list[str]:
    """Run folders that are not whole: unreadable run.json or PNG, or a recipe that does not hash to the name."""
    from PIL import Image

    from apophenic.config import validate
    from apophenic.output import read_recipe
    from apophenic.registry import get_registry
    from apophenic.run import run_name

    bad = []
    for name in finished(out):
        folder = out / name
        try:
            json.loads((folder / "run.json").read_text())
            with Image.open(folder / "final.png") as im:
                im.load()
            recipe = read_recipe(folder / "final.png")
            if run_name(validate(recipe["config"], get_registry(), None), recipe["preset"]) != name:
                bad.append(f"{name}: recipe hashes to another name")
        except Exception as exc:
            bad.append(f"{name}: {type(exc).__name__}: {exc}")
    return bad


def start(manifest: Path, out: Path, workers: int, device: str = "auto") -> subprocess.Popen:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    given = [] if device == "auto" else ["--device", device]
    return subprocess.Popen([sys.executable, "-m", "apophenic.cli", "batch", str(manifest), "--out", str(out),
                             "--workers", str(workers), *given, "--quiet"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--min", type=float, default=5.0, help="Shortest wait before a kill (s).")
    parser.add_argument("--max", type=float, default=25.0, help="Longest wait before a kill (s).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps; default auto (no --device given to batch)")
    opts = parser.parse_args()
    paired.check_run_device(opts.device)
    rng = random.Random(opts.seed)
    with tempfile.TemporaryDirectory(prefix="apophenic-kill-") as tmp:
        manifest = write_manifest(Path(tmp) / "m", opts.runs, opts.steps, opts.size)
        out = Path(tmp) / "out"
        in_flight_total = 0
        redone: set[str] = set()
        seen: dict[str, int] = {}
        leftovers_seen = 0
        started = time.perf_counter()
        for k in range(opts.kills):
            before = finished(out) if out.exists() else {}
            process = start(manifest, out, opts.workers, opts.device)
            wait = rng.uniform(opts.min, opts.max)
            try:
                process.wait(wait)
                print(f"kill {k + 1}: the batch ended before the kill ({process.returncode})")
                break
            except subprocess.TimeoutExpired:
                pass
            running = [r["key"] for r in journal(out).get("runs", []) if r.get("state") == "running"]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            time.sleep(0.5)  # let the kernel reap the group
            now = finished(out)
            for name, inode in before.items():
                if now.get(name) != inode:
                    redone.add(name)
            seen.update(now)
            leftovers = len(list(out.glob(".tmp-*")))
            leftovers_seen += leftovers
            in_flight_total += len(running)
            print(f"kill {k + 1} after {wait:4.1f} s: {len(now):2d} done, {len(running)} in flight, "
                  f"{leftovers} half-written temp folders left", flush=True)
        before = finished(out)
        process = start(manifest, out, opts.workers, opts.device)
        _, err = process.communicate()
        after = finished(out)
        redone |= {name for name, inode in before.items() if after.get(name) != inode}
        runs = journal(out)["runs"]
        attempts = sum(r["attempts"] for r in runs)
        print(f"final run exit code {process.returncode}; wall {time.perf_counter() - started:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores")
        print(f"runs completed: {len(after)} of {opts.runs}")
        print(f"runs in flight at the kills: {in_flight_total}; attempts beyond one per run: {attempts - len(runs)}")
        print(f"runs redone beyond in flight (finished folders replaced): {len(redone)}")
        print(f"corrupt outputs: {len(corrupt(out))} {corrupt(out)}")
        print(f"half-written temp folders seen after kills: {leftovers_seen}; left at the end: {len(list(out.glob('.tmp-*')))}")
        states = {r['state'] for r in runs}
        print(f"journal states at the end: {sorted(states)}")


if __name__ == "__main__":
    main()
