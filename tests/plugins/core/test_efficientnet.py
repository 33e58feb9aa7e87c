"""The real ImageNet weights are loaded: bundled photos are classified correctly."""

import pytest
import skimage.data
import torch

from apophenic.errors import ApophenicError
from apophenic.imagenet import match_class
from apophenic.component import BuildContext
from apophenic.plugins.core.perceivers import EfficientNetLite0Config, EfficientNetPerceiver

CATS = {match_class(n) for n in ("tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat")}


def _photo(name: str) -> torch.Tensor:
    return torch.tensor(getattr(skimage.data, name)()).permute(2, 0, 1)[None].float() / 255


@pytest.fixture(scope="module", params=["lite0", "lite1", "lite2"])
def perceiver(request):
    from apophenic.plugins.core.efficientnet import VARIANTS

    return EfficientNetPerceiver(request.param, VARIANTS[request.param].input_size)


def _top(perceiver, name: str) -> tuple[int, float]:
    with torch.no_grad():
        probs = perceiver.perceive(_photo(name), ["logits"])["logits"].softmax(-1)[0]
    return int(probs.argmax()), float(probs.max())


def test_chelsea_is_a_cat(perceiver):
    top, p = _top(perceiver, "chelsea")
    assert top in CATS and p > 0.5


def test_coffee_is_espresso(perceiver):
    top, p = _top(perceiver, "coffee")
    assert top == match_class("espresso") and p > 0.5


def test_any_input_size_works(perceiver):
    """SAME padding is computed from the actual size: odd sizes still classify the cat."""
    perceiver.resize_to = 257
    try:
        top, _ = _top(perceiver, "chelsea")
    finally:
        from apophenic.plugins.core.efficientnet import VARIANTS

        perceiver.resize_to = VARIANTS[perceiver.name.split("-")[-1]].input_size
    assert top in CATS


def test_layers_are_tappable_and_aliased():
    p = EfficientNetPerceiver("lite0", 224)
    feats = p.perceive(torch.rand(2, 3, 64, 64), ["stem", "deep", "pool"])
    assert feats["stem"].shape == (2, 32, 112, 112)
    assert feats["pool"].shape == (2, 1280)
    assert feats["deep"].shape[0] == 2 and feats["deep"].ndim == 4


def test_unknown_layer_lists_how_to_find_names():
    p = EfficientNetPerceiver("lite0", 224)
    with pytest.raises(ApophenicError, match="unknown layer 'blocks.99'.*apophenic layers efficientnet-lite0"):
        p.perceive(torch.rand(1, 3, 32, 32), ["blocks.99"])


def test_weights_are_frozen_but_input_gets_gradients():
    p = EfficientNetPerceiver("lite0", 64)
    x = torch.rand(1, 3, 64, 64, requires_grad=True)
    p.perceive(x, ["logits"])["logits"][0, 1].backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(w.grad is None for w in p.parameters())


def test_folded_batch_norms_give_the_same_features_logits_and_gradients():
    from apophenic.plugins.core.efficientnet import fold_batch_norms, load_network

    plain = load_network("lite0")
    folded = fold_batch_norms(load_network("lite0"))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    x = torch.rand(1, 3, 96, 80, generator=torch.Generator().manual_seed(0))
    for net in (plain, folded):
        net.requires_grad_(False)
    a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    block_a, block_b = plain.blocks[:11](plain.stem(a)), folded.blocks[:11](folded.stem(b))
    assert torch.allclose(block_b, block_a, rtol=1e-4, atol=1e-4 * float(block_a.abs().max()))
    (ga,) = torch.autograd.grad(block_a.pow(2).mean(), a)
    (gb,) = torch.autograd.grad(block_b.pow(2).mean(), b)
    assert torch.allclose(gb, ga, rtol=1e-3, atol=1e-3 * float(ga.abs().max()))
    with torch.no_grad():
        assert torch.allclose(folded(x), plain(x), atol=1e-3)


def test_perceiver_features_and_pixel_gradients_equal_the_plain_network():
    """Folded batch norms and channels-last inside the perceiver change no number a user sees."""
    from apophenic.plugins.core.efficientnet import load_network

    p = EfficientNetLite0Config(type="efficientnet-lite0", resize="none").build(BuildContext())
    plain = load_network("lite0").requires_grad_(False)
    x = torch.rand(1, 3, 80, 96, generator=torch.Generator().manual_seed(2))
    a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    feats = p.perceive(a, ["blocks.10", "logits"])
    expected = plain.blocks[:11](plain.stem((b * 255.0 - 127.0) / 128.0))
    assert feats["blocks.10"].is_contiguous()
    assert torch.allclose(feats["blocks.10"], expected, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))
    (ga,) = torch.autograd.grad(feats["blocks.10"].pow(2).mean(), a)
    (gb,) = torch.autograd.grad(expected.pow(2).mean(), b)
    # Folding rounds differently, so a pre-activation that sits on a ReLU6 corner (0 or 6) can
    # fall on the other side and switch the gradient of the pixels behind it: with this input
    # that happens to 3.5 % of them (0.8 % of the gradient's norm; the next seeds: none).
    # Anything wrong in folding or layout would change every pixel by far more.
    close = (ga - gb).abs() <= 1e-3 * gb.abs().max() + 1e-3 * gb.abs()
    assert float(close.float().mean()) > 0.95
    assert float((ga - gb).norm() / gb.norm()) < 0.02
    with torch.no_grad():
        assert torch.allclose(feats["logits"], plain((x * 255.0 - 127.0) / 128.0), atol=1e-3)


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("kernel,stride", [(3, 1), (5, 1), (3, 2), (5, 2), (1, 1)])
def test_same_padding_without_copies_equals_explicit_padding(kernel, stride, layout):
    """Conv2dSame pads inside the convolution (even pads) or through _ZeroPad (stride-2 uneven
    pads); both give the numbers of TensorFlow's SAME: F.pad with zeros, then an unpadded conv."""
    import math

    import torch.nn.functional as F
    from apophenic.plugins.core.efficientnet import Conv2dSame

    torch.manual_seed(0)
    conv = Conv2dSame(6, 6, kernel, stride=stride, groups=6, bias=True).to(memory_format=layout)
    for h, w in [(16, 16), (17, 16), (15, 20), (9, 9)]:
        x = torch.randn(2, 6, h, w).contiguous(memory_format=layout)
        pad_h = max((math.ceil(h / stride) - 1) * stride + kernel - h, 0)
        pad_w = max((math.ceil(w / stride) - 1) * stride + kernel - w, 0)
        a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        ours = conv(a)
        theirs = F.conv2d(F.pad(b, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2]),
                          conv.weight, conv.bias, stride, groups=6)
        assert ours.shape == theirs.shape == (2, 6, math.ceil(h / stride), math.ceil(w / stride))
        torch.testing.assert_close(ours, theirs)
        weights = torch.randn(ours.shape)  # a gradient that differs at every output position
        (ga,) = torch.autograd.grad((ours * weights).sum(), a)
        (gb,) = torch.autograd.grad((theirs * weights).sum(), b)
        torch.testing.assert_close(ga, gb)
