"""DeepDream per full-size step: the engine's `deepdream` optimizer beside a plain notebook-style loop.

    nice -n 10 python benchmarks/bench_dream_step.py --size 1024x683 --rounds 8
    nice -n 10 python benchmarks/bench_dream_step.py --size 2048x1536 --rounds 3   # tiled (tile 1024)

Both sides dream EfficientNet-Lite0's ``deep`` layer (l2) on coffee at ``--size``, one
step at full size: jitter by up to 32 px, gradient, normalized step of 0.012, clamp.
"apophenic" runs the engine (``dream-deep`` preset, one octave, one step per call:
tiles, finite checks, write-back to the photo generator, constrain); "notebook" is
the loop a DeepDream notebook writes, on the network as the package ships it (batch
norms unfolded, ``stem`` and ``blocks[:11]`` in a Sequential), untiled. At sizes above
the tile the engine tiles and the notebook does not: the ratio then is the price of
tiling (and of bounded memory). Median of paired ratios, min–max, wall and CPU.
The notebook builds its network from the package's EfficientNet module, so a change inside
that module (padding, in-place ReLU6) speeds both sides; ``bench_dream_trees.py`` measures
the engine against an earlier commit instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402
import torch  # noqa: E402

STEP_SIZE, JITTER = 0.012, 32


def photo(folder: Path, w: int, h: int) -> Path:
    import skimage.data
    from PIL import Image

    path = folder / f"coffee-{w}x{h}.png"
    Image.fromarray(skimage.data.coffee()).resize((w, h), Image.LANCZOS).save(path)
    return path


def engine_side(path: Path, device: str, tile: int):
    from apophenic.config import validate
    from apophenic.loop import build, make_loss, optimize_steps
    from apophenic.preset_loader import load_data
    from apophenic.registry import get_registry

    registry = get_registry()
    data, source = load_data("dream-deep", [f'generator.path="{path}"', "optimizer.steps=1", "optimizer.octaves=1",
                                            f"optimizer.tile={tile}", f'device="{device}"'], registry)
    pipeline = build(validate(data, registry, source), source)
    loss_fn = make_loss(pipeline)
    return lambda: optimize_steps(pipeline, loss_fn, lambda step, loss: None), pipeline


def notebook_side(image: torch.Tensor, device: str):
    from apophenic.plugins.core.efficientnet import load_network

    net = load_network("lite0").to(device).requires_grad_(False)
    model = torch.nn.Sequential(net.stem, net.blocks[:11])  # up to blocks.10, the `deep` alias
    state = {"image": image.clone().to(device)}
    rng = torch.Generator().manual_seed(0)

    def step() -> None:
        img = state["image"]
        dy, dx = (int(v) for v in torch.randint(-JITTER, JITTER + 1, (2,), generator=rng))
        x = torch.roll(img, (dy, dx), (2, 3)).requires_grad_(True)
        loss = model((x * 255.0 - 127.0) / 128.0).pow(2).mean()
        loss.backward()
        g = torch.roll(x.grad, (-dy, -dx), (2, 3))
        state["image"] = (img + STEP_SIZE * g / (g.abs().mean() + 1e-8)).clamp(0, 1)

    return step


def main() -> None:
    parser = paired.add_common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=8, warmup=1)
    parser.add_argument("--size", default="1024x683", help="WxH of the photo (default 1024x683)")
    parser.add_argument("--tile", type=int, default=1024, help="the engine's tile (default 1024, the preset's)")
    args = parser.parse_args()
    device = paired.setup(args)
    w, h = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        path = photo(Path(tmp), w, h)
        ours, pipeline = engine_side(path, str(device), args.tile)
        theirs = notebook_side(pipeline.generator.pixels.detach(), str(device))
        tiled = "tiled" if max(w, h) > args.tile else "one window"
        result = paired.compare([paired.Side("apophenic", ours), paired.Side("notebook", theirs)], rounds=args.rounds,
                                warmup=args.warmup, sync=paired.device_sync(device),
                                title=f"DeepDream step, Lite0 deep, {w}×{h} ({tiled}, tile {args.tile})")
        result.print()
    paired.write_json(args.json, {"dream_step": result})


if __name__ == "__main__":
    main()
