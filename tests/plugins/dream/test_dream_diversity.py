"""The `diversity` objective: identical images score lowest, copies of one image are not compared."""

import torch
from apophenic.plugins.dream.diversity import gram_similarity


def test_identical_images_are_fully_similar_and_different_ones_less():
    g = torch.Generator().manual_seed(0)
    one = torch.rand(1, 8, 10, 10, generator=g)
    same = one.repeat(4, 1, 1, 1)
    assert float(gram_similarity(same)) == pytest_approx(1.0)
    varied = torch.rand(4, 8, 10, 10, generator=g) ** torch.tensor([1.0, 3.0, 6.0, 9.0]).view(4, 1, 1, 1)
    assert float(gram_similarity(varied)) < 0.95


def test_copies_of_one_image_are_not_compared():
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(1, 8, 6, 6, generator=g), torch.rand(1, 8, 6, 6, generator=g) ** 4
    batch = torch.cat([a, b, a, b])  # two augmentations of a batch of two
    grouped = gram_similarity(batch, images=2)
    assert torch.allclose(grouped, gram_similarity(torch.cat([a, b])))
    assert float(gram_similarity(torch.cat([a, a]), images=1)) == 0.0  # one image: nothing to differ from


def test_gradient_of_diversity_pushes_two_images_apart():
    g = torch.Generator().manual_seed(2)
    feats = torch.rand(2, 8, 6, 6, generator=g) + 0.1
    before = float(gram_similarity(feats))
    for _ in range(30):
        feats.requires_grad_(True)
        (grad,) = torch.autograd.grad(gram_similarity(feats), feats)  # descending similarity = raising diversity
        feats = (feats.detach() - 0.05 * grad / (grad.abs().mean() + 1e-12)).clamp(min=0)
    assert float(gram_similarity(feats)) < before - 0.05


def pytest_approx(x):
    import pytest

    return pytest.approx(x, abs=1e-5)
