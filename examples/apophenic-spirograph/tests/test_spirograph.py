"""Tests of the spirograph plugin, written the way a plugin author would."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# --8<-- [start:fixture]
import pytest
import torch

import apophenic_spirograph
from apophenic import BuildContext
from apophenic.testing import plugin_registry


@pytest.fixture
def registry():
    """The built-in core plugin plus this one, loaded the way apophenic loads any plugin.

    The module is registered under a name without installing it; an installed copy
    (and every other plugin) stays out, so the test sees exactly core + this module.
    A plugin that fails to load fails here, with the reason.
    """
    return plugin_registry("spirograph", apophenic_spirograph)
# --8<-- [end:fixture]


# --8<-- [start:render]
def build(registry, seed=0, size=(48, 64), **fields):
    config = registry.config("generator", "spirograph")(**fields)
    return config.build(BuildContext(seed=seed, size=size))


def test_renders_a_batch_of_images_in_range(registry):
    with torch.no_grad():
        images = build(registry, batch=2, curves=3, points=256).render()
    assert images.shape == (2, 3, 48, 64)
    assert 0 <= float(images.min()) and float(images.max()) <= 1
    # Lines are drawn: the picture is not just paper.
    assert float(images.std()) > 0.01


def test_every_parameter_gets_a_gradient(registry):
    generator = build(registry, curves=3, points=256)
    generator.render().mean().backward()
    for name, parameter in generator.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_same_seed_same_drawing(registry):
    a = build(registry, seed=5, points=256).render()
    b = build(registry, seed=5, points=256).render()
    c = build(registry, seed=6, points=256).render()
    assert torch.equal(a, b) and not torch.equal(a, c)
# --8<-- [end:render]


def test_exports_one_polyline_per_curve(registry, tmp_path):
    (path,) = build(registry, curves=4, points=64).export(tmp_path, "final")
    text = path.read_text()
    assert path.name == "final.svg" and text.startswith("<svg") and text.count("<polyline") == 4
    assert [p.name for p in tmp_path.iterdir()] == ["final.svg"]  # no temp file left behind


def test_bad_field_is_a_config_error(registry):
    from apophenic import ApophenicError
    from apophenic.runs import validate_run

    with pytest.raises(ApophenicError, match="curves"):
        validate_run({"generator": {"type": "spirograph", "curves": 0}, "objectives": []}, None, registry=registry)


# --8<-- [start:pipeline]
def test_preset_runs_with_builtin_perceivers(registry, tmp_path):
    from apophenic.runs import apply_overrides, read_preset, run_data

    preset = registry.preset_path("spirograph")
    data = apply_overrides(read_preset(preset), ["size=48", "optimizer.steps=2", "augmentations=1", "generator.points=256"])
    data["perceivers"] = data["perceivers"][:1]  # EfficientNet-Lite0 alone: a small, fast ensemble
    result = run_data(data, preset, tmp_path, registry=registry)
    assert {"final.png", "final.svg", "run.json"} <= {p.name for p in result.folder.iterdir()}
    assert result.images.shape == (1, 3, 48, 48)
# --8<-- [end:pipeline]


# --8<-- [start:run_preset]
def test_run_the_preset_from_code(registry, tmp_path):
    from apophenic import run_preset

    result = run_preset("spirograph", overrides=["size=48", "augmentations=1", "generator.points=256"],
                        seed=3, steps=2, out=tmp_path, registry=registry)
    assert result.folder.parent == tmp_path                 # tmp_path/spirograph-<hash>/
    assert result.record["format"] == 1 and result.record["seed"] == 3   # run.json's content
    assert result.images.shape == (1, 3, 48, 48)            # the final picture, B×3×H×W in [0, 1]
# --8<-- [end:run_preset]
