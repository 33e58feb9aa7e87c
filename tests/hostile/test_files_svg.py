"""SVG drawings: work is bounded by the documented limits before any tensor is built, numbers that
are not finite and nesting past any real drawing are one line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from contract import assert_handled
from files_support import svg

from apophenic.errors import ApophenicError
from apophenic.renderers.svg import parse_svg

MAX_PRIMITIVES, MAX_STROKES = 20_000, 4_096  # the documented limits (docs/renderer.md, strokes config)

GOOD = '<path d="M10 10 L90 90" stroke="black" stroke-width="2" fill="none"/>'


def _scene(hostile, tmp_path: Path, case: str, body: str, view: str = "0 0 100 100"):
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    bad = svg(inputs / "bad.svg", body, view)
    # the same file three times: the analogy has one structure, so only reading the file can refuse it
    verdict = hostile(case, ["analogy", "scene", str(bad), str(bad), str(bad), "--out", str(tmp_path / "out" / "d.svg")], watch=[inputs])
    assert_handled(verdict)
    assert "bad.svg" in verdict.err
    return verdict


def test_sub_paths_inside_one_path_count_against_the_shape_limit(hostile, tmp_path: Path):
    d = " ".join(f"M{i % 90} 1 L{i % 90} 50" for i in range(200_000))  # 1.6 MB, 200,000 strokes
    start = time.process_time()
    verdict = _scene(hostile, tmp_path, "svg-200k-subpaths", f'<path d="{d}" stroke="black" fill="none"/>')
    assert str(MAX_PRIMITIVES) in verdict.err
    assert time.process_time() - start < 60  # a bound on the work, not a speed test: it ran for minutes


def test_strokes_past_the_stroke_limit_are_refused(hostile, tmp_path: Path):
    body = "".join(f'<line x1="1" y1="{i % 99}" x2="99" y2="{i % 99}" stroke="black"/>' for i in range(MAX_STROKES + 1))
    verdict = _scene(hostile, tmp_path, "svg-too-many-strokes", body)
    assert str(MAX_STROKES) in verdict.err


def test_shapes_past_the_shape_limit_are_refused(hostile, tmp_path: Path):
    body = "".join(f'<circle cx="{i % 99}" cy="50" r="1" fill="red"/>' for i in range(MAX_PRIMITIVES + 1))
    _scene(hostile, tmp_path, "svg-too-many-shapes", body)


@pytest.mark.parametrize(("case", "body", "view"), [
    ("path-1e400", '<path d="M1e400 10 L20 20" stroke="black"/>', "0 0 100 100"),
    ("circle-1e400", '<circle cx="1e400" cy="1" r="3" fill="red"/>', "0 0 100 100"),
    ("rect-1e400", '<rect x="1" y="1" width="1e400" height="3" fill="red" stroke="black"/>', "0 0 100 100"),
    ("transform-overflow", '<g transform="scale(1e300)"><path d="M1e300 10 L20 20" stroke="black"/></g>', "0 0 100 100"),
    ("transform-inf", '<g transform="translate(1e400 0)"><path d="M1 10 L20 20" stroke="black"/></g>', "0 0 100 100"),
    ("stroke-width-inf", '<path d="M1 10 L20 20" stroke="black" stroke-width="1e400"/>', "0 0 100 100"),
    ("polygon-inf", '<polygon points="1 1 1e400 5 9 9" fill="red"/>', "0 0 100 100"),
    ("viewbox-inf", GOOD, "1e400 0 100 100"),
    ("nan-literal", '<path d="M1 1 L2 2" stroke="black" stroke-width="nan"/>', "0 0 100 100"),
])
def test_non_finite_coordinates_are_refused(hostile, tmp_path: Path, case, body, view):
    _scene(hostile, tmp_path, f"svg-{case}", body, view)


def test_deep_nesting_is_one_line(hostile, tmp_path: Path):
    body = "<g>" * 5000 + GOOD + "</g>" * 5000
    verdict = _scene(hostile, tmp_path, "svg-nested-5000", body)
    assert "nest" in verdict.err


def test_drawings_within_the_limits_still_read():
    body = "".join(f'<line x1="1" y1="{i % 99}" x2="99" y2="{i % 99}" stroke="black"/>' for i in range(MAX_STROKES))
    scene = parse_svg(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{"<g>" * 200}{body}{"</g>" * 200}</svg>')
    assert scene.stroke_points.shape[1] == MAX_STROKES


def test_a_path_of_many_sub_paths_is_counted_in_the_parser():
    d = " ".join("M1 1 L2 2" for _ in range(MAX_PRIMITIVES + 5))
    with pytest.raises(ApophenicError, match="sub-paths"):
        parse_svg(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><path d="{d}" stroke="black"/></svg>')
