"""Paired benchmarks that stay true on a loaded machine.

Two (or more) sides of a comparison run in one process, alternating step by
step after a warm-up: round ``i`` runs every side once, in an order rotated by
``i`` so no side always follows the same neighbour. Background load then hits
both sides of a round alike, and the ratio *within* a round is what is
reported: the median of the paired ratios, with their min and max, for wall
time and for CPU time (``time.process_time``: every thread of this process,
plus finished child processes, so a side that waits on a busy machine is not
charged for the wait). The
machine load (``os.getloadavg``) is printed before and after.

    from paired import Side, compare, add_device_argument, device_sync

    result = compare([Side("ours", step_a), Side("theirs", step_b)], rounds=10, warmup=2,
                     sync=device_sync(device))
    result.print()

Run a benchmark script from the repository root (``python benchmarks/x.py``):
the script's folder is on ``sys.path``, so ``import paired`` works.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any


@dataclass
class Side:
    """One side of a comparison.

    :param name: short label printed in the table.
    :param run: one timed step. It returns nothing, or the value ``prepare`` handed it.
    :param prepare: optional untimed set-up before every step (fresh tensors that need
        gradients, a cleared cache); its return value is passed to ``run``.
    """

    name: str
    run: Callable[..., Any]
    prepare: Callable[[], Any] | None = None

    def step(self, sync: Callable[[], None]) -> tuple[float, float, int]:
        """Wall seconds, CPU seconds and minor page faults of one step."""
        arg = self.prepare() if self.prepare is not None else None
        sync()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu = _cpu_seconds()
        wall = time.perf_counter()
        if self.prepare is not None:
            self.run(arg)
        else:
            self.run()
        sync()
        wall = time.perf_counter() - wall
        cpu = _cpu_seconds() - cpu
        return wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults


def _cpu_seconds() -> float:
    """CPU seconds of this process (every thread) plus its finished child processes (a side that runs a CLI)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Spread:
    """Median, min and max of a list of numbers."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        return cls(statistics.median(values), min(values), max(values))

    def ratio(self) -> str:
        return f"{self.median:.2f}× ({self.low:.2f}–{self.high:.2f})"

    def ms(self) -> str:
        return f"{self.median * 1e3:.1f} ms ({self.low * 1e3:.1f}–{self.high * 1e3:.1f})"


@dataclass
class Result:
    """Per-step measurements of every side, and the paired ratios against the reference side."""

    title: str
    names: list[str]
    reference: str
    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]
    faults: dict[str, list[int]]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    warmup: int
    extra: dict[str, Any] = field(default_factory=dict)

    def ratios(self, name: str, kind: str = "wall") -> Spread:
        """``name`` over the reference side, paired round by round."""
        times = self.wall if kind == "wall" else self.cpu
        ref = times[self.reference]
        return Spread.of([a / b for a, b in zip(times[name], ref) if b > 0])

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "reference": self.reference, "rounds": len(self.wall[self.reference]),
                               "warmup": self.warmup, "load_before": self.load_before, "load_after": self.load_after,
                               "cores": os.cpu_count(), **self.extra}
        for name in self.names:
            out[name] = {
                "wall_s": Spread.of(self.wall[name]).__dict__,
                "cpu_s": Spread.of(self.cpu[name]).__dict__,
                "minor_faults": statistics.median(self.faults[name]),
            }
            if name != self.reference:
                out[name]["wall_ratio"] = self.ratios(name).__dict__
                out[name]["cpu_ratio"] = self.ratios(name, "cpu").__dict__
        return out

    def print(self) -> None:
        rounds = len(self.wall[self.reference])
        print(f"== {self.title}: {rounds} paired rounds after {self.warmup} warm-up, step by step ==")
        width = max(len(n) for n in self.names)
        print(f"  {'side':<{width}}  {'wall median (min–max)':>28}  {'CPU median (min–max)':>28}  {'minor faults':>12}")
        for name in self.names:
            print(f"  {name:<{width}}  {Spread.of(self.wall[name]).ms():>28}  {Spread.of(self.cpu[name]).ms():>28}"
                  f"  {statistics.median(self.faults[name]):>12.0f}")
        for name in self.names:
            if name != self.reference:
                print(f"  {name} / {self.reference}: wall {self.ratios(name).ratio()}, CPU {self.ratios(name, 'cpu').ratio()}"
                      "  (median of paired ratios, min–max)")
        print(f"  {load_line(self.load_before, self.load_after)}")


def machine_load() -> tuple[float, float, float]:
    """1, 5 and 15 minute load averages."""
    try:
        return os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return (float("nan"),) * 3


def load_line(before: tuple[float, float, float], after: tuple[float, float, float] | None = None) -> str:
    """``machine load (1/5/15 min): ... before, ... after, N cores``."""
    fmt = lambda t: "/".join(f"{x:.2f}" for x in t)  # noqa: E731
    text = f"machine load (1/5/15 min): {fmt(before)} before"
    if after is not None:
        text += f", {fmt(after)} after"
    return text + f"; {os.cpu_count()} cores"


def _no_sync() -> None:
    return None


def device_sync(device: Any) -> Callable[[], None]:
    """What to call around a timed step so asynchronous device work is counted (CUDA), else nothing."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    if device.type == "mps":  # pragma: no cover - not on our machines
        return torch.mps.synchronize
    return _no_sync


