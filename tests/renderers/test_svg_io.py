"""SVG export and the safe reader: round trips, the SVG subset, bad files, nothing external is ever read."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch

from apophenic.errors import ApophenicError
from apophenic.renderers.demo import demo_scene
from apophenic.renderers import raster
from apophenic.renderers.raster import render_cairo, render_skia
from apophenic.renderers.rasterize import rasterize
from apophenic.renderers.svg import parse_path, parse_svg, read_svg, to_svg, write_svg

SVG = "http://www.w3.org/2000/svg"


def test_write_then_read_gives_the_same_scene(tmp_path: Path):
    scene = demo_scene(96, strokes=8, blobs=3, rects=2, soft=True)
    path = write_svg(scene, tmp_path / "scene.svg")
    back = read_svg(path)
    assert (back.num_strokes, back.num_blobs, back.num_rects) == (8, 3, 2)
    for name in ("stroke_points", "stroke_width", "blob_points", "blob_softness", "rect_boxes"):
        assert torch.allclose(getattr(back, name), getattr(scene, name), atol=1e-3), name
    for name in ("stroke_rgba", "blob_rgba", "rect_rgba", "background"):
        assert torch.allclose(getattr(back, name), getattr(scene, name), atol=0.5 / 255 + 1e-4), name
    assert torch.equal(back.stroke_round, scene.stroke_round)
    assert (rasterize(back) - rasterize(scene)).abs().mean() < 0.5 / 255


def test_written_svg_is_svg_1_1_with_one_element_per_primitive(tmp_path: Path):
    text = to_svg(demo_scene(64, strokes=5, blobs=2, rects=3, soft=True))
    root = ET.fromstring(text)
    assert root.tag == f"{{{SVG}}}svg" and root.get("version") == "1.1" and root.get("viewBox") == "0 0 64 64"
    paths = root.findall(f".//{{{SVG}}}path")
    assert len(paths) == 5 + 2
    assert len(root.findall(f".//{{{SVG}}}rect")) == 3 + 1  # and the background
    assert {p.get("stroke-linecap") for p in paths if p.get("stroke")} == {"round", "butt"}
    assert len(root.findall(f".//{{{SVG}}}feGaussianBlur")) == 1


def test_path_commands_become_exact_cubics():
    (segs, closed), = parse_path("M10 10 h10 v10 L10 20 z")
    assert closed and len(segs) == 4
    assert np.allclose(segs[1][-1], [20, 20]) and np.allclose(segs[-1][-1], [10, 10])
    (segs, _), = parse_path("m0 0 q10 10 20 0 t20 0 s10 10 20 0 c1 1 2 2 3 3")
    assert np.allclose(segs[0][1], [20 / 3, 20 / 3]) and np.allclose(segs[1][-1], [40, 0]) and np.allclose(segs[3][-1], [63, 3])
    (segs, _), = parse_path("M0 10 A10 10 0 0 1 20 10")  # a half circle through (10, 0)
    mid = segs[0][-1] if len(segs) == 2 else None
    assert len(segs) == 2 and np.allclose(mid, [10, 0], atol=1e-9)
    (segs, _), = parse_path("M0 0a5 5 0 1110 0")  # flags written without separators
    assert np.allclose(segs[-1][-1], [10, 0])


def test_shapes_transforms_and_styles_are_read():
    scene = parse_svg(f"""<svg xmlns="{SVG}" width="100" height="50">
      <g fill="none" stroke="red" stroke-width="2" transform="translate(10 5)">
        <line x1="0" y1="0" x2="20" y2="0"/>
        <circle cx="30" cy="20" r="10" style="fill: #00ff00; stroke: none"/>
        <rect x="50" y="10" width="20" height="10" fill="blue" opacity="0.5" stroke="none"/>
      </g></svg>""")
    assert (scene.num_strokes, scene.num_blobs, scene.num_rects) == (1, 1, 1)
    assert torch.allclose(scene.stroke_points[0, 0, [0, -1]], torch.tensor([[10.0, 5], [30, 5]]))
    assert torch.allclose(scene.stroke_rgba[0, 0], torch.tensor([1.0, 0, 0, 1]))
    assert torch.allclose(scene.rect_boxes[0, 0], torch.tensor([60.0, 15, 80, 25]))
    assert torch.allclose(scene.rect_rgba[0, 0], torch.tensor([0.0, 0, 1, 0.5]))
    radius = (scene.blob_points[0, 0, ::3] - torch.tensor([40.0, 25])).norm(dim=-1)
    assert torch.allclose(radius, torch.full_like(radius, 10.0), atol=1e-4)


@pytest.mark.parametrize(
    "text, words",
    [
        ("<svg", "not well-formed"),
        (f'<html xmlns="{SVG}"/>', "expected <svg>"),
        (f'<svg xmlns="{SVG}" width="10" height="10"><path d="M0 0 L 1 x"/></svg>', "expected a number"),
        (f'<svg xmlns="{SVG}" width="10" height="10"><path d="M0 0 L5 5" stroke="blurple"/></svg>', "'blurple' is not a colour"),
        (f'<svg xmlns="{SVG}" width="10" height="10"/>', "draws nothing"),
        (f'<svg xmlns="{SVG}" viewBox="0 0 ten 10"><path d="M0 0 L5 5"/></svg>', "viewBox"),
    ],
)
def test_bad_svg_is_one_line_naming_the_problem(tmp_path: Path, text: str, words: str):
    path = tmp_path / "bad.svg"
    path.write_text(text)
    with pytest.raises(ApophenicError) as err:
        read_svg(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and words in message


def test_missing_file_is_an_error_naming_it(tmp_path: Path):
    with pytest.raises(ApophenicError, match="nope.svg"):
        read_svg(tmp_path / "nope.svg")


def test_external_entities_are_refused_without_reading_them(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("M0 0 L 10 10")
    text = f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY d SYSTEM "file://{secret}">]>
<svg xmlns="{SVG}" width="10" height="10"><path d="&d;" stroke="black"/></svg>"""
    with pytest.raises(ApophenicError, match="entities") as err:
        parse_svg(text, source="evil.svg")
    assert "\n" not in str(err.value)


