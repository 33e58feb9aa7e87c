"""DeepDream per full-size step: this tree against an earlier commit, alternated step by step.

    nice -n 10 python benchmarks/bench_dream_trees.py --before a1e6e4f --size 2048x1536 --rounds 3
    nice -n 10 python benchmarks/bench_dream_trees.py --before a1e6e4f --size 4000x3000 --rounds 2

Two Python modules of one name cannot live in one process, so each tree runs in its own
child process (the earlier one from ``git archive COMMIT``, its package folders first on
``sys.path``), both warm, and this process alternates them: round ``i`` asks each child for
one step, in rotated order, as ``paired.py`` does. A step is the engine side of
``bench_dream_step.py``: the ``dream-deep`` preset, one octave, one step at full size
(tiles of ``--tile``). Each child times its own step (wall, CPU, minor faults) and reports
its peak RSS at the end. Median of paired ratios, min–max.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import paired  # noqa: E402

ROOT = HERE.parent


def package_folder(tree: Path, into: Path) -> Path:
    """A folder holding ``apophenic`` laid out as pyproject's package-dir maps it (links into ``tree``)."""
    pkg = into / "apophenic"
    pkg.mkdir(parents=True)
    for item in (tree / "engine").iterdir():
        (pkg / item.name).symlink_to(item)
    for name, folder in (("plugins", "plugins"), ("renderers", "renderers"), ("presets", "presets")):
        (pkg / name).symlink_to(tree / folder)
    return into


def child(args: argparse.Namespace) -> None:
    """Build the engine side, then do one step per line read; answer with a JSON line each."""
    import torch

    torch.set_num_threads(args.threads)
    import bench_dream_step

    import apophenic

    step, _ = bench_dream_step.engine_side(Path(args.photo), args.device, args.tile)
    sync = paired.device_sync(args.device)
    print(json.dumps({"ready": str(Path(apophenic.__file__).resolve().parent)}), flush=True)
    for line in sys.stdin:
        if line.strip() == "peak":
            print(json.dumps({"peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}), flush=True)
            continue
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu, wall = time.process_time(), time.perf_counter()
        step()
        sync()
        print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                          "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults}), flush=True)


class Tree:
    """One child process running the engine of one tree."""

    def __init__(self, name: str, path_first: Path | None, args: argparse.Namespace, photo: Path) -> None:
        env = dict(os.environ)
        if path_first is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(path_first), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", "--photo", str(photo), "--device", args.device, "--tile", str(args.tile),
             "--threads", str(args.threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.folder = self.ask(None)["ready"]
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.faults: list[int] = []

    def ask(self, line: str | None) -> dict:
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.name}: the child process ended (exit {self.proc.wait()})")
        return json.loads(answer)

    def step(self, keep: bool) -> None:
        got = self.ask("step")
        if keep:
            self.wall.append(got["wall"])
            self.cpu.append(got["cpu"])
            self.faults.append(got["faults"])

    def close(self) -> float:
        peak = self.ask("peak")["peak_rss_gib"]
        self.proc.stdin.close()
        self.proc.wait()
        return peak


def main() -> None:
    parser = paired.add_common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=3, warmup=1)
    parser.add_argument("--before", default="a1e6e4f", help="the earlier commit (default a1e6e4f, issue 18's before)")
    parser.add_argument("--size", default="2048x1536", help="WxH of the photo (default 2048x1536)")
    parser.add_argument("--tile", type=int, default=1024, help="the engine's tile (default 1024, the preset's)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--photo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    device = paired.setup(args)
    w, h = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        import bench_dream_step

        photo = bench_dream_step.photo(tmp, w, h)
        old_tree = tmp / "before"
        old_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        trees = [Tree("this tree", None, args, photo), Tree(f"{args.before}", package_folder(old_tree, tmp / "path"), args, photo)]
        for t in trees:
            print(f"  {t.name}: apophenic from {t.folder}")
        for _ in range(args.warmup):
            for t in trees:
                t.step(keep=False)
        before = paired.machine_load()
        for i in range(args.rounds):
            for t in trees[i % 2:] + trees[: i % 2]:
                t.step(keep=True)
        after = paired.machine_load()
        peaks = {t.name: t.close() for t in trees}
    result = paired.Result(f"DeepDream full-size step, Lite0 deep, {w}×{h}, tile {args.tile}: this tree vs {args.before}",
                           [t.name for t in trees], trees[1].name, {t.name: t.wall for t in trees},
                           {t.name: t.cpu for t in trees}, {t.name: t.faults for t in trees}, before, after, args.warmup,
                           extra={"peak_rss_gib": peaks})
    result.print()
    for name, peak in peaks.items():
        print(f"  peak RSS {name}: {peak:.2f} GiB")
    speedup = paired.Spread.of([b / a for a, b in zip(trees[0].wall, trees[1].wall)])
    print(f"  speed-up ({args.before} / this tree, wall): {speedup.ratio()}")
    paired.write_json(args.json, {"dream_trees": result})


if __name__ == "__main__":
    main()
