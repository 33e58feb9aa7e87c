"""Content and style objectives, the style-image generator and colour preservation, on real small networks."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from apophenic.component import BuildContext
from apophenic.errors import ApophenicError, ConfigError
from apophenic.objective import Perception
from apophenic.plugins.core.perceivers import RandomCNNPerceiver
from apophenic.plugins.style import color
from apophenic.plugins.style.generator import StyleImageConfig
from apophenic.plugins.style.gram import gram, relative_distance
from apophenic.plugins.style.objectives import ContentConfig, StyleConfig


def _ctx(tmp_path: Path, size=(48, 48)) -> BuildContext:
    ctx = BuildContext(seed=0, size=size, source=tmp_path / "preset.toml")
    ctx.perceivers = {"net": RandomCNNPerceiver([3, 5], 8, seed=0)}
    return ctx


def _perceive(ctx, objective, images):
    feats = {}
    for name, p in ctx.perceivers.items():
        layers = {layer for who, layer in objective.needs if who in (None, name)}
        if layers:
            feats[name] = p.perceive(images, layers)
    return Perception(images, feats, {n: 1.0 for n in ctx.perceivers})


def test_gram_ignores_where_things_are_and_full_mask_changes_nothing():
    torch.manual_seed(0)
    f = torch.rand(2, 5, 6, 7)
    shuffled = f.flatten(2)[..., torch.randperm(42)].reshape_as(f)
    assert torch.allclose(gram(f), gram(shuffled), atol=1e-6)
    assert torch.allclose(gram(f, torch.ones(1, 1, 12, 14)), gram(f), atol=1e-6)
    assert float(relative_distance(gram(f), gram(f))) == 0.0


def test_content_term_is_zero_on_the_content_and_penalizes_other_images(tmp_path, content_png):
    ctx = _ctx(tmp_path)
    obj = ContentConfig(image=content_png.name, layers=["conv3"]).build(ctx)
    from apophenic.plugins.style.images import load, resize

    photo = resize(load(ctx, content_png.name, "k"), ctx.size)
    assert abs(float(obj(_perceive(ctx, obj, photo)))) < 1e-6
    assert float(obj(_perceive(ctx, obj, torch.rand_like(photo)))) < -0.05


def test_adam_steps_lower_the_style_distance(tmp_path, content_png, style_png):
    ctx = _ctx(tmp_path)
    style = StyleConfig(image=style_png.name, layers=["conv3", "conv5"]).build(ctx)
    gen = StyleImageConfig(image=content_png.name).build(ctx)
    opt = torch.optim.Adam(gen.parameters(), lr=0.05)
    values = []
    for _ in range(15):
        opt.zero_grad()
        score = style(_perceive(ctx, style, gen.render()))
        (-score).backward()
        opt.step()
        values.append(-float(score.detach()))
    assert values[-1] < 0.5 * values[0]


def test_blend_weights_pick_between_style_targets(tmp_path, style_png, second_style_png):
    ctx = _ctx(tmp_path)
    x = torch.rand(1, 3, 48, 48)

    def distance(**kw) -> float:
        o = StyleConfig(layers=["conv3"], **kw).build(ctx)
        return -float(o(_perceive(ctx, o, x)))

    a, b = distance(image=style_png.name), distance(image=second_style_png.name)
    pair = [style_png.name, second_style_png.name]
    assert distance(image=pair, blend=[1, 0]) == pytest.approx(a, rel=1e-5)
    assert distance(image=pair, blend=[0, 2]) == pytest.approx(b, rel=1e-5)
    mixed = distance(image=pair, blend=[1, 1])
    assert mixed != pytest.approx(a, rel=1e-3) and mixed != pytest.approx(b, rel=1e-3)


def test_mask_limits_the_style_to_a_region(tmp_path, content_png, style_png):
    from PIL import Image

    mask = tmp_path / "mask.png"
    image = Image.new("L", (48, 48), 0)
    image.paste(255, (0, 0, 24, 48))  # left half
    image.save(mask)
    ctx = _ctx(tmp_path)
    style = StyleConfig(image=style_png.name, layers=["conv3"], mask=mask.name).build(ctx)
    x = torch.rand(1, 3, 48, 48, requires_grad=True)
    (-style(_perceive(ctx, style, x))).backward()
    grad = x.grad.abs().mean(dim=(0, 1))
    # Right half gets only the gradient that leaks through the kernel border.
    assert float(grad[:, 30:].sum()) < 1e-3 * float(grad[:, :20].sum())


def test_luminance_preservation_keeps_the_photo_colours(tmp_path, content_png, style_png):
    ctx = _ctx(tmp_path)
    gen = StyleImageConfig(image=content_png.name, colors=content_png.name).build(ctx)
    style = StyleConfig(image=style_png.name, layers=["conv3"], colors="luminance", match=content_png.name).build(ctx)
    content = ContentConfig(image=content_png.name, layers=["conv3"], luminance=True).build(ctx)
    objective = 5 * style + content
    assert not objective.needs  # luminance terms perceive on their own pass
    before = color.rgb_to_yiq(gen.render().detach())
    opt = torch.optim.Adam(gen.parameters(), lr=0.1)
    for _ in range(5):
        opt.zero_grad()
        (-objective(_perceive(ctx, objective, gen.render()))).backward()
        opt.step()
    after = color.rgb_to_yiq(gen.render().detach())
    inside = (gen.render().detach() > 0.01).all(1) & (gen.render().detach() < 0.99).all(1)
    assert float((after[:, 0] - before[:, 0]).abs().mean()) > 1e-3  # luminance moved
    chroma_change = (after[:, 1:] - before[:, 1:]).abs().amax(1)[inside]
    assert float(chroma_change.max()) < 1e-4  # colours did not


def test_unknown_layer_is_a_one_line_error_naming_it(tmp_path, style_png):
    with pytest.raises(ConfigError) as err:
        StyleConfig(image=style_png.name, layers=["relu4_2"]).build(_ctx(tmp_path))
    message = str(err.value)
    assert "relu4_2" in message and "net" in message and "\n" not in message


@pytest.mark.parametrize("content", [False, True])
def test_missing_or_unreadable_style_image_names_the_file(tmp_path, content):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    for name in ("absent.png", "broken.png"):
        config = ContentConfig(image=name) if content else StyleConfig(image=name, layers=["conv3"])
        with pytest.raises(ApophenicError) as err:
            config.build(_ctx(tmp_path))
        assert name in str(err.value) and "\n" not in str(err.value)


def test_blend_weights_must_match_the_images():
    with pytest.raises(ValueError, match="blend"):
        StyleConfig(image=["a.png", "b.png"], blend=[1.0])


def test_histogram_matching_gives_the_style_the_photos_colour_statistics():
    torch.manual_seed(0)
    style = torch.rand(1, 3, 32, 32) * torch.tensor([1.0, 0.2, 0.1]).view(1, 3, 1, 1)
    photo = torch.rand(1, 3, 32, 32) * 0.5 + torch.tensor([0.1, 0.3, 0.4]).view(1, 3, 1, 1)
    matched = color.match_colors(style, photo)
    assert torch.allclose(matched.mean(dim=(2, 3)), photo.mean(dim=(2, 3)), atol=0.02)


def test_style_scale_sets_the_size_of_the_style_features(tmp_path, style_png):
    """At scale 0.5 a 2×2 tiling of the half-size style image is a near match; at scale 1 it is not."""
    from apophenic.plugins.style.images import load, resize_long_side

    ctx = _ctx(tmp_path, size=(48, 48))
    half = resize_long_side(load(ctx, style_png.name, "k"), 24)
    tiled = half.repeat(1, 1, 2, 2)

    def distance(scale: float) -> float:
        o = StyleConfig(image=style_png.name, layers=["conv3", "conv5"], scale=scale).build(ctx)
        return -float(o(_perceive(ctx, o, tiled)))

    assert distance(0.5) < 0.5 * distance(1.0)
