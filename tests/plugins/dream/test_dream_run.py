"""DeepDream through the engine's run loop: the dreamed layer responds more, the run folder is complete."""

import json

import pytest
import torch
from apophenic.config import validate
from apophenic.errors import ApophenicError
from apophenic.output import read_recipe
from apophenic.plugins.dream.deepdream import octave_sizes, split_steps
from apophenic.plugins.dream.photo import load_photo
from apophenic.preset_loader import load_data
from apophenic.registry import get_registry
from apophenic.run import execute
from apophenic_test_support import files_under


def _config(overrides, preset="dream-shallow"):
    registry = get_registry()
    data, source = load_data(preset, overrides, registry)
    return validate(data, registry, source), source


def test_octaves_go_from_small_to_full_size_and_steps_spread_over_them():
    assert octave_sizes(300, 451, 4, 1.4) == [(109, 164), (153, 230), (214, 322), (300, 451)]
    assert octave_sizes(40, 40, 4, 2.0) == [(40, 40)]  # octaves below 32 px are skipped
    assert split_steps(10, 4) == [3, 3, 2, 2] and sum(split_steps(40, 4)) == 40


def test_dream_raises_the_layer_response_and_writes_a_run_folder(tmp_path):
    config, source = _config(['generator.path="skimage:chelsea"', "generator.long_side=96", "optimizer.steps=6",
                              "optimizer.octaves=2", "device=\"cpu\""])
    result = execute(config, tmp_path, source=source, progress=False, preset="dream-shallow")
    record = json.loads((result.folder / "run.json").read_text())
    assert record["objective"]["end"]["total"] > 1.15 * record["objective"]["start"]["total"]
    assert record["steps"] == 6 and record["seed"] == 0 and record["wall_seconds"] > 0
    assert read_recipe(result.folder / "final.png")["config"]["optimizer"]["type"] == "deepdream"
    assert result.images.shape == (1, 3, 64, 96)
    original = load_photo("skimage:chelsea")
    assert (result.images - torch.nn.functional.interpolate(original, size=(64, 96), antialias=True, mode="bilinear")).abs().mean() > 0.01


def test_blend_scales_the_change_and_same_seed_gives_same_pixels(tmp_path):
    common = ['generator.path="skimage:coffee"', "generator.long_side=64", "optimizer.steps=3", "optimizer.octaves=1"]
    full = execute(_config(common)[0], tmp_path / "a", progress=False).images
    again = execute(_config(common)[0], tmp_path / "b", progress=False).images
    half = execute(_config([*common, "generator.blend=0.5"])[0], tmp_path / "c", progress=False).images
    original = torch.nn.functional.interpolate(load_photo("skimage:coffee"), size=(43, 64), mode="bilinear", antialias=True).clamp(0, 1)
    assert torch.equal(full, again)
    assert torch.allclose(half - original, 0.5 * (full - original), atol=1e-5)


def test_tiled_dream_runs_and_changes_every_tile(tmp_path):
    config, source = _config(['generator.path="skimage:astronaut"', "generator.long_side=128", "optimizer.steps=2",
                              "optimizer.octaves=1", "optimizer.tile=48", "optimizer.overlap=8"])
    result = execute(config, tmp_path, source=source, progress=False)
    change = (result.images - load_photo("skimage:astronaut")[..., ::4, ::4]).abs().mean(1)[0]
    # every 16×16 block of the image was dreamed on (no tile was skipped)
    blocks = change.unfold(0, 16, 16).unfold(1, 16, 16).mean((-1, -2))
    assert float(blocks.min()) > 0.005


def test_a_tile_smaller_than_the_receptive_field_is_refused_and_nothing_is_written(tmp_path):
    config, source = _config(['generator.path="skimage:astronaut"', "generator.long_side=128", "optimizer.steps=2",
                              'objectives[0].layer="mid"', "optimizer.tile=48", "optimizer.overlap=8"])
    with pytest.raises(ApophenicError, match=r"optimizer.tile: 48 px is smaller than the receptive field of efficientnet-lite0 layer 'blocks\.\d+' \(\d+ px\)"):
        execute(config, tmp_path / "out", source=source, progress=False)
    assert files_under(tmp_path / "out") == []


def test_deepdream_needs_a_photo(tmp_path):
    config, source = _config(['generator={type="fourier"}', "optimizer.steps=1", "size=32"])
    with pytest.raises(ApophenicError, match="use generator type 'photo'"):
        execute(config, tmp_path, source=source, progress=False)
    assert files_under(tmp_path) == []
