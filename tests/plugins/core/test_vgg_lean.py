"""The vgg19 perceiver holds only what is asked of it: no head for style, in-place ReLUs, same numbers."""

from __future__ import annotations

import pytest
import torch

from apophenic.component import BuildContext
from apophenic.plugins.core.vgg import LAYER_NAMES, VGG19, VGG19Config, VGG19Perceiver
from apophenic.plugins.style.gram import gram, relative_distance

STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]


def _reference(model: VGG19, x: torch.Tensor, layers: list[str]) -> dict[str, torch.Tensor]:
    """Features by running ``features`` module by module (ReLUs not in place), as before."""
    out, feats = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1), {}
    for name, module in zip(LAYER_NAMES, model.features):
        out = module(out)
        if name in layers:
            feats[name] = out
    return feats


def _style_loss(feats: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(relative_distance(gram(feats[k]), targets[k]) for k in targets)


def test_style_loss_and_gradient_equal_the_plain_network_with_in_place_relus():
    torch.manual_seed(0)
    model = VGG19(classifier=False)
    reference = VGG19(classifier=False)
    reference.load_state_dict(model.state_dict())
    p = VGG19Perceiver(model, None)
    style, image = torch.rand(1, 3, 48, 48), torch.rand(1, 3, 48, 48)
    with torch.no_grad():
        targets = {k: gram(v) for k, v in p.perceive(style, STYLE).items()}
    layers = [*STYLE, "relu4_2", "conv3_1"]

    x = image.clone().requires_grad_(True)
    feats = p.perceive(x, layers)
    loss = _style_loss(feats, targets) + feats["relu4_2"].square().mean()
    (grad,) = torch.autograd.grad(loss, x)

    y = image.clone().requires_grad_(True)
    ref = _reference(reference, y, layers)
    ref_loss = _style_loss(ref, targets) + ref["relu4_2"].square().mean()
    (ref_grad,) = torch.autograd.grad(ref_loss, y)

    assert torch.allclose(loss, ref_loss, rtol=1e-5)
    assert torch.allclose(grad, ref_grad, rtol=1e-4, atol=1e-7)
    # A tapped conv keeps its pre-ReLU values although the ReLUs elsewhere work in place.
    assert (feats["conv3_1"] < 0).any() and torch.allclose(feats["conv3_1"], ref["conv3_1"], atol=1e-5)
    assert all(not model.features[i].inplace for i, n in enumerate(LAYER_NAMES) if n.startswith("relu"))


@pytest.mark.slow
def test_head_is_read_only_when_logits_are_asked_for_and_gives_the_same_logits(tmp_path):
    torch.manual_seed(1)
    full = VGG19(classifier=True).eval()
    weights = tmp_path / "vgg19-0000.pth"
    torch.save(full.state_dict(), weights)
    p = VGG19Config(weights=str(weights), resize="none").build(BuildContext())
    features = sum(t.numel() for t in full.features.parameters())
    assert sum(t.numel() for t in p.parameters()) == features  # style transfer never holds the head
    assert {"fc6", "fc7", "logits"} <= set(p.layer_names()) and len(p.labels) == 1000
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        before = p.perceive(x, STYLE)
        got = p.perceive(x, ["logits", "fc7", "relu5_1"])
        expected = full(p.prepare(x))
    assert sum(t.numel() for t in p.parameters()) == sum(t.numel() for t in full.parameters())
    assert torch.allclose(got["logits"], expected, atol=1e-5)
    assert torch.allclose(got["relu5_1"], before["relu5_1"])