def test_references_to_files_and_urls_are_never_followed(tmp_path: Path):
    missing = tmp_path / "does-not-exist.png"
    clean = f"""<svg xmlns="{SVG}" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">
  <rect width="64" height="64" fill="#ffffff"/>
  <path d="M8 8 C 20 60 40 0 56 56" fill="none" stroke="#c02020" stroke-width="5"/>
  <circle cx="40" cy="20" r="12" fill="#2040c0"/>
  {{extra}}
</svg>"""
    extra = f"""<image xlink:href="file://{missing}" x="0" y="0" width="64" height="64"/>
  <image href="http://198.51.100.1/tracker.png" width="64" height="64"/>
  <use xlink:href="http://198.51.100.1/sprites.svg#star"/>
  <path d="M0 0 L64 64" stroke="url(http://198.51.100.1/paint.svg#p)" stroke-width="9"/>
  <rect x="0" y="0" width="30" height="30" fill="url(#nowhere)"/>"""
    with_refs = clean.replace("{extra}", extra)
    without = clean.replace("{extra}", "")
    assert torch.equal(rasterize(parse_svg(with_refs)), rasterize(parse_svg(without)))
    assert np.array_equal(render_skia(with_refs), render_skia(without))
    assert np.array_equal(render_cairo(with_refs), render_cairo(without))
    assert not missing.exists()


def test_interleaved_kinds_keep_their_order_within_a_kind():
    scene = parse_svg(f"""<svg xmlns="{SVG}" width="20" height="20">
      <path d="M0 0 L10 10" stroke="#ff0000" fill="none"/><rect x="1" y="1" width="2" height="2" fill="#00ff00"/>
      <path d="M0 5 L10 15" stroke="#0000ff" fill="none"/></svg>""")
    assert scene.stroke_rgba[0, :, :3].tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    assert math.isclose(float(scene.rect_boxes[0, 0, 2]), 3.0)


def test_our_own_svg_goes_to_skia_as_it_is_and_draws_what_the_safe_reparse_draws():
    scene = demo_scene(96, soft=True)
    text = to_svg(scene)
    assert raster._own_svg(text.encode()) == (96.0, 96.0)  # no Python re-parse on the way to skia
    reparsed = to_svg(parse_svg(text))
    assert np.array_equal(render_skia(text), render_skia(reparsed))
    assert np.array_equal(render_skia(text), render_skia(scene))


@pytest.mark.parametrize("change", [
    ('<g id="strokes"', '<image href="file:///etc/passwd" width="9" height="9"/><g id="strokes"'),
    ('<g id="strokes"', '<text x="3" y="9">hi</text><g id="strokes"'),
    ('fill="none"', 'fill="url(http://198.51.100.1/paint.svg#p)"'),
    ('fill="none"', 'fill="none" xlink:href="http://198.51.100.1/x" xmlns:xlink="http://www.w3.org/1999/xlink"'),
    ('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e "x">]>'),
    ('viewBox="0 0 96 96"', 'viewBox="10 10 96 96"'),
])
def test_svg_with_anything_we_do_not_write_takes_the_safe_reparse(change: tuple[str, str]):
    text = to_svg(demo_scene(96))
    assert change[0] in text
    assert raster._own_svg(text.replace(change[0], change[1], 1).encode()) is None
