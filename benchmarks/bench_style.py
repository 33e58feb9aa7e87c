"""Style transfer: content and style loss after N steps, and wall time, per perceiver and size.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_style.py [--steps 10] [--sizes 256 512] [--threads 1]
    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_style.py --pictures docs/images   # the docs grid

``--device`` (default cpu; auto, cpu, cuda or mps) is where the optimization runs.

Perceivers: VGG-19 with random-init weights (saved as a torchvision-format state dict, so
the real loading path runs; no ImageNet weights offline), the random shallow multi-scale
CNN (the offline default), EfficientNet-Lite0 (real weights, not resized). Content:
Chelsea the cat; style: the generated "swirls". Losses are the plugin's relative
distances (0 = match). Adam, lr 0.05, from the content photo. "wall s" includes building
(VGG: writing and loading a 548 MB state dict); "load" is the 1-minute load average (the
machine is shared, so compare rows measured under similar load).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from apophenic.plugins.style import DATA, PRESETS  # noqa: E402
from apophenic.plugins.style.recipe import transfer_recipe  # noqa: E402
from apophenic.plugins.style.runner import optimize  # noqa: E402
from apophenic.preset_loader import read_toml  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

PERCEIVERS = ["vgg19", "random-cnn", "efficientnet-lite0"]
LABELS = {"vgg19": "VGG-19 (random init)", "random-cnn": "random shallow CNN", "efficientnet-lite0": "EfficientNet-Lite0"}
STYLES = ["swirls", "mosaic", "bands"]
DEVICE = "cpu"  # set from --device in main


def random_vgg_weights(folder: Path) -> Path:
    """A torchvision-format vgg19 state dict with PyTorch's default random init."""
    from apophenic.plugins.core.vgg import VGG19

    torch.manual_seed(0)
    path = folder / "vgg19-random.pth"
    torch.save(VGG19(classifier=True).state_dict(), path)
    return path


def recipe(perceiver: str, style: str, size: int, steps: int, vgg: Path | None, style_weight: float | None = None) -> dict:
    data = read_toml(PRESETS / "style-random-net.toml")
    data = transfer_recipe(data, content=DATA / "chelsea.png", styles=[DATA / f"{style}.png"], perceiver=perceiver,
                           weights=vgg if perceiver == "vgg19" else None, size=size, optimizer="adam", lr=0.05,
                           style_weight=10.0 if style_weight is None else style_weight, device=DEVICE)
    data["optimizer"]["steps"] = steps
    data["objectives"] = [o for o in data["objectives"] if o["type"] != "total-variation"]
    return data


def terms(values: dict) -> tuple[float, float]:
    content = next(-v for k, v in values["terms"].items() if k.startswith("content"))
    style = next(-v for k, v in values["terms"].items() if k.startswith("style"))
    return content, style


def bench(steps: int, sizes: list[int], folder: Path) -> None:
    vgg = random_vgg_weights(folder)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); Adam lr 0.05, {steps} steps; "
          f"content chelsea, style swirls, style weight 10 (relative losses)", flush=True)
    print(f"{'perceiver':24s} {'size':>9s} {'content 0→N':>16s} {'style 0→N':>18s} {'s/step':>8s} {'wall s':>8s} {'load':>5s}", flush=True)
    for perceiver in PERCEIVERS:
        for size in sizes:
            log: list[dict] = []
            started = time.perf_counter()
            optimize(recipe(perceiver, "swirls", size, steps, vgg), None, perceiver, log=log)
            wall = time.perf_counter() - started
            (part,) = log
            c0, s0 = terms(part["start"])
            c1, s1 = terms(part["end"])
            h, w = part["size"]
            print(f"{LABELS[perceiver]:24s} {w:>4d}×{h:<4d} {c0:7.3f} → {c1:6.3f} {s0:8.3f} → {s1:7.4f} "
                  f"{part['seconds'] / max(1, steps):8.2f} {wall:8.1f} {os.getloadavg()[0]:5.1f}", flush=True)


def pictures(out: Path, steps: int, size: int, folder: Path) -> None:
    """docs/images/style-grid.png: the content photo in 3 styles × 3 perceivers."""
    from apophenic.output import to_pil
    from PIL import Image, ImageDraw

    vgg = random_vgg_weights(folder)
    tiles: dict[tuple[str, str], Image.Image] = {}
    for perceiver in PERCEIVERS:
        for style in STYLES:
            started = time.perf_counter()
            log: list[dict] = []
            image = optimize(recipe(perceiver, style, size, steps, vgg), None, perceiver, log=log)
            tiles[perceiver, style] = to_pil(image)
            c, s = terms(log[0]["end"])
            print(f"{perceiver:20s} {style:8s} content {c:.3f} style {s:.4f}  {time.perf_counter() - started:.1f} s", flush=True)
    w, h = tiles[PERCEIVERS[0], STYLES[0]].size
    label_w, label_h = 150, 24
    sheet = Image.new("RGB", (label_w + w * (len(STYLES) + 1), label_h + h * len(PERCEIVERS)), "white")
    draw = ImageDraw.Draw(sheet)
    content = Image.open(DATA / "chelsea.png").convert("RGB").resize((w, h))
    for j, style in enumerate(STYLES):
        draw.text((label_w + w * (j + 1) + 4, 6), style, fill="black")
    draw.text((label_w + 4, 6), "content", fill="black")
    for i, perceiver in enumerate(PERCEIVERS):
        y = label_h + h * i
        draw.text((4, y + h // 2 - 6), LABELS[perceiver], fill="black")
        sheet.paste(content, (label_w, y))
        for j, style in enumerate(STYLES):
            sheet.paste(tiles[perceiver, style], (label_w + w * (j + 1), y))
    strip = Image.new("RGB", (w * len(STYLES), h), "white")
    for j, style in enumerate(STYLES):
        strip.paste(Image.open(DATA / f"{style}.png").convert("RGB").resize((h, h)), (w * j + (w - h) // 2, 0))
    out.mkdir(parents=True, exist_ok=True)
    sheet.save(out / "style-grid.png")
    strip.save(out / "style-styles.png")
    print(out / "style-grid.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    parser.add_argument("--pictures", type=Path, default=None, help="Write the docs grid into this folder instead.")
    args = parser.parse_args()
    global DEVICE
    DEVICE = paired.check_run_device(args.device)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        if args.pictures:
            pictures(args.pictures, args.steps, args.sizes[0], Path(tmp))
        else:
            bench(args.steps, args.sizes, Path(tmp))


if __name__ == "__main__":
    main()
