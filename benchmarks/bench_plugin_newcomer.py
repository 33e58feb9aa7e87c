"""The plugin newcomer path, timed: from `apophenic plugins new demo` to a rendered picture.

Runs the three commands the docs promise, in a throwaway venv that sees the
installed apophenic (so nothing leaks into this environment), and prints the
number of commands and each one's wall time. pip runs offline
(`--no-deps --no-build-isolation`) here; a newcomer types `pip install -e demo`.

    python benchmarks/bench_plugin_newcomer.py [--kind generator|perceiver|objective] [--steps N] [--device auto]

``--device`` (default auto: no ``--device`` on the command, as a user types it; auto, cpu, cuda or mps) goes to
`apophenic run demo`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402


def see_this_environment(python: str) -> None:
    """Let the throwaway venv import what this interpreter has (with its .pth files: editable installs).

    ``system_site_packages`` only reaches the base Python's packages, not those of a venv this
    script runs from.
    """
    here = sysconfig.get_paths()["purelib"]
    there = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    Path(there).mkdir(parents=True, exist_ok=True)
    (Path(there) / "parent-environment.pth").write_text(f"import site; site.addsitedir({here!r})\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="generator", choices=["generator", "perceiver", "objective"])
    parser.add_argument("--steps", type=int, default=None, help="override the preset's steps (default: as shipped)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps; default auto (no --device given to the run)")
    args = parser.parse_args()
    paired.check_run_device(args.device)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    env.pop("APOPHENIC_LOAD_PLUGINS", None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        venv.EnvBuilder(system_site_packages=True, with_pip=False).create(work / "venv")
        python = str(work / "venv" / "bin" / "python")
        see_this_environment(python)
        run_args = (["run", "demo"] + (["--steps", str(args.steps)] if args.steps else [])
                    + (["--device", args.device] if args.device != "auto" else []) + ["--quiet"])
        commands = [
            ("apophenic plugins new demo --kind " + args.kind, [python, "-m", "apophenic.cli", "plugins", "new", "demo",
                                                                "--kind", args.kind]),
            ("pip install -e demo", [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e",
                                     "./demo"]),
            ("apophenic " + " ".join(run_args), [python, "-m", "apophenic.cli", *run_args]),
        ]
        total = 0.0
        try:
            for shown, cmd in commands:
                start = time.perf_counter()
                done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
                took = time.perf_counter() - start
                total += took
                print(f"{took:7.1f} s  {shown}")
                if done.returncode != 0:
                    sys.exit(f"failed: {shown}\n{done.stderr}")
            pictures = sorted(work.glob("apophenic-out/*/final.png"))
            print(f"commands: {len(commands)}  total: {total:.1f} s  picture: {'yes' if pictures else 'NO'}")
        finally:
            subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "apophenic-demo"], env=env,
                           capture_output=True)


if __name__ == "__main__":
    main()
