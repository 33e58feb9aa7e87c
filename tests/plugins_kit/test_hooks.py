"""One test per hook, named after it, running the example its docs page shows.

``test_hook_docs.py`` fails when a hook in ``apophenic.hookspecs`` has no test
named ``test_<hook>`` here, so a new hook cannot land untested.
"""

from __future__ import annotations

import torch
from apophenic import BuildContext
from kit_helpers import doc_example, tiny_config


def run(registry, tmp_path, **parts):
    from apophenic.run import execute

    return execute(tiny_config(registry, **parts), tmp_path / "out", registry=registry, progress=False)


def test_register_generators(core_and, tmp_path):
    registry = core_and(mosaic=doc_example("register_generators"))
    assert registry.components["generator"]["mosaic"].plugin == "mosaic"
    result = run(registry, tmp_path, generator={"type": "mosaic", "cells": 4})
    assert result.images.shape == (1, 3, 32, 32)
    # 4 cells upsampled smoothly: neighbouring pixels barely differ, unlike noise.
    assert float((result.images[..., 1:] - result.images[..., :-1]).abs().max()) < 0.2
    assert result.record["objective"]["end"]["total"] > result.record["objective"]["start"]["total"]


def test_register_perceivers(core_and, tmp_path):
    registry = core_and(sobel=doc_example("register_perceivers"))
    config = tiny_config(registry, perceivers=[{"type": "sobel"}], objectives=[{"type": "layer", "layer": "mid"}])
    perceiver = config.perceivers[0].build(BuildContext())
    assert perceiver.layer_names() == ["gray", "edges", "pool"]
    stripes = torch.zeros(1, 3, 16, 16)
    stripes[..., 4:8] = 1.0  # one vertical bar
    flat = torch.full((1, 3, 16, 16), 0.5)
    edges = lambda im: float(perceiver.perceive(im, ["mid"])["mid"].abs().mean())  # noqa: E731
    assert edges(stripes) > 0.1 and edges(flat) == 0.0
    result = run(registry, tmp_path, perceivers=[{"type": "sobel"}], objectives=[{"type": "layer", "layer": "edges"}])
    assert result.record["objective"]["end"]["total"] > result.record["objective"]["start"]["total"]


def test_register_objectives(core_and, tmp_path):
    registry = core_and(confidence=doc_example("register_objectives"))
    result = run(registry, tmp_path, size=48,
                 perceivers=[{"type": "efficientnet-lite0", "resize": 48}],
                 objectives=[{"type": "confidence", "weight": 2.0}])
    objective = result.record["objective"]
    assert objective["description"] == "2 × most likely class log-probability"
    assert objective["end"]["total"] > objective["start"]["total"]
    assert objective["end"]["total"] <= 0  # twice a log-probability


def test_register_transforms(core_and):
    registry = core_and(flip=doc_example("register_transforms"))
    config = tiny_config(registry, transforms=[{"type": "flip", "probability": 0.5}])
    flip = config.transforms[0].build(BuildContext())
    images = torch.arange(4.0).view(1, 1, 1, 4).expand(64, 3, 2, 4)
    views = flip(images, torch.Generator().manual_seed(0))
    flipped = (views[:, 0, 0, 0] == 3).sum()
    assert 16 < flipped < 48  # about half, each view flipped or not, never anything else
    assert torch.equal(views, flip(images, torch.Generator().manual_seed(0)))  # seeded
    assert flip.description == "flip p=0.5"


def test_register_optimizers(core_and, tmp_path):
    registry = core_and(sgd=doc_example("register_optimizers"))
    result = run(registry, tmp_path, optimizer={"type": "sgd", "lr": 1.0, "steps": 3})
    assert result.record["config"]["optimizer"] == {"type": "sgd", "steps": 3, "lr": 1.0, "momentum": 0.9}
    assert result.record["objective"]["end"]["total"] > result.record["objective"]["start"]["total"]


def test_register_presets(core_and, tmp_path):
    from apophenic.preset_loader import load

    registry = core_and(presets=doc_example("register_presets"))
    path = registry.preset_path("edge-dream")
    assert registry.presets["edge-dream"][1] == "presets"
    config, source = load("edge-dream", ["optimizer.steps=1", "size=24"], registry)
    assert source == path and config.generator.type == "fourier"


def test_register_commands(core_and):
    import typer
    from typer.testing import CliRunner

    from apophenic.registry import get_registry

    registry = core_and(kinds=doc_example("register_commands"))
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """The root app (the real one is apophenic.cli.build_app)."""

    registry.hook.register_commands(cli=app)
    done = CliRunner().invoke(app, ["kinds", "--kind", "generator"])
    assert done.exit_code == 0, done.output
    assert done.output == f"generator: {len(get_registry().components['generator'])}\n"


def test_on_step(core_and, tmp_path):
    registry = core_and(loss_log=doc_example("on_step"))
    result = run(registry, tmp_path, optimizer={"type": "adam", "steps": 3})
    rows = (result.folder / "loss.csv").read_text().splitlines()
    assert rows[0] == "step,loss" and [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3"]
    assert all(float(r.split(",")[1]) == float(r.split(",")[1]) for r in rows[1:])  # numbers, not NaN


def test_on_finish(core_and, tmp_path, capsys):
    from PIL import Image

    registry = core_and(thumbs=doc_example("on_finish"))
    result = run(registry, tmp_path, size=64)
    with Image.open(result.folder / "thumb.png") as im:
        assert im.size == (32, 32)
    assert f"thumbnail: {result.folder / 'thumb.png'}" in capsys.readouterr().out