def compare(
    sides: list[Side],
    rounds: int = 10,
    warmup: int = 2,
    sync: Callable[[], None] = _no_sync,
    title: str = "paired comparison",
    reference: str | None = None,
    max_seconds: float | None = None,
    min_rounds: int = 3,
) -> Result:
    """Run every side ``warmup`` times (untimed), then ``rounds`` rounds of one step each.

    :param reference: the side the others are divided by (default: the last one, so
        "ours / theirs" reads as the first side over the second).
    :param max_seconds: stop after this much wall time once ``min_rounds`` rounds are in.
    """
    if len(sides) < 1 or len({s.name for s in sides}) != len(sides):
        raise ValueError("compare needs sides with distinct names")
    names = [s.name for s in sides]
    reference = reference or names[-1]
    for _ in range(warmup):
        for side in sides:
            side.step(sync)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    faults: dict[str, list[int]] = {n: [] for n in names}
    before = machine_load()
    started = time.perf_counter()
    for i in range(rounds):
        order = sides[i % len(sides):] + sides[: i % len(sides)]
        for side in order:
            w, c, f = side.step(sync)
            wall[side.name].append(w)
            cpu[side.name].append(c)
            faults[side.name].append(f)
        if max_seconds is not None and i + 1 >= min_rounds and time.perf_counter() - started > max_seconds:
            break
    return Result(title, names, reference, wall, cpu, faults, before, machine_load(), warmup)


def add_device_argument(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--device`` (default cpu); check it with :func:`check_device`."""
    parser.add_argument("--device", default="cpu", help="torch device to run on (cpu, cuda, cuda:1); default cpu")
    return parser


def add_common_arguments(parser: argparse.ArgumentParser, rounds: int = 10, warmup: int = 2) -> argparse.ArgumentParser:
    """``--device``, ``--threads``, ``--rounds``, ``--warmup`` and ``--json`` for a benchmark script."""
    add_device_argument(parser)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--rounds", type=int, default=rounds, help=f"paired rounds after the warm-up (default {rounds})")
    parser.add_argument("--warmup", type=int, default=warmup, help=f"untimed warm-up steps per side (default {warmup})")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    return parser


def setup(args: argparse.Namespace) -> Any:
    """Apply ``--threads`` and check ``--device``; returns the ``torch.device``. Exits 2 with one line if unusable."""
    import torch

    device = check_device(args.device)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, device {device}, threads {torch.get_num_threads()}; {load_line(machine_load())}")
    return device


def check_device(name: str) -> Any:
    """``torch.device(name)``, or one line on stderr and exit 2 when it is not a device or not on this machine."""
    import sys

    import torch

    try:
        device = torch.device(name)
    except RuntimeError as exc:
        print(f"--device {name!r}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        print(f"--device {name}: CUDA is not available on this machine", file=sys.stderr)
        raise SystemExit(2)
    return device


#: What a run's ``device`` (a preset, ``--device`` of the CLI, ``with_options``) accepts.
RUN_DEVICES = ("auto", "cpu", "cuda", "mps")


def check_run_device(name: str) -> str:
    """``name`` when a run can use it (auto, cpu, cuda, mps; checked like :func:`check_device`), else one line and exit 2.

    For benchmarks that go through presets or the CLI, which take no device index (``cuda:1``).
    """
    import sys

    if name not in RUN_DEVICES:
        print(f"--device {name!r}: a run takes {', '.join(RUN_DEVICES)}", file=sys.stderr)
        raise SystemExit(2)
    if name != "auto":
        check_device(name)
    return name


def write_json(path: str | None, results: dict[str, Any]) -> None:
    """Write ``results`` (``Result`` objects become dicts) to ``path`` when given."""
    if not path:
        return
    plain = {k: (v.as_dict() if isinstance(v, Result) else v) for k, v in results.items()}
    with open(path, "w") as f:
        json.dump(plain, f, indent=2, default=float)
    print(f"results: {path}")
