"""The cheap CPU levers, each measured as a paired ratio: channels_last, torch.compile, inference_mode, threads.

    nice -n 10 python benchmarks/bench_levers.py --rounds 6            # all levers
    nice -n 10 python benchmarks/bench_levers.py --only compile         # one lever

Each lever is "lever on / lever off" on the same work, alternating step by step after a
warm-up (median of paired ratios, min–max, wall and CPU):

- channels_last: EfficientNet-Lite0 (``deep``, forward + backward to the pixels, 512²) and
  VGG-19 (Gatys layers ``relu1_1…relu5_1``, forward + backward, 256²), network and input
  in channels-last memory format.
- compile: ``torch.compile`` of Lite0's network (default mode), forward + backward at
  256²; the first call's compile time is printed separately.
- inference_mode: held-out scoring (Lite0 logits at 224², ``torch.inference_mode`` vs
  ``torch.no_grad``).
- threads: 2 threads vs 1 on the Lite0 step (the machine has 2 cores, shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402
import torch  # noqa: E402


def lite0(device):
    from apophenic.component import BuildContext
    from apophenic.plugins.core.perceivers import EfficientNetLite0Config

    return EfficientNetLite0Config(type="efficientnet-lite0", resize="none").build(BuildContext(device=device))


def gradient_step(perceiver, layers: list[str], image: torch.Tensor):
    def step() -> None:
        x = image.clone().requires_grad_(True)
        feats = perceiver.perceive(x, layers)
        torch.autograd.grad(sum(f.pow(2).mean() for f in feats.values()), x)

    return step


def channels_last(args, device) -> list[paired.Result]:
    from apophenic.plugins.core.vgg import VGG19, VGG19Perceiver

    out = []
    cases = [("Lite0 deep, 512²", lambda: lite0(device), ["deep"], 512),
             ("VGG-19 Gatys layers, 256²", lambda: VGG19Perceiver(VGG19(classifier=False), None).to(device),
              ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"], 256)]
    for title, make, layers, side in cases:
        plain, last = make(), make()
        last.to(memory_format=torch.channels_last)
        image = torch.rand(1, 3, side, side, device=device)
        sides = [paired.Side("channels_last", gradient_step(last, layers, image.contiguous(memory_format=torch.channels_last))),
                 paired.Side("contiguous", gradient_step(plain, layers, image))]
        out.append(paired.compare(sides, args.rounds, args.warmup, paired.device_sync(device), f"channels_last, {title}"))
    return out


def compile_lever(args, device) -> list[paired.Result]:
    plain, compiled = lite0(device), lite0(device)
    started = time.perf_counter()
    compiled.network = torch.compile(compiled.network)
    image = torch.rand(1, 3, 256, 256, device=device)
    step = gradient_step(compiled, ["deep"], image)
    step()  # the compile happens here
    print(f"torch.compile of Lite0's network: first forward + backward took {time.perf_counter() - started:.1f} s")
    sides = [paired.Side("compiled", step), paired.Side("eager", gradient_step(plain, ["deep"], image))]
    return [paired.compare(sides, args.rounds, args.warmup, paired.device_sync(device), "torch.compile, Lite0 deep, 256²")]


def inference_mode(args, device) -> list[paired.Result]:
    p = lite0(device)
    image = torch.rand(1, 3, 224, 224, device=device)

    def score(context):
        def step() -> None:
            with context():
                p.perceive(image, ["logits"])["logits"].softmax(-1)

        return step

    sides = [paired.Side("inference_mode", score(torch.inference_mode)), paired.Side("no_grad", score(torch.no_grad))]
    return [paired.compare(sides, args.rounds * 3, args.warmup, paired.device_sync(device), "held-out scoring, Lite0 logits 224²")]


def threads(args, device) -> list[paired.Result]:
    p = lite0(device)
    step = gradient_step(p, ["deep"], torch.rand(1, 3, 512, 512, device=device))

    def with_threads(n):
        def run() -> None:
            torch.set_num_threads(n)
            step()

        return run

    sides = [paired.Side("2 threads", with_threads(2)), paired.Side("1 thread", with_threads(1))]
    result = paired.compare(sides, args.rounds, args.warmup, paired.device_sync(device), "threads, Lite0 deep 512²")
    torch.set_num_threads(args.threads)
    return [result]


LEVERS = {"channels_last": channels_last, "compile": compile_lever, "inference_mode": inference_mode, "threads": threads}


def main() -> None:
    parser = paired.add_common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=6, warmup=1)
    parser.add_argument("--only", choices=list(LEVERS), nargs="+", default=list(LEVERS))
    args = parser.parse_args()
    device = paired.setup(args)
    results = {}
    for name in args.only:
        for i, result in enumerate(LEVERS[name](args, device)):
            result.print()
            results[f"{name}_{i}"] = result
    paired.write_json(args.json, results)


if __name__ == "__main__":
    main()
