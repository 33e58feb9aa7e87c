"""The direct form on drawing parameters, as a picture: A | B | C | D with D = B − A + C.

    python benchmarks/analogy_scene_figure.py [--out docs/images/analogy-scene.png]

A and C are two random stroke scenes of one structure; B is A moved right, with wider
strokes and bluer colours; D (computed, not optimized) shows the same edit applied to C.
Prints how far D's parameters are from "C with the same edit" (0 where no clipping happened).
No ``--device``: nothing here runs a model or an optimization (parameter arithmetic, then skia).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from apophenic.plugins.analogy.scenes import scene_analogy
from apophenic.renderers.demo import demo_scene
from apophenic.renderers.raster import render_svg
from apophenic.renderers.svg import to_svg


def edit(scene):
    """Move right by 40, widen strokes by 4, shift colour towards blue."""
    s = scene.detach()
    shift = torch.tensor([40.0, 0.0])
    s.stroke_points = s.stroke_points + shift
    s.blob_points = s.blob_points + shift
    s.stroke_width = s.stroke_width + 4.0
    tint = torch.tensor([-0.35, -0.1, 0.35, 0.0])
    s.stroke_rgba = (s.stroke_rgba + tint).clamp(0, 1)
    s.blob_rgba = (s.blob_rgba + tint).clamp(0, 1)
    return s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/images/analogy-scene.png"))
    args = parser.parse_args()
    a = demo_scene(224, strokes=14, blobs=3, rects=0, seed=11)
    c = demo_scene(224, strokes=14, blobs=3, rects=0, seed=12)
    b = edit(a)
    d = scene_analogy(a, b, c)
    expected = edit(c)
    err = float((d.stroke_points - expected.stroke_points).abs().max())
    print(f"max |D − edit(C)| on stroke control points: {err:.2e} canvas units")
    print(f"mean |D − edit(C)| on stroke colours: {float((d.stroke_rgba - expected.stroke_rgba).abs().mean()):.3f} (clipping)")
    tiles = [render_svg(to_svg(s), 224) for s in (a, b, c, d)]
    gap = np.full((224, 8, 3), 255, dtype=np.uint8)
    strip = np.concatenate([x for t in tiles for x in (t, gap)][:-1], axis=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(strip).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
