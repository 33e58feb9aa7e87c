"""The differentiable renderer against skia on the same scene, step by step.

    python benchmarks/bench_renderer_vs_skia.py [--strokes 256] [--size 512] [--threads 2] [--device cpu]

Sides, alternated step by step in one process after a warm-up (benchmarks/paired.py):

- ``skia``: skia parses the scene's SVG text and rasterizes it (``SVGDOM`` + raster
  surface) — the floor a vector renderer without gradients reaches;
- ``forward``: :func:`rasterize` of the scene with gradients enabled (the graph is built,
  as in an optimization step), no backward;
- ``forward+backward``: the same plus the backward of the mean to points, widths and colours;
- with ``--compile``, both again with the distance loop through ``torch.compile``;
- ``render_skia(svg)`` / ``render_skia(scene)``: the print-raster function from SVG text
  and from the scene.

Ratios are each side over ``skia``. The issue-18 goal: forward+backward of 256 strokes at
512² within 5× skia (2 threads).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import paired  # noqa: E402
from apophenic.renderers.demo import strokes_only  # noqa: E402
from apophenic.renderers.distance import set_compile  # noqa: E402
from apophenic.renderers.raster import render_skia  # noqa: E402
from apophenic.renderers.rasterize import rasterize  # noqa: E402
from apophenic.renderers.svg import to_svg  # noqa: E402


def skia_raster(svg: str, size: int) -> np.ndarray:
    """skia alone: parse the SVG text and draw it on a white ``size²`` raster."""
    import skia

    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream(svg.encode("utf-8"), True))
    surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(size, size, skia.kRGBA_8888_ColorType, skia.kPremul_AlphaType))
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorWHITE)
    dom.setContainerSize(skia.Size(size, size))
    dom.render(canvas)
    return surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=256)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--tile", type=int, default=None, help="rasterizer tile side (default: the rasterizer's own)")
    parser.add_argument("--compile", action="store_true", help="run the distance hot loop through torch.compile (compile time is reported)")
    paired.add_common_arguments(parser, rounds=10, warmup=2)
    args = parser.parse_args(argv)
    device = paired.setup(args)
    sync = paired.device_sync(device)
    cpu_scene = strokes_only(args.strokes, args.size)
    svg = to_svg(cpu_scene)
    scene = cpu_scene.to(device)
    kw = {} if args.tile is None else {"tile": args.tile}
    if args.compile:
        set_compile(True)
        started = time.perf_counter()
        rasterize(scene, **kw)
        print(f"torch.compile of the distance loop: first render took {time.perf_counter() - started:.1f} s (compile included)")
        set_compile(False)

    def with_grad():
        return replace(scene, stroke_points=scene.stroke_points.clone().requires_grad_(),
                       stroke_width=scene.stroke_width.clone().requires_grad_(), stroke_rgba=scene.stroke_rgba.clone().requires_grad_())

    def fwd(compiled: bool):
        def run(s):
            set_compile(compiled)
            return rasterize(s, **kw)
        return run

    def fwd_bwd(compiled: bool):
        def run(s):
            set_compile(compiled)
            rasterize(s, **kw).mean().backward()
        return run

    sides = [
        paired.Side("forward", fwd(False), prepare=with_grad),
        paired.Side("forward+backward", fwd_bwd(False), prepare=with_grad),
    ]
    if args.compile:
        sides += [
            paired.Side("forward (compiled)", fwd(True), prepare=with_grad),
            paired.Side("forward+backward (compiled)", fwd_bwd(True), prepare=with_grad),
        ]
    sides += [
        paired.Side("render_skia(svg)", lambda: render_skia(svg)),
        paired.Side("render_skia(scene)", lambda: render_skia(cpu_scene)),
        paired.Side("skia", lambda: skia_raster(svg, args.size)),
    ]
    title = f"{args.strokes} strokes at {args.size}², {device}, {torch.get_num_threads()} threads"
    result = paired.compare(sides, rounds=args.rounds, warmup=args.warmup, sync=sync, title=title, reference="skia")
    result.print()
    paired.write_json(args.json, {"renderer_vs_skia": result})


if __name__ == "__main__":
    main(sys.argv[1:])
