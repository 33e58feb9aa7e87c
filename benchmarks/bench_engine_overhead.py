"""Engine overhead: seconds per step of `apophenic run imagenet-class` vs a bare
forward+backward of the same ensemble on the same batch, side by side.

    python benchmarks/bench_engine_overhead.py [--steps 20] [--threads 2]

The bare baseline feeds a fixed batch (the preset's augmentations × image size,
resized to each network's native input) through EfficientNet-Lite0 and -Lite1
and backpropagates the target log-probability to the input: the least any
engine could do per step. The engine step adds rendering the Fourier image, the
transforms, layer taps, the objective algebra and Adam.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from apophenic.plugins.core.efficientnet import VARIANTS, load_network  # noqa: E402
from apophenic.preset_loader import load  # noqa: E402
from apophenic.run import execute  # noqa: E402


def bare(steps: int, batch: int, size: int) -> float:
    nets = {v: load_network(v) for v in ("lite0", "lite1")}
    for net in nets.values():
        for p in net.parameters():
            p.requires_grad_(False)
    x = torch.rand(batch, 3, size, size, requires_grad=True)
    def step():
        loss = 0.0
        for v, net in nets.items():
            n = VARIANTS[v].input_size
            inp = F.interpolate(x, size=(n, n), mode="bilinear", align_corners=False)
            loss = loss - net((inp * 255 - 127) / 128).log_softmax(-1)[:, 1].mean()
        x.grad = None
        loss.backward()
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def engine(steps: int) -> float:
    config, source = load("imagenet-class", [f"optimizer.steps={steps}"])
    with tempfile.TemporaryDirectory() as tmp:
        record = execute(config, Path(tmp), source=source, progress=False).record
    return record["timings"]["optimize"] / steps, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="Alternate engine and bare this many times; report medians.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    engine_times, bare_times = [], []
    for _ in range(args.rounds):  # interleaved, so background load hits both alike
        per_step_engine, config = engine(args.steps)
        engine_times.append(per_step_engine)
        bare_times.append(bare(args.steps, config.augmentations, config.hw[0]))
    e, b = statistics.median(engine_times), statistics.median(bare_times)
    print(f"threads={args.threads} steps={args.steps} rounds={args.rounds} batch={config.augmentations}×{config.hw[0]}²  (lite0+lite1)")
    print(f"bare forward+backward : {b:.3f} s/step  (rounds: {', '.join(f'{t:.3f}' for t in bare_times)})")
    print(f"engine step           : {e:.3f} s/step  (rounds: {', '.join(f'{t:.3f}' for t in engine_times)})")
    print(f"overhead              : {100 * (e / b - 1):+.1f} %")


if __name__ == "__main__":
    main()
