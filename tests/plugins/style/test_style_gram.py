"""The Gram matrix's one-product backward gives the gradient autograd gives the plain formula."""

import torch
from apophenic.plugins.style.gram import gram, relative_distance


def _plain_gram(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    b, c, h, w = features.shape
    if mask is not None:
        m = torch.nn.functional.interpolate(mask, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
        features, area = features * m.sqrt(), m.sum().clamp_min(1e-6)
    else:
        area = torch.tensor(float(h * w))
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (area * c)


def test_gram_value_and_gradient_equal_the_plain_formula_with_and_without_a_mask():
    g = torch.Generator().manual_seed(0)
    features = torch.randn(2, 8, 12, 10, generator=g)
    target = _plain_gram(torch.randn(1, 8, 12, 10, generator=g))
    mask = torch.rand(1, 1, 6, 5, generator=g)
    for m in (None, mask):
        a, b = features.clone().requires_grad_(True), features.clone().requires_grad_(True)
        ours, plain = gram(a, m), _plain_gram(b, m)
        assert torch.allclose(ours, plain, rtol=1e-5, atol=1e-6)
        (ga,) = torch.autograd.grad(relative_distance(ours, target), a)
        (gb,) = torch.autograd.grad(relative_distance(plain, target), b)
        assert torch.allclose(ga, gb, rtol=1e-4, atol=1e-7)
