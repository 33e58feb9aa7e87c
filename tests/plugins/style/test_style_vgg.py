"""The Gatys recipe on VGG-19 (random-init weights: no ImageNet weights offline) and its missing-weights error."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from apophenic.cli import main
from apophenic.component import BuildContext
from apophenic.objective import Perception
from apophenic.plugins.core.vgg import VGG19, VGG19Perceiver
from apophenic.plugins.style.generator import StyleImageConfig
from apophenic.plugins.style.objectives import ContentConfig, StyleConfig

GATYS_STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]


def test_style_term_on_vgg19_is_zero_for_the_style_image_itself(tmp_path: Path, style_png):
    from apophenic.plugins.style.images import load, resize_long_side

    torch.manual_seed(0)
    ctx = BuildContext(seed=0, size=(40, 40), source=tmp_path / "p.toml")
    ctx.perceivers = {"vgg19": VGG19Perceiver(VGG19(classifier=False, pool="avg"), None)}
    style = StyleConfig(image=style_png.name, layers=GATYS_STYLE).build(ctx)
    image = resize_long_side(load(ctx, style_png.name, "k"), 40)
    feats = {"vgg19": ctx.perceivers["vgg19"].perceive(image, GATYS_STYLE)}
    assert abs(float(style(Perception(image, feats, {"vgg19": 1.0})))) < 1e-6
    noise = torch.rand_like(image)
    feats = {"vgg19": ctx.perceivers["vgg19"].perceive(noise, GATYS_STYLE)}
    assert float(style(Perception(noise, feats, {"vgg19": 1.0}))) < -1e-3


@pytest.mark.slow
def test_gatys_preset_runs_from_a_torchvision_format_state_dict(tmp_path: Path):
    """The shipped style-transfer preset, loading a (random-init) vgg19 state dict saved as torchvision does."""
    torch.manual_seed(0)
    weights = tmp_path / "vgg19-0000.pth"
    torch.save(VGG19(classifier=True).state_dict(), weights)
    out = tmp_path / "out"
    try:
        main(["run", "style-transfer", "--steps", "2", "--set", "size=48", "--set", f"perceivers[0].weights={str(weights)!r}",
              "--out", str(out), "--quiet"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    (folder,) = out.iterdir()
    assert (folder / "final.png").is_file()


@pytest.mark.slow
def test_gatys_layers_on_random_vgg19_lower_the_style_loss(tmp_path: Path, content_png, style_png):
    torch.manual_seed(0)
    ctx = BuildContext(seed=0, size=(48, 48), source=tmp_path / "p.toml")
    ctx.perceivers = {"vgg19": VGG19Perceiver(VGG19(classifier=False, pool="avg"), None)}
    objective = ContentConfig(image=content_png.name, layers=["relu4_2"]).build(ctx) + 10 * StyleConfig(
        image=style_png.name, layers=GATYS_STYLE).build(ctx)
    gen = StyleImageConfig(image=content_png.name).build(ctx)
    p = ctx.perceivers["vgg19"]

    def style_distance() -> tuple[torch.Tensor, float]:
        images = gen.render()
        feats = {"vgg19": p.perceive(images, {layer for _, layer in objective.needs})}
        total, terms = objective.evaluate(Perception(images, feats, {"vgg19": 1.0}))
        return total, -float(next(v for k, v in terms.items() if k.startswith("style")).detach())

    opt = torch.optim.Adam(gen.parameters(), lr=0.05)
    _, first = style_distance()
    for _ in range(6):
        opt.zero_grad()
        total, _ = style_distance()
        (-total).backward()
        opt.step()
    _, last = style_distance()
    assert last < 0.8 * first


def test_vgg_preset_without_weights_says_where_to_put_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["run", "style-transfer", "--steps", "1", "--out", str(out), "--quiet"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "vgg19" in err and str(tmp_path / "torch-home") in err and len(err.splitlines()) == 1
    assert not any(out.glob("*/final.png"))


def test_style_command_vgg_without_weights_writes_nothing(tmp_path, monkeypatch, capsys, content_png, style_png):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["style", "transfer", str(content_png), str(style_png), "--perceiver", "vgg19", "--out", str(out)])
    assert exit_.value.code == 2
    assert "vgg19" in capsys.readouterr().err
    assert not out.exists()
