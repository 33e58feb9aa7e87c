import numpy as np
import pytest
import torch
from PIL import Image

from apophenic.component import BuildContext
from apophenic.errors import ApophenicError
from apophenic.plugins.core import generators as images, transforms


@pytest.mark.parametrize("config", [images.PixelsConfig(type="pixels", batch=2), images.FourierConfig(type="fourier", batch=2)])
def test_generators_render_valid_differentiable_images(config):
    gen = config.build(BuildContext(size=(40, 56), seed=1))
    out = gen.render()
    assert out.shape == (2, 3, 40, 56) and out.min() >= 0 and out.max() <= 1
    out.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in gen.parameters())


def test_fourier_is_seeded():
    a = images.FourierConfig(type="fourier").build(BuildContext(seed=5, size=(32, 32))).render()
    b = images.FourierConfig(type="fourier").build(BuildContext(seed=5, size=(32, 32))).render()
    c = images.FourierConfig(type="fourier").build(BuildContext(seed=6, size=(32, 32))).render()
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_image_generator_starts_from_the_file(tmp_path):
    rgb = (np.random.default_rng(0).random((30, 50, 3)) * 255).astype(np.uint8)
    path = tmp_path / "x.jpg"
    Image.fromarray(rgb).save(path, quality=100)
    kept = images.ImageFileConfig(type="image", path="x.jpg", resize=False).build(BuildContext(source=tmp_path / "p.toml"))
    out = kept.render()[0].permute(1, 2, 0).detach().numpy()
    assert out.shape == (30, 50, 3)
    assert np.abs(out - np.asarray(Image.open(path)) / 255).mean() < 0.01
    resized = images.ImageFileConfig(type="image", path=str(path)).build(BuildContext(size=(64, 64)))
    assert resized.render().shape == (1, 3, 64, 64)


def test_unreadable_image_is_a_clean_error(tmp_path):
    (tmp_path / "x.png").write_text("hello")
    with pytest.raises(ApophenicError, match="x.png: not a readable image"):
        images.ImageFileConfig(type="image", path=str(tmp_path / "x.png")).build(BuildContext())


ALL = [
    transforms.JitterConfig(type="jitter", pixels=4),
    transforms.ScaleConfig(type="scale", min=0.8, max=1.2),
    transforms.RotateConfig(type="rotate", degrees=20),
    transforms.PadConfig(type="pad", pixels=3),
    transforms.CropConfig(type="crop", fraction=0.7),
]


@pytest.mark.parametrize("config", ALL, ids=lambda c: c.type)
def test_transforms_are_seeded_per_image_and_differentiable(config):
    t = config.build(BuildContext())
    x = torch.rand(1, 3, 32, 32).repeat(4, 1, 1, 1).requires_grad_()
    a = t(x, torch.Generator().manual_seed(0))
    b = t(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    if config.type != "pad":
        assert not torch.equal(a[0], a[1]), "each copy should get its own random draw"
    a.sum().backward()
    assert x.grad.abs().sum() > 0


def test_scale_range_must_be_ordered():
    with pytest.raises(ValueError, match="must not exceed"):
        transforms.ScaleConfig(type="scale", min=2, max=1)


def test_adam_cosine_schedule_falls_from_lr_to_its_final_fraction():
    from apophenic.plugins.core.optimizers import AdamConfig

    param = torch.nn.Parameter(torch.zeros(3))
    opt = AdamConfig(type="adam", lr=0.2, steps=11, schedule="cosine", final_lr=0.1).build([param], BuildContext())
    rates = []
    for _ in range(11):
        rates.append(opt.optim.param_groups[0]["lr"])
        opt.step(lambda: (param - 1).pow(2).sum())
    assert rates[0] == pytest.approx(0.2) and rates[-1] == pytest.approx(0.02)
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    constant = AdamConfig(type="adam", lr=0.2, steps=11).build([param], BuildContext())
    constant.step(lambda: (param - 1).pow(2).sum())
    assert constant.optim.param_groups[0]["lr"] == 0.2
