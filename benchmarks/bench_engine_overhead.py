"""Engine overhead: one engine step of the `imagenet-class` preset vs a bare
forward+backward of the same ensemble on the same batch, alternated step by step.

    python benchmarks/bench_engine_overhead.py [--rounds 12] [--warmup 2] [--threads 2] [--device cpu]

The bare baseline feeds a fixed batch (the preset's augmentations × image size,
resized to each network's native input) through EfficientNet-Lite0 and -Lite1
and backpropagates the target log-probability to the input: the least any
engine could do per step. The engine step (``optimize_steps`` for one step, on
parts built from the preset) adds rendering the Fourier image, the transforms,
layer taps, the objective algebra, Adam and the generator's constraint; it
leaves out the run folder's per-step bookkeeping (progress bar, snapshots,
``on_step`` hooks), which ``execute`` adds.

Both sides are built once, warmed up (the first steps allocate and pick
kernels), then alternated one step at a time in one process
(benchmarks/paired.py): the ratio is the median of paired ratios, with
min–max, for wall and CPU time, next to the machine load.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import paired  # noqa: E402
from apophenic.loop import build, make_loss, optimize_steps  # noqa: E402
from apophenic.plugins.core.efficientnet import VARIANTS, load_network  # noqa: E402
from apophenic.preset_loader import load  # noqa: E402


def bare_step(device: torch.device, batch: int, size: int):
    """One forward+backward of Lite0 and Lite1 on a fixed batch, as a callable."""
    nets = {v: load_network(v).to(device).eval() for v in ("lite0", "lite1")}
    for net in nets.values():
        for p in net.parameters():
            p.requires_grad_(False)
    x = torch.rand(batch, 3, size, size, device=device, requires_grad=True)

    def step() -> None:
        loss = 0.0
        for v, net in nets.items():
            n = VARIANTS[v].input_size
            inp = F.interpolate(x, size=(n, n), mode="bilinear", align_corners=False)
            loss = loss - net((inp * 255 - 127) / 128).log_softmax(-1)[:, 1].mean()
        x.grad = None
        loss.backward()

    return step


def engine_step(config):
    """One optimization step of the preset through the engine's loop, as a callable."""
    parts = build(config)
    loss_fn = make_loss(parts)
    counter = [0]

    def step() -> None:
        # Steps past the configured count would only change the progress the generator is
        # told; keep within 1..steps so every step is a normal one.
        counter[0] = counter[0] % parts.steps + 1
        optimize_steps(parts, loss_fn, lambda step, loss: None, counter[0], counter[0])

    return step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    paired.add_common_arguments(parser, rounds=12, warmup=2)
    args = parser.parse_args(argv)
    device = paired.setup(args)
    config, _ = load("imagenet-class", [f"device={device.type}", "optimizer.steps=1000"])
    sides = [
        paired.Side("engine step", engine_step(config)),
        paired.Side("bare forward+backward", bare_step(device, config.augmentations, config.hw[0])),
    ]
    title = f"imagenet-class, batch {config.augmentations}×{config.hw[0]}² (lite0+lite1), {device}, {args.threads} threads"
    result = paired.compare(sides, rounds=args.rounds, warmup=args.warmup, sync=paired.device_sync(device), title=title)
    result.print()
    ratio = result.ratios("engine step")
    print(f"overhead: {100 * (ratio.median - 1):+.1f} % (paired, min {100 * (ratio.low - 1):+.1f} %, max {100 * (ratio.high - 1):+.1f} %)")
    paired.write_json(args.json, {"engine_overhead": result})


if __name__ == "__main__":
    main(sys.argv[1:])
