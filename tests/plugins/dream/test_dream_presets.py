"""The dream presets validate, and activation maximization from noise works with any generator."""

import json

import pytest
from apophenic.config import validate
from apophenic.preset_loader import load_data
from apophenic.registry import get_registry
from apophenic.run import execute

PRESETS = ["dream-shallow", "dream-deep", "visualize-channel", "visualize-class", "dream-ink"]


@pytest.mark.parametrize("name", PRESETS)
def test_every_dream_preset_is_registered_and_valid(name):
    registry = get_registry()
    assert registry.presets[name][1] == "dream"
    data, source = load_data(name, [], registry)
    validate(data, registry, source)


def _run(name, overrides, out):
    registry = get_registry()
    data, source = load_data(name, overrides, registry)
    return execute(validate(data, registry, source), out, source=source, registry=registry, progress=False, preset=name)


def test_visualize_channel_raises_the_channel_and_keeps_the_batch_diverse(tmp_path):
    result = _run("visualize-channel", ["size=48", "optimizer.steps=4", "generator.batch=2"], tmp_path)
    terms_start = result.record["objective"]["start"]["terms"]
    terms_end = result.record["objective"]["end"]["terms"]
    assert terms_end["channel mid:7"] > terms_start["channel mid:7"]
    assert set(terms_end) == {"channel mid:7", "diversity shallow"}
    assert result.images.shape == (2, 3, 48, 48)
    assert float((result.images[0] - result.images[1]).abs().mean()) > 0.01


def test_dream_objectives_drive_the_strokes_generator(tmp_path):
    if "strokes" not in get_registry().components["generator"]:
        pytest.skip("the strokes generator is not installed")
    result = _run("dream-ink", ["size=64", "optimizer.steps=4", "augmentations=1", "generator.strokes=8"], tmp_path)
    record = json.loads((result.folder / "run.json").read_text())
    assert record["objective"]["end"]["total"] > record["objective"]["start"]["total"]
    assert (result.folder / "final.svg").exists()


def test_unit_objective_raises_one_neuron_from_noise(tmp_path):
    overrides = ["size=48", "optimizer.steps=4", "generator.batch=1", "objectives=[]",
                 'objectives[0]={type="unit", layer="mid", channel=3}']
    result = _run("visualize-channel", overrides, tmp_path)
    objective = result.record["objective"]
    assert objective["description"] == "unit mid:3@0.5,0.5"
    assert objective["end"]["total"] > objective["start"]["total"]


def test_unit_out_of_range_is_a_config_error(tmp_path):
    from apophenic.errors import ApophenicError

    overrides = ["size=48", "optimizer.steps=1", "objectives=[]", 'objectives[0]={type="unit", layer="deep", channel=112}']
    with pytest.raises(ApophenicError, match=r"layer 'deep' has channels 0..111 \(got 112\)"):
        _run("visualize-channel", overrides, tmp_path)
