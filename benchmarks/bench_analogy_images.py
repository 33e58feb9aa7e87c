"""Three image analogies A : B :: C : ?, answered by optimizing a picture D towards
embed(B) − embed(A) + embed(C) in EfficientNet-Lite's 1280-d pooled embedding.

    python benchmarks/bench_analogy_images.py [--steps 150] [--out docs/images] [--device cpu]

For each analogy prints the cosine of embed(D) to the target before and after
optimization for the two optimized perceivers (Lite0, Lite1) and the held-out
Lite2, next to two references: C itself (the lazy answer) and the answer a
person would give (R). Writes a strip A | B | C | D | R per analogy.
``--device`` (default cpu; auto, cpu, cuda or mps) is where the runs and the scoring perceivers work.
The strokes analogy's numbers in docs/analogy.md came from --steps 120, the others from the presets' 100.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

from apophenic.plugins.analogy.objective import analogy_target, embed, load_image  # noqa: E402
from apophenic.plugins.analogy.shapes import shape_image  # noqa: E402
from apophenic.presets import load  # noqa: E402
from apophenic.run import execute  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

SIZE = 224


def _save(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(array).save(path)
    return path


def make_inputs(folder: Path) -> list[dict]:
    """The three analogies: shapes (Fourier image), shapes (strokes drawing), photos (Fourier image)."""
    import skimage.data
    from skimage.color import gray2rgb, rgb2gray

    def grey(x: np.ndarray) -> np.ndarray:
        return (gray2rgb(rgb2gray(x)) * 255).astype(np.uint8)

    s = {f"{c}-{sh}": _save(shape_image(sh, c, SIZE), folder / f"{c}-{sh}.png")
         for c in ("red", "blue") for sh in ("circle", "square")}
    chelsea, coffee = skimage.data.chelsea(), skimage.data.coffee()
    photos = {
        "chelsea": _save(chelsea, folder / "chelsea.png"),
        "chelsea-grey": _save(grey(chelsea), folder / "chelsea-grey.png"),
        "coffee": _save(coffee, folder / "coffee.png"),
        "coffee-grey": _save(grey(coffee), folder / "coffee-grey.png"),
    }
    return [
        {"name": "colour", "preset": "analogy-image", "abc": [s["red-circle"], s["blue-circle"], s["red-square"]], "ref": s["blue-square"],
         "text": "red circle : blue circle :: red square : ?"},
        {"name": "shape-strokes", "preset": "analogy-strokes", "abc": [s["red-circle"], s["red-square"], s["blue-circle"]], "ref": s["blue-square"],
         "text": "red circle : red square :: blue circle : ? (a stroke drawing)"},
        {"name": "greyscale", "preset": "analogy-image", "abc": [photos["chelsea"], photos["chelsea-grey"], photos["coffee"]], "ref": photos["coffee-grey"],
         "text": "cat : grey cat :: coffee : ?"},
    ]


def perceivers(device: str):
    from apophenic.component import BuildContext
    from apophenic.device import pick_device
    from apophenic.registry import get_registry

    registry = get_registry()
    ctx = BuildContext(size=(SIZE, SIZE), device=pick_device(device))
    out = {}
    for name, resize in (("efficientnet-lite0", "native"), ("efficientnet-lite1", 224), ("efficientnet-lite2", "native")):
        config = registry.config("perceiver", name)(type=name, resize=resize)
        out[name] = config.build(ctx).eval()
    return out


def cosines(nets, images: dict[str, torch.Tensor], candidate: torch.Tensor) -> dict[str, float]:
    result = {}
    for name, net in nets.items():
        e = {k: embed(net, v, "pool")[0] for k, v in images.items()}
        target = analogy_target(e["a"], e["b"], e["c"])
        result[name] = float(F.cosine_similarity(embed(net, candidate, "pool")[0], target, dim=0))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the presets')")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    parser.add_argument("--only", nargs="*", default=None, help="analogy names to run (colour, shape-strokes, greyscale)")
    args = parser.parse_args()
    paired.check_run_device(args.device)
    torch.set_num_threads(1)
    nets = perceivers(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for item in make_inputs(tmp):
            if args.only and item["name"] not in args.only:
                continue
            images = {k: load_image(p, (SIZE, SIZE)) for k, p in zip("abc", item["abc"])}
            overrides = [f'objectives[0].{k}="{p}"' for k, p in zip("abc", item["abc"])] + [f'device="{args.device}"']
            if args.steps:
                overrides.append(f"optimizer.steps={args.steps}")
            config, source = load(item["preset"], overrides)
            t = time.time()
            result = execute(config, tmp / "runs", source, progress=False, preset=item["preset"])
            seconds = time.time() - t
            final = result.images[:1].float().cpu()
            from apophenic.run import build

            start = build(config, source).generator.render().detach()[:1].cpu()  # the seeded starting picture
            ref = load_image(item["ref"], (SIZE, SIZE))
            rows = {"start D": cosines(nets, images, start), "final D": cosines(nets, images, final),
                    "C itself": cosines(nets, images, images["c"]), "reference R": cosines(nets, images, ref)}
            print(f"\n{item['text']}  [{item['preset']}, {config.optimizer.steps} steps, {seconds:.0f} s]")
            print("| picture | lite0 | lite1 | lite2 (held out) |\n|---|---|---|---|")
            for label, values in rows.items():
                print(f"| {label} | " + " | ".join(f"{values[n]:.3f}" for n in nets) + " |")
            strip = torch.cat([images["a"], images["b"], images["c"], final, ref], dim=3)[0]
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"analogy-image-{item['name']}.png"
            Image.fromarray((strip.permute(1, 2, 0).clamp(0, 1).numpy() * 255).round().astype(np.uint8)).save(path)
            print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
