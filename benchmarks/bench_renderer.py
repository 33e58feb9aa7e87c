"""Benchmark of the differentiable stroke renderer (plain script; about 2-4 minutes on one thread).

Prints:
1. forward+backward time, tiled rasterizer vs the naive every-stroke-at-every-pixel
   baseline, at 224² and 512² for 16/64/256/1024 strokes. Where the naive one is
   measured (224²/16 and 512²/2 strokes) the two sides alternate step by step after a
   warm-up (benchmarks/paired.py: median of paired ratios, min–max, CPU time, load);
   elsewhere the naive time is extrapolated from its measured cost per
   stroke·piece·pixel, marked "est.", and the tiled time is the median of a few steps;
2. time against covered area (the same strokes, wider);
3. peak memory (RSS growth in a fresh process on CPU; ``max_memory_allocated`` on CUDA) at 512², 256 strokes;
4. raster agreement at 224²: differentiable vs skia vs cairosvg, mean abs difference per channel;
and writes docs/images/renderer-agreement.png (the fixed demo scene by all three, side by side).
The differentiable sides run on ``--device``; skia and cairosvg on the CPU. The
comparison with skia's own time is benchmarks/bench_renderer_vs_skia.py.

    python benchmarks/bench_renderer.py [--quick] [--device cpu] [--threads 1]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import paired  # noqa: E402

from apophenic.renderers import geometry  # noqa: E402
from apophenic.renderers.demo import demo_scene, strokes_only  # noqa: E402
from apophenic.renderers.naive import rasterize_naive  # noqa: E402
from apophenic.renderers.raster import render_cairo, render_skia  # noqa: E402
from apophenic.renderers.rasterize import DEFAULT_TILE, rasterize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (224, 512)
COUNTS = (16, 64, 256, 1024)
#: Naive runs actually measured (size, strokes); the rest are extrapolated.
NAIVE_MEASURED = {(224, 16), (512, 2)}
DEVICE = torch.device("cpu")


def side(name: str, render, scene) -> paired.Side:
    """render + mean + backward w.r.t. points, widths, colours, on fresh leaf tensors each step."""
    scene = scene.to(DEVICE)

    def prepare():
        return replace(scene, stroke_points=scene.stroke_points.clone().requires_grad_(),
                       stroke_width=scene.stroke_width.clone().requires_grad_(), stroke_rgba=scene.stroke_rgba.clone().requires_grad_())

    return paired.Side(name, lambda s: render(s).mean().backward(), prepare)


def fwd_bwd(render, scene, steps: int = 3) -> float:
    """Median seconds of ``steps`` forward+backward steps after one warm-up (one side: nothing to pair)."""
    result = paired.compare([side("tiled", render, scene)], rounds=steps, warmup=1, sync=paired.device_sync(DEVICE))
    return paired.Spread.of(result.wall["tiled"]).median


def covered_area(scene) -> float:
    """Σ over strokes of polyline length × width, in pixels (overlaps counted twice)."""
    pts = geometry.flatten_open(scene.stroke_points, 16)
    length = (pts[..., 1:, :] - pts[..., :-1, :]).norm(dim=-1).sum(-1)
    return float((length * scene.stroke_width).sum())


def pieces(scene) -> float:
    """Mean line pieces per stroke (each cubic segment is flattened into the pieces its curvature needs)."""
    return float(geometry.segment_pieces(scene.stroke_points).sum(-1).float().mean())


def timing_table(quick: bool, rounds: int) -> dict:
    threads = torch.get_num_threads()
    unit_cost: dict[int, float] = {}
    for size in SIZES:
        for n in sorted({n for s, n in NAIVE_MEASURED if s == size}):
            scene = strokes_only(n, size)
            result = paired.compare([side("tiled", rasterize, scene), side("naive", lambda s: rasterize_naive(s, low_memory=True), scene)],
                                    rounds=rounds, warmup=1, sync=paired.device_sync(DEVICE), reference="tiled",
                                    title=f"tiled vs naive, {size}², {n} strokes ({pieces(scene):.1f} pieces each on average)")
            result.print()
            unit_cost[size] = paired.Spread.of(result.wall["naive"]).median / (n * pieces(scene) * size * size)
    print(f"\n== forward+backward, {threads} thread(s), {DEVICE} (ms; tiled: median of 3 steps after a warm-up) ==")
    print(f"{'size':>5} {'strokes':>7} {'covered px':>10} {'tiled':>9} {'µs/px':>7} {'naive':>12} {'naive/tiled':>11}")
    rows = {}
    for size in SIZES:
        for n in COUNTS if not quick else COUNTS[:2]:
            scene = strokes_only(n, size)
            tiled = fwd_bwd(rasterize, scene, steps=3 if n < 1024 else 1)
            naive = unit_cost[size] * n * pieces(scene) * size * size
            area = covered_area(scene)
            rows[f"{size}/{n}"] = {"tiled_ms": tiled * 1e3, "naive_ms_est": naive * 1e3, "covered_px": area}
            how = "meas" if (size, n) in NAIVE_MEASURED else "est"
            print(f"{size:>5} {n:>7} {area:>10.0f} {tiled * 1e3:>9.1f} {tiled * 1e6 / area:>7.2f} {naive * 1e3:>8.0f} {how:<4}{naive / tiled:>9.0f}×")
    return rows


def area_sweep() -> dict:
    print("\n== time vs covered area: 256 strokes at 512², widths scaled ==")
    base = strokes_only(256, 512)
    out = {}
    for factor in (0.5, 1, 2, 4):
        scene = replace(base, stroke_width=base.stroke_width * factor)
        seconds = fwd_bwd(rasterize, scene)
        area = covered_area(scene)
        out[factor] = {"ms": seconds * 1e3, "covered_px": area}
        print(f"  width ×{factor:<4} covered {area:>9.0f} px  {seconds * 1e3:>8.1f} ms  {seconds * 1e6 / area:>6.2f} µs/px")
    return out


_MEMORY_CHILD = """
import os, threading, time, json, sys
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
torch.set_num_threads(int(sys.argv[4]))
from apophenic.renderers.demo import strokes_only
from apophenic.renderers.naive import rasterize_naive
from apophenic.renderers.rasterize import rasterize
which, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scene = strokes_only(n, size)
scene.stroke_points.requires_grad_(); scene.stroke_rgba.requires_grad_()
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
peak, done = [rss()], []
def watch():  # sample resident memory every 0.2 ms while rendering
    while not done:
        peak[0] = max(peak[0], rss()); time.sleep(0.0002)
