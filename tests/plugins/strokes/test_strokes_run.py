"""A real run with the `strokes` generator writes final.svg and the print PNG beside final.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from apophenic.presets import load
from apophenic.renderers.svg import read_svg
from apophenic.run import execute


@pytest.mark.slow
def test_a_run_writes_svg_and_print_png(tmp_path: Path):
    preset = tmp_path / "strokes.toml"
    preset.write_text(
        """
seed = 1
size = 48
[generator]
type = "strokes"
strokes = 6
palette = ["black", "#e63946", "#457b9d"]
[[perceivers]]
type = "efficientnet-lite0"
resize = 64
[[objectives]]
type = "class"
target = "goldfish"
[optimizer]
type = "adam"
lr = 0.05
steps = 3
"""
    )
    config, source = load(str(preset))
    result = execute(config, tmp_path / "out", source=source, progress=False)
    names = {p.name for p in result.folder.iterdir()}
    assert {"final.png", "final.svg", "final@192px.png", "run.json"} <= names
    assert Image.open(result.folder / "final@192px.png").size == (192, 192)
    scene = read_svg(result.folder / "final.svg")
    assert scene.num_strokes == 6
    colours = {tuple(round(c * 255) for c in rgba[:3]) for rgba in scene.stroke_rgba[0].tolist()}
    assert colours <= {(0, 0, 0), (230, 57, 70), (69, 123, 157)}
