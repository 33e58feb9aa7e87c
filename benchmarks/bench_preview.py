"""What the live preview costs: one preview (score every classifier + write preview.png) against one step.

    python benchmarks/bench_preview.py [--preset imagenet-class] [--pairs 12] [--every 10] [--device cpu]

Builds the preset's run once, warms up, then alternates one optimization step and one
preview (the run's own ``_show``: the target's probability on every classifier under
``torch.inference_mode`` and an atomic ``preview.png``) in the same process. Reported:
the median of the paired ratios preview / step with min-max, the CPU time of each, and
the overhead per step at ``output.preview_every = --every``. ``--device`` (default cpu;
auto, cpu, cuda or mps) is where the run works; on CUDA each side is timed to its end (synchronized).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="imagenet-class")
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    args = parser.parse_args()
    paired.check_run_device(args.device)

    from apophenic.build import build
    from apophenic.device import pick_device
    from apophenic.live import LiveFolder, StepClock
    from apophenic.loop import make_loss
    from apophenic.record import RunState
    from apophenic.run import _show
    from apophenic.runs import load_preset

    config, source = load_preset(args.preset, [f'device="{args.device}"'])
    sync = paired.device_sync(pick_device(args.device))
    parts = build(config, source)
    loss_fn = make_loss(parts)
    live = LiveFolder(Path(tempfile.mkdtemp()) / "run").open()
    clock = StepClock()

    def step(i: int) -> None:
        parts.optimizer.step(loss_fn)
        parts.generator.constrain()

    def show(i: int) -> None:
        _show(live, parts, RunState(i, 100, 0.0, config, parts.generator, live.final), clock, "bench")

    for i in range(2):  # warm-up
        step(i)
        show(i)
    ratios, walls, cpus = [], {"step": [], "preview": []}, {"step": [], "preview": []}
    for i in range(args.pairs):
        for name, fn in (("step", step), ("preview", show)) if i % 2 == 0 else (("preview", show), ("step", step)):
            w, c = time.perf_counter(), time.process_time()
            fn(i)
            sync()
            walls[name].append(time.perf_counter() - w)
            cpus[name].append(time.process_time() - c)
        ratios.append(walls["preview"][-1] / walls["step"][-1])
    med = statistics.median(ratios)
    print(f"{args.preset} at {config.hw[1]}x{config.hw[0]}, {len(parts.ensemble.perceivers)} classifiers, "
          f"{parts.augmentations} views/step, {args.pairs} pairs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"preview / step: median {med:.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}); "
          f"median wall step {statistics.median(walls['step']):.3f} s, preview {statistics.median(walls['preview']):.3f} s; "
          f"CPU step {statistics.median(cpus['step']):.3f} s, preview {statistics.median(cpus['preview']):.3f} s")
    print(f"overhead at preview_every = {args.every}: {100 * med / args.every:.1f} % of the run's step time")


if __name__ == "__main__":
    main()
