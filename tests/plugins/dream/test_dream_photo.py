"""The `photo` generator: files and scikit-image samples, long-side resize, blend back to the original."""

import pytest
import torch
from apophenic.component import BuildContext
from apophenic.errors import ApophenicError
from apophenic.plugins.dream.photo import PhotoConfig, sample_photo
from PIL import Image


def test_skimage_sample_and_file_give_the_same_pixels(tmp_path):
    import skimage.data

    Image.fromarray(skimage.data.coffee()).save(tmp_path / "coffee.png")
    from_file = PhotoConfig(type="photo", path="coffee.png").build(BuildContext(source=tmp_path / "p.toml"))
    from_sample = PhotoConfig(type="photo", path="skimage:coffee").build(BuildContext())
    assert from_file.render().shape == (1, 3, 400, 600)
    assert torch.allclose(from_file.render(), from_sample.render(), atol=1e-6)


def test_grey_samples_become_rgb_and_long_side_keeps_the_aspect():
    camera = sample_photo("camera")
    assert camera.shape == (1, 3, 512, 512) and 0 <= float(camera.min()) and float(camera.max()) <= 1
    gen = PhotoConfig(type="photo", path="skimage:chelsea", long_side=150).build(BuildContext())
    assert gen.render().shape == (1, 3, 100, 150)  # chelsea is 300×451


def test_blend_zero_renders_the_original_and_constrain_keeps_pixels_in_range():
    gen = PhotoConfig(type="photo", path="skimage:chelsea", long_side=64, blend=0.25).build(BuildContext())
    original = gen.render().detach().clone()
    with torch.no_grad():
        gen.pixels.add_(2.0)
    gen.constrain()
    assert float(gen.pixels.detach().max()) == 1.0
    assert torch.allclose(gen.render(), original + 0.25 * (1.0 - original))
    gen.blend = 0.0
    assert torch.equal(gen.render(), original)


def test_a_file_that_is_not_an_image_is_a_one_line_error(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    with pytest.raises(ApophenicError, match="notes.png: not a readable image"):
        PhotoConfig(type="photo", path=str(bad)).build(BuildContext())
    with pytest.raises(ApophenicError, match="unknown sample photo 'skimage:chelse'; did you mean 'skimage:chelsea'"):
        PhotoConfig(type="photo", path="skimage:chelse").build(BuildContext())
