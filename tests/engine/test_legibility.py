"""Legibility measures: the clipped share and robust scores that every run writes to run.json."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import torch
import torch.nn.functional as F

from apophenic import legibility
from apophenic.config import validate
from apophenic.registry import get_registry
from apophenic.run import execute


def _photo(side: int = 224) -> torch.Tensor:
    import skimage.data

    cat = torch.from_numpy(np.asarray(skimage.data.chelsea(), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    return F.interpolate(cat, size=(side, side), mode="bilinear", antialias=True, align_corners=False).clamp(0, 1)


def test_clipped_share_counts_the_8bit_rails():
    levels = torch.tensor([0, 1, 2, 3, 128, 252, 253, 254, 255, 200], dtype=torch.float32) / 255
    image = levels.view(1, 1, 1, 10).expand(1, 3, 4, 10)
    assert legibility.clipped_share(image) == pytest.approx(6 / 10)
    assert legibility.clipped_share(_photo()) < 0.01


def _texture(amplitude: float, chroma_only: bool = False) -> torch.Tensor:
    """A per-pixel checkerboard around grey; ``chroma_only``: red against green at equal luma (what JPEG discards)."""
    yy, xx = torch.meshgrid(torch.arange(224), torch.arange(224), indexing="ij")
    sign = (((yy + xx) % 2) * 2 - 1).float()
    if chroma_only:
        delta = torch.stack([sign, -sign * 0.299 / 0.587, torch.zeros_like(sign)])
    else:
        delta = sign.expand(3, 224, 224)
    return (0.5 + amplitude * delta)[None]


@pytest.mark.parametrize("name", list(legibility.DEGRADATIONS))
def test_degradations_spare_a_photo_and_wipe_out_pixel_texture(name):
    """What a print or a glance does: a photo barely changes; per-pixel texture mostly goes.

    Half-scale and blur remove any per-pixel pattern; JPEG keeps luma detail but drops
    per-pixel colour (4:2:0 chroma) and requantizes what adversarial texture hides in.
    """
    degrade = legibility.DEGRADATIONS[name]
    photo = _photo()
    out = degrade(photo)
    assert out.shape == photo.shape and float(out.min()) >= 0 and float(out.max()) <= 1
    assert float((out - photo).abs().mean()) < 0.025
    texture = _texture(0.2, chroma_only=name == "jpeg")
    left = float((degrade(texture) - 0.5).abs().mean()) / float((texture - 0.5).abs().mean())
    assert left < 0.5, f"{name} kept {left:.0%} of the pixel texture"


def test_blur_is_one_pixel_at_224_and_scales_with_the_picture():
    def spread(side: int) -> float:
        impulse = torch.zeros(1, 1, side, side)
        impulse[0, 0, side // 2, side // 2] = 1
        row = legibility.blur(impulse)[0, 0, side // 2]
        x = torch.arange(side, dtype=torch.float32) - side // 2
        return float((row / row.sum() * x**2).sum().sqrt())

    assert spread(224) == pytest.approx(1.0, rel=0.05)
    assert spread(448) == pytest.approx(2.0, rel=0.05)


def _run(tmp_path, steps: int, **extra):
    """Lite0 pushed towards 'goldfish' on a photo of a cat: a few steps fool it without changing what a person sees."""
    from PIL import Image

    path = tmp_path / "cat.png"
    Image.fromarray((_photo().squeeze(0).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(path)
    data = {"seed": 0, "size": 224, "device": "cpu", "generator": {"type": "image", "path": str(path)},
            "perceivers": [{"type": "efficientnet-lite0"}], "score_targets": ["tabby"],
            "objectives": [{"type": "class", "target": "goldfish"}], "optimizer": {"type": "adam", "lr": 0.02, "steps": steps},
            **extra}
    return execute(validate(data, get_registry(), None), tmp_path / "out", progress=False).record


def test_robust_ranks_see_through_adversarial_texture(tmp_path):
    record = _run(tmp_path, steps=6)
    scores = {s["target"]: s for s in record["scores"]}
    robust = {r["target"]: r for r in record["robust"]}
    assert scores["goldfish"]["rank"] == 1 and scores["goldfish"]["probability"] > 0.5  # the classifier is fooled
    assert robust["goldfish"]["worst_rank"] > 5  # ... but not after a print or a glance
    assert robust["tabby"]["worst_rank"] <= 3  # which still show the cat
    assert set(robust["goldfish"]["degradations"]) == set(legibility.DEGRADATIONS)
    worst = robust["goldfish"]["worst_degradation"]
    assert robust["goldfish"]["degradations"][worst]["rank"] == robust["goldfish"]["worst_rank"]
    assert record["clipped"] < 0.01
    on_disk = json.loads(next((tmp_path / "out").glob("*/run.json")).read_text())
    assert on_disk["robust"] == record["robust"] and on_disk["clipped"] == record["clipped"]


def test_chosen_degradations_only_and_none_at_all(tmp_path):
    record = _run(tmp_path, steps=0, legibility={"degradations": ["jpeg"]})
    assert all(list(r["degradations"]) == ["jpeg"] for r in record["robust"])
    record = _run(tmp_path, steps=0, legibility={"degradations": []})
    assert record["robust"] == [] and record["clipped"] < 0.01


def test_measures_match_the_picture_as_saved(tmp_path):
    """Measured on the 8-bit picture: re-measuring final.png with the run's own classifiers gives the same numbers."""
    from PIL import Image

    from apophenic.run import build

    record = _run(tmp_path, steps=2)
    folder = next((tmp_path / "out").glob("*/"))
    saved = torch.from_numpy(np.asarray(Image.open(folder / "final.png").convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]
    pipeline = build(validate(record["config"], get_registry(), None))
    again = legibility.measure(saved, pipeline.ensemble.perceivers, pipeline.ensemble.held_out, pipeline.class_targets)
    assert again["clipped"] == record["clipped"]
    for mine, theirs in zip(again["robust"], record["robust"], strict=True):
        assert mine["worst_rank"] == theirs["worst_rank"] and mine["worst_degradation"] == theirs["worst_degradation"]
        for name, value in theirs["degradations"].items():  # float summation order may differ in the last bits
            assert mine["degradations"][name]["rank"] == value["rank"]
            assert mine["degradations"][name]["probability"] == pytest.approx(value["probability"], rel=1e-4, abs=1e-7)


NAMES = st.one_of(st.sampled_from(list(legibility.DEGRADATIONS)), st.text(max_size=12))


@settings(max_examples=80, deadline=None)
@given(names=st.one_of(st.lists(NAMES, max_size=5), st.text(max_size=8), st.integers()))
def test_fuzzed_degradation_lists_validate_or_fail_in_one_line(names):
    from apophenic.errors import ConfigError

    data = {"generator": {"type": "pixels"}, "legibility": {"degradations": names}}
    try:
        config = validate(data, get_registry(), "p.toml")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("p.toml: legibility.degradations") and "\n" not in message
        return
    assert config.legibility.degradations == names
    assert set(names) <= set(legibility.DEGRADATIONS) and len(set(names)) == len(names)
