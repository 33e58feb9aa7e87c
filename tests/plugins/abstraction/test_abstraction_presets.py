"""The four presets: valid, drawn with the strokes generator in their discipline, held out, exporting SVG + print PNG."""

from __future__ import annotations

import pytest

from apophenic.config import validate
from apophenic.preset_loader import load_data
from apophenic.registry import get_registry

PRESETS = ["perception-engine", "mondrian", "ink", "blobs"]


@pytest.mark.parametrize("name", PRESETS)
def test_preset_is_a_held_out_strokes_drawing_of_a_class(name):
    registry = get_registry()
    assert registry.presets[name][1] == "abstraction"
    data, source = load_data(name, [], registry)
    config = validate(data, registry, source)
    assert config.generator.type == "strokes"
    assert config.output.print_size and config.output.print_size >= 1024
    held = [p.label for p in config.perceivers if p.held_out]
    optimized = [p.label for p in config.perceivers if not p.held_out]
    assert held == ["efficientnet-lite2"] and optimized == ["efficientnet-lite0", "efficientnet-lite1"]
    assert [o.type for o in config.objectives] == ["class"]
    style = {"perception-engine": "free", "mondrian": "mondrian", "ink": "line-only", "blobs": "blob-only"}[name]
    assert config.generator.style == style


def test_perception_engine_defaults_to_an_electric_fan_with_64_strokes():
    registry = get_registry()
    config = validate(load_data("perception-engine", [], registry)[0], registry, None)
    assert config.objectives[0].target == "electric fan" and config.generator.counts() == (64, 0, 0)


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_preset_runs_and_writes_svg_and_print_png(name, tmp_path):
    from PIL import Image

    from apophenic.run import execute

    registry = get_registry()
    data, source = load_data(name, ["size=64", "optimizer.steps=2", "augmentations=1", "output.print_size=256"], registry)
    result = execute(validate(data, registry, source), tmp_path, source=source, registry=registry, progress=False, preset=name)
    files = set(result.record["files"])
    assert "final.png" in files and "final.svg" in files
    prints = [f for f in files if f.endswith(".png") and f != "final.png"]
    assert prints and max(Image.open(result.folder / prints[0]).size) == 256
    assert any(s["held_out"] and s["perceiver"] == "efficientnet-lite2" for s in result.record["scores"])