before = rss()
thread = threading.Thread(target=watch); thread.start()
render = rasterize if which == "tiled" else (lambda s: rasterize_naive(s, low_memory=True))
render(scene).mean().backward()
done.append(1); thread.join()
print(json.dumps({"peak_growth_mb": (peak[0] - before) / 2**20}))
"""


def memory() -> dict:
    print("\n== peak memory, forward+backward ==")
    out = {}
    if DEVICE.type == "cuda":
        for which, n in (("tiled", 256), ("naive", 2)):
            torch.cuda.synchronize(DEVICE)
            torch.cuda.reset_peak_memory_stats(DEVICE)
            before = torch.cuda.memory_allocated(DEVICE)
            render = rasterize if which == "tiled" else (lambda s: rasterize_naive(s, low_memory=True))
            step = side(which, render, strokes_only(n, 512))
            step.run(step.prepare())
            out[which] = (torch.cuda.max_memory_allocated(DEVICE) - before) / 2**20
            print(f"  {which:>5}, 512², {n:>3} strokes: {out[which]:8.1f} MB (CUDA max_memory_allocated growth)")
        return out
    print("  (RSS growth over the process before rendering)")
    for which, n in (("tiled", 256), ("naive", 2)):
        proc = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, which, str(n), "512", str(torch.get_num_threads())],
                              capture_output=True, text=True, check=True)
        mb = json.loads(proc.stdout.strip().splitlines()[-1])["peak_growth_mb"]
        out[which] = mb
        print(f"  {which:>5}, 512², {n:>3} strokes: {mb:8.1f} MB")
    print("  (naive with per-stroke recomputation keeps one 512² image state per stroke: ~4 MB/stroke,"
          f" so ~{out['naive'] + 254 * 4:.0f} MB at 256 strokes; without it, ~{512 * 512 * 64 * 40 / 2**20:.0f} MB per stroke)")
    return out


def agreement() -> dict:
    print("\n== raster agreement at 224² (mean abs difference per channel R, G, B, in 1/255) ==")
    out = {}
    images = {}
    for soft in (False, True):
        scene = demo_scene(224, soft=soft)
        ours = (rasterize(scene.to(DEVICE))[0].cpu().permute(1, 2, 0).numpy() * 255).astype(np.float64)
        skia_img = render_skia(scene).astype(np.float64)
        cairo_img = render_cairo(scene).astype(np.float64)
        pairs = {"diff-skia": (ours, skia_img), "diff-cairo": (ours, cairo_img), "skia-cairo": (skia_img, cairo_img)}
        label = "soft blob" if soft else "hard edges"
        for name, (a, b) in pairs.items():
            mad = np.abs(a - b).mean(axis=(0, 1))
            out[f"{label} {name}"] = mad.tolist()
            print(f"  {label:<10} {name:<11} {mad[0]:.3f} {mad[1]:.3f} {mad[2]:.3f}   max {np.abs(a - b).max():.0f}")
        if not soft:
            images = {"differentiable (torch)": ours, "skia": skia_img, "cairosvg": cairo_img}
    picture(images)
    return out


def picture(images: dict[str, np.ndarray]) -> None:
    from PIL import Image, ImageDraw

    panels = list(images.items())
    diff = np.abs(panels[0][1] - panels[1][1]) * 8
    panels.append(("|torch - skia| x 8", 255 - diff.clip(0, 255)))
    h, w = panels[0][1].shape[:2]
    sheet = Image.new("RGB", (len(panels) * (w + 8) + 8, h + 36), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, img) in enumerate(panels):
        x = 8 + i * (w + 8)
        sheet.paste(Image.fromarray(img.clip(0, 255).astype(np.uint8)), (x, 28))
        draw.text((x, 8), label, fill="black")
    path = ROOT / "docs" / "images" / "renderer-agreement.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    print(f"  picture: {path.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    global DEVICE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="224² and 512² at 16 and 64 strokes only; no area sweep or memory")
    paired.add_common_arguments(parser, rounds=3, warmup=1)
    parser.set_defaults(threads=1)
    args = parser.parse_args(argv)
    DEVICE = paired.setup(args)
    started = time.perf_counter()
    print(f"tile {DEFAULT_TILE} px\n")
    results = {"timing": timing_table(args.quick, args.rounds)}
    if not args.quick:
        results["area"] = area_sweep()
        results["memory"] = memory()
    results["agreement"] = agreement()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    paired.write_json(args.json, results)


if __name__ == "__main__":
    main(sys.argv[1:])
