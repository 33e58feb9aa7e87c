"""The direct form of a drawing analogy: when scenes A, B and C have the same structure
(the same numbers of strokes, blobs and rectangles, and segments each), D's parameters
are B − A + C, clipped back into what a scene may hold, and rendered."""

from __future__ import annotations

from dataclasses import fields, replace

import torch

from apophenic.errors import ApophenicError
from apophenic.renderers.scene import StrokeScene

# Every tensor field except the boolean cap flags, which are copied from C.
_ARITHMETIC = ("stroke_points", "stroke_width", "stroke_rgba", "blob_points", "blob_rgba", "blob_softness",
               "rect_boxes", "rect_rgba", "background")


def structure(scene: StrokeScene) -> tuple[int, int, int, int, int]:
    """(strokes, segments per stroke, blobs, segments per blob, rectangles)."""
    return (scene.num_strokes, scene.stroke_segments, scene.num_blobs, scene.blob_segments, scene.num_rects)


def check_same_structure(named: dict[str, StrokeScene]) -> None:
    """One-line error unless every scene has the structure of the first."""
    (first_name, first), *rest = named.items()
    want = structure(first)
    for name, scene in rest:
        got = structure(scene)
        if got != want:
            what = ("strokes", "segments per stroke", "blobs", "segments per blob", "rectangles")
            diffs = ", ".join(f"{w} {a} vs {b}" for w, a, b in zip(what, want, got) if a != b)
            raise ApophenicError(f"{name} and {first_name} differ in structure ({diffs}); the parameter analogy needs scenes of the same structure")
        if (scene.width, scene.height) != (first.width, first.height):
            raise ApophenicError(f"{name} is {scene.width:g}×{scene.height:g} but {first_name} is {first.width:g}×{first.height:g}; use the same canvas")


def scene_analogy(a: StrokeScene, b: StrokeScene, c: StrokeScene) -> StrokeScene:
    """D with ``D.x = B.x − A.x + C.x`` for every parameter; colours, opacities, widths and
    softness are clipped to their valid ranges, rectangle corners re-ordered."""
    check_same_structure({"A": a, "B": b, "C": c})
    a, b, c = a.select(0), b.select(0), c.select(0)
    values = {name: getattr(b, name).float() - getattr(a, name).float() + getattr(c, name).float() for name in _ARITHMETIC}
    for name in ("stroke_rgba", "blob_rgba", "rect_rgba", "background"):
        values[name] = values[name].clamp(0, 1)
    values["stroke_width"] = values["stroke_width"].clamp(min=0)
    values["blob_softness"] = values["blob_softness"].clamp(min=0)
    boxes = values["rect_boxes"]
    values["rect_boxes"] = torch.cat([torch.minimum(boxes[..., :2], boxes[..., 2:]), torch.maximum(boxes[..., :2], boxes[..., 2:])], -1)
    untouched = {f.name: getattr(c, f.name) for f in fields(c) if f.name not in _ARITHMETIC and isinstance(getattr(c, f.name), torch.Tensor)}
    return replace(c, **values, **untouched).validate()
