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


def _config(name: str):
    registry = get_registry()
    return validate(load_data(name, [], registry)[0], registry, None)


def test_perception_engine_is_few_strokes_from_a_small_palette():
    """White's prints: few bold strokes, a handful of inks (here at most 32 strokes, at most 6 colours)."""
    config = _config("perception-engine")
    assert config.objectives[0].target == "electric fan"
    strokes, blobs, rects = config.generator.counts()
    assert strokes <= 32 and blobs == rects == 0
    assert config.generator.palette is not None and 2 <= len(config.generator.colours()) <= 6


def test_ink_is_black_on_paper():
    config = _config("ink")
    assert [tuple(round(c, 2) for c in rgb) for rgb in config.generator.colours()] == [(0.07, 0.07, 0.07)]
    assert config.generator.background != "white" and config.generator.style == "line-only"


def test_mondrian_is_opaque_primary_colour_rectangles():
    from apophenic.renderers.colors import PRIMARY_COLOURS, parse_color

    config = _config("mondrian")
    assert config.generator.colours() == [parse_color(c) for c in PRIMARY_COLOURS]
    assert config.generator.counts()[:2] == (0, 0) and config.generator.opacity == (1.0, 1.0)


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


@pytest.mark.slow
@pytest.mark.parametrize("name", ["perception-engine", "ink", "blobs"])
def test_drawing_preset_is_its_target_to_the_held_out_classifier_at_shipped_steps(name, tmp_path):
    """The shipped recipe, unchanged: held-out Lite2 ranks the target first, and still near the top after a print's degradations.

    (``mondrian`` does not reach this; docs/abstraction.md has its numbers.)
    """
    import torch

    from apophenic.run import execute

    torch.set_num_threads(1)
    registry = get_registry()
    data, source = load_data(name, ["device=cpu"], registry)
    result = execute(validate(data, registry, source), tmp_path, source=source, registry=registry, progress=False, preset=name)
    (held,) = [s for s in result.record["scores"] if s["held_out"]]
    (robust,) = [r for r in result.record["robust"] if r["held_out"]]
    assert held["perceiver"] == "efficientnet-lite2" and held["rank"] == 1, held
    assert robust["worst_rank"] <= 3, robust
