"""DeepDream and activation maximization, measured: layer response, held-out class probability, time and memory.

    python benchmarks/bench_dream.py layers     # dream-shallow vs dream-deep on chelsea; docs picture
    python benchmarks/bench_dream.py classes    # 5 ImageNet classes from noise; held-out Lite2 before/after
    python benchmarks/bench_dream.py size       # wall time and peak RSS: 1024² and 4000×3000 (tiled) dreams
    python benchmarks/bench_dream.py seams      # a crop across tile borders of the 4000×3000 dream (after `size`)

Prints one line per number. Sizes run `apophenic dream` in a child process so
peak RSS is that run's alone. Set ``BENCH_THREADS`` (default 2).
``--device`` (default cpu; auto, cpu, cuda or mps) is where the runs and the layer
measurements work; on CUDA `size` also prints the child's peak ``max_memory_allocated``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/bench-dream"))
DOCS = Path(__file__).resolve().parent.parent / "docs" / "images"
CLASSES = os.environ.get("BENCH_CLASSES", "goldfish,flamingo,monarch,pizza,lighthouse").split(",")
DEVICE = "cpu"  # set from --device in main


def _run(preset: str, overrides: list[str], out: Path):
    from apophenic.config import validate
    from apophenic.preset_loader import load_data
    from apophenic.registry import get_registry
    from apophenic.run import execute
    from apophenic.runs import with_options

    registry = get_registry()
    data, source = load_data(preset, overrides, registry)
    config = validate(with_options(data, device=DEVICE), registry, source)
    return execute(config, out, source=source, registry=registry, progress=False, preset=preset), config


@torch.no_grad()
def _mean_activation(image: torch.Tensor, layer: str) -> tuple[str, float]:
    from apophenic.component import BuildContext
    from apophenic.device import pick_device
    from apophenic.plugins.core.perceivers import EfficientNetLite0Config

    device = pick_device(DEVICE)
    lite0 = EfficientNetLite0Config(type="efficientnet-lite0", resize="none").build(BuildContext(device=device))
    exact = lite0.resolve_layer(layer)
    return exact, float(lite0.perceive(image.to(device), [exact])[exact].mean())


@torch.no_grad()
def _mean_square(image: torch.Tensor, layer: str) -> float:
    """The layer's response as DeepDream's l2 objective sees it (block outputs are signed, so the plain mean is not)."""
    from apophenic.component import BuildContext
    from apophenic.device import pick_device
    from apophenic.plugins.core.perceivers import EfficientNetLite0Config

    device = pick_device(DEVICE)
    lite0 = EfficientNetLite0Config(type="efficientnet-lite0", resize="none").build(BuildContext(device=device))
    return float(lite0.perceive(image.to(device), [layer])[layer].pow(2).mean())


def layers() -> None:
    from apophenic.output import save_png
    from apophenic.plugins.dream.photo import load_photo

    original = load_photo("skimage:chelsea")
    row = [original]
    for preset, layer in (("dream-shallow", "shallow"), ("dream-deep", "deep")):
        started = time.perf_counter()
        result, _ = _run(preset, [], WORK / "layers")
        seconds = time.perf_counter() - started
        exact, before = _mean_activation(original, layer)
        _, after = _mean_activation(result.images, layer)
        objective = result.record["objective"]
        print(f"{preset}: layer {layer} = {exact}: mean activation {before:.4f} -> {after:.4f} (x{after / before:.2f}); "
              f"l2 objective {objective['start']['total']:.3f} -> {objective['end']['total']:.3f}; {seconds:.1f} s")
        for other in ("shallow", "deep"):
            if other != layer:
                o_before, o_after = _mean_square(original, other), _mean_square(result.images, other)
                print(f"  (same image, other layer {other}: mean square {o_before:.2f} -> {o_after:.2f}, x{o_after / o_before:.2f})")
        row.append(result.images.cpu())
    DOCS.mkdir(parents=True, exist_ok=True)
    gap = torch.ones(1, 3, original.shape[-2], 8)
    strip = torch.cat([row[0], gap, row[1], gap, row[2]], dim=3)
    save_png(strip, DOCS / "dream-shallow-deep.png")
    print(f"picture: {DOCS / 'dream-shallow-deep.png'} (original | dream-shallow | dream-deep)")


def classes() -> None:
    from apophenic.config import validate
    from apophenic.output import save_png
    from apophenic.preset_loader import load_data
    from apophenic.registry import get_registry
    from apophenic.run import build, class_scores
    from apophenic.runs import with_options

    steps = int(os.environ.get("BENCH_CLASS_STEPS", "200"))
    registry = get_registry()
    pictures = []
    for target in CLASSES:
        overrides = [f'objectives[0].target="{target}"', f"optimizer.steps={steps}"]
        data, source = load_data("visualize-class", overrides, registry)
        pipeline = build(validate(with_options(data, device=DEVICE), registry, source), source)
        with torch.no_grad():
            before = {s["perceiver"]: s["probability"] for s in class_scores(pipeline, pipeline.generator.render())}
        started = time.perf_counter()
        result, _ = _run("visualize-class", overrides, WORK / "classes")
        seconds = time.perf_counter() - started
        after = {s["perceiver"]: s for s in result.record["scores"]}
        held = after["efficientnet-lite2"]
        robust = next(r for r in result.record["robust"] if r["perceiver"] == "efficientnet-lite2")
        print(f"{target}: held-out lite2 p {before['efficientnet-lite2']:.5f} -> {held['probability']:.4f} (rank {held['rank']}, top {held['top']!r}; "
              f"worst robust rank {robust['worst_rank']} ({robust['worst_degradation']}); clipped {100 * result.record['clipped']:.1f} %); "
              f"optimized lite0 {before['efficientnet-lite0']:.5f} -> {after['efficientnet-lite0']['probability']:.4f}, "
              f"lite1 {before['efficientnet-lite1']:.5f} -> {after['efficientnet-lite1']['probability']:.4f}; {steps} steps, {seconds:.0f} s")
        pictures.append(result.images.cpu())
    DOCS.mkdir(parents=True, exist_ok=True)
    save_png(torch.cat(pictures, dim=3), DOCS / "dream-classes.png")
    print(f"picture: {DOCS / 'dream-classes.png'} ({', '.join(CLASSES)})")


def _photo(path: Path, size: tuple[int, int]) -> Path:
    """coffee from scikit-image resized to ``size`` (width, height), saved as PNG."""
    import skimage.data
    from PIL import Image

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(skimage.data.coffee()).resize(size, Image.LANCZOS).save(path)
    return path


# On CUDA the child says its peak max_memory_allocated on stderr as it exits (RSS does not count GPU memory).
CUDA_PEAK = ("import atexit, sys, torch; atexit.register(lambda: print(f'cuda-peak-bytes {torch.cuda.max_memory_allocated()}',"
             " file=sys.stderr)); ")


def _child(args: list[str]) -> tuple[float, float, str, float | None]:
    """Run ``apophenic`` in a child; wall seconds, peak RSS in GiB, its output and (on CUDA) peak GPU memory in GiB."""
    from apophenic.device import pick_device

    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS), "OMP_WAIT_POLICY": "PASSIVE"}
    code = (CUDA_PEAK if pick_device(DEVICE).type == "cuda" else "") + "from apophenic.cli import main; main()"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args, "--device", DEVICE], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB, largest child so far
    if done.returncode != 0:
        raise SystemExit(f"apophenic {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    gpu = next((int(line.split()[1]) / 2**30 for line in done.stderr.splitlines() if line.startswith("cuda-peak-bytes ")), None)
    return seconds, peak, done.stdout.strip(), gpu


def size() -> None:
    steps_big = os.environ.get("BENCH_BIG_STEPS", "4")
    only = os.environ.get("BENCH_SIZES", "1024x1024,4000x3000").split(",")
    for label, (w, h), steps in (("1024x1024", (1024, 1024), "80"), ("4000x3000", (4000, 3000), steps_big)):
        if label not in only:
            continue
        photo = _photo(WORK / f"coffee-{w}x{h}.png", (w, h))
        out = WORK / f"size-{label}"
        seconds, peak, text, gpu = _child(["dream", str(photo), "--layer", "deep", "--steps", steps, "--out", str(out), "--quiet"])
        record = json.loads(next(out.glob("*/run.json")).read_text())
        print(f"{label}: dream-deep, {steps} steps over 4 octaves, tile {record['config']['optimizer']['tile']}: "
              f"wall {seconds:.0f} s (run {record['wall_seconds']:.0f} s), peak RSS {peak:.2f} GiB, "
              + (f"peak CUDA {gpu:.2f} GiB (max_memory_allocated), " if gpu is not None else "") + f"{THREADS} threads; "
              f"objective {record['objective']['start']['total']:.2f} -> {record['objective']['end']['total']:.2f}")


def seams() -> None:
    from PIL import Image

    final = next((WORK / "size-4000x3000").glob("*/final.png"))
    with Image.open(final) as im:
        # 896 = tile 1024 − 2 × overlap 64: where a tile border falls when the random offset is 0
        crop = im.crop((896 - 192, 1300, 896 + 192, 1300 + 256))
        original = Image.open(WORK / "coffee-4000x3000.png").crop((896 - 192, 1300, 896 + 192, 1300 + 256))
    DOCS.mkdir(parents=True, exist_ok=True)
    pair = Image.new("RGB", (crop.width * 2 + 8, crop.height), "white")
    pair.paste(original, (0, 0))
    pair.paste(crop, (crop.width + 8, 0))
    pair.save(DOCS / "dream-tile-border.png")
    print(f"picture: {DOCS / 'dream-tile-border.png'} (original | dream, 384×256 crop centred on x = 896)")


if __name__ == "__main__":
    jobs = {"layers": layers, "classes": classes, "size": size, "seams": seams}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs", nargs="*", metavar="JOB", help=f"{', '.join(jobs)} (default: all)")
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    args = parser.parse_args()
    if set(args.jobs) - set(jobs):
        parser.error(f"unknown job(s) {sorted(set(args.jobs) - set(jobs))}; expected {', '.join(jobs)}")
    DEVICE = paired.check_run_device(args.device)
    for name in args.jobs or list(jobs):
        jobs[name]()
