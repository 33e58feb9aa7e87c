"""The tiled rasterizer: same pixels and gradients as the naive reference, gradients everywhere, optimizable."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from apophenic.renderers.composite import composite_over
from apophenic.renderers.demo import demo_scene
from apophenic.renderers.naive import rasterize_naive
from apophenic.renderers.rasterize import rasterize
from apophenic.renderers.scene import StrokeScene

FLOATS = ("stroke_points", "stroke_width", "stroke_rgba", "blob_points", "blob_rgba", "blob_softness", "rect_boxes", "rect_rgba", "background")


def _batch_of_two(size: int = 64) -> StrokeScene:
    a, b = demo_scene(size, strokes=10, blobs=3, rects=2, seed=1, soft=True), demo_scene(size, strokes=10, blobs=3, rects=2, seed=2)
    fields = {name: torch.cat([getattr(a, name), getattr(b, name)]) for name in (*FLOATS, "stroke_round")}
    return replace(a, **fields).validate()


def _with_grad(scene: StrokeScene) -> StrokeScene:
    return replace(scene, **{n: getattr(scene, n).clone().requires_grad_() for n in FLOATS})


def test_tiled_matches_the_naive_reference_for_any_tile_size():
    scene = _batch_of_two()
    reference = rasterize_naive(scene)
    for tile in (5, 8, 16, 64):
        assert (rasterize(scene, tile=tile) - reference).abs().max() < 1e-5


def test_gradients_match_the_naive_reference_and_reach_every_parameter():
    target = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    tiled, naive = _with_grad(_batch_of_two()), _with_grad(_batch_of_two())
    ((rasterize(tiled) - target) ** 2).sum().backward()
    ((rasterize_naive(naive) - target) ** 2).sum().backward()
    for name in FLOATS:
        got, want = getattr(tiled, name).grad, getattr(naive, name).grad
        assert got is not None and got.abs().sum() > 0, f"no gradient reaches {name}"
        assert torch.allclose(got, want, rtol=1e-3, atol=1e-3 * float(want.abs().max())), name


def test_batch_items_render_independently():
    scene = _batch_of_two()
    both = rasterize(scene)
    # Alone, the scene may be flattened into fewer pieces: equal up to the 0.1 px flattening tolerance.
    assert (both[1:] - rasterize(scene.select(1))).abs().mean() < 1e-3
    assert not torch.allclose(both[0], both[1])


def test_render_size_scales_the_canvas():
    scene = demo_scene(64, strokes=6, blobs=2, rects=1)
    assert rasterize(scene, (32, 48)).shape == (1, 3, 32, 48)
    big = rasterize(scene, 128)
    assert big.shape == (1, 3, 128, 128)
    # Downsampled 2x, the 128² render is close to the 64² one.
    small = torch.nn.functional.avg_pool2d(big, 2)
    assert (small - rasterize(scene)).abs().mean() < 0.01


def test_empty_scene_and_shapes_off_the_canvas_give_the_background():
    empty = StrokeScene.empty(40, 30, background=(0.2, 0.4, 0.6))
    assert torch.allclose(rasterize(empty), torch.tensor([0.2, 0.4, 0.6])[None, :, None, None].expand(1, 3, 30, 40))
    off = replace(empty, stroke_points=torch.full((1, 1, 4, 2), -500.0), stroke_width=torch.ones(1, 1) * 3,
                  stroke_rgba=torch.ones(1, 1, 4), stroke_round=torch.ones(1, 1, dtype=torch.bool))
    assert torch.allclose(rasterize(off), rasterize(empty))


def test_flat_caps_stop_at_the_end_points_and_round_caps_do_not():
    base = StrokeScene.empty(40, 20)
    line = replace(base, stroke_points=torch.tensor([[[[10.0, 10], [15, 10], [25, 10], [30, 10]]]]),
                   stroke_width=torch.tensor([[6.0]]), stroke_rgba=torch.tensor([[[0.0, 0, 0, 1]]]))
    butt = rasterize(replace(line, stroke_round=torch.tensor([[False]])))[0, 0, 10]
    rnd = rasterize(replace(line, stroke_round=torch.tensor([[True]])))[0, 0, 10]
    assert butt[8] > 0.99 and butt[10] < 0.01 and butt[29] < 0.01  # pixel 8 lies left of x=10: white
    assert rnd[8] < 0.01 and rnd[29] < 0.01 and rnd[30] < 0.01


def test_optimizing_one_stroke_moves_it_onto_the_target():
    target_scene = replace(StrokeScene.empty(48, 48),
                           stroke_points=torch.tensor([[[[10.0, 30], [18, 20], [28, 20], [38, 30]]]]),
                           stroke_width=torch.tensor([[6.0]]), stroke_rgba=torch.tensor([[[0.9, 0.1, 0.1, 1.0]]]),
                           stroke_round=torch.tensor([[True]]))
    target = rasterize(target_scene)
    points = (target_scene.stroke_points + torch.tensor([3.0, -4.0])).requires_grad_()
    colour = torch.zeros(1, 1, 3, requires_grad=True)  # logits: starts grey
    opt = torch.optim.Adam([points, colour], lr=0.4)

    def loss() -> torch.Tensor:
        rgba = torch.cat([torch.sigmoid(colour), torch.ones(1, 1, 1)], -1)
        return ((rasterize(replace(target_scene, stroke_points=points, stroke_rgba=rgba)) - target) ** 2).mean()

    with torch.no_grad():
        start = float(loss())
    for _ in range(25):
        opt.zero_grad()
        value = loss()
        value.backward()
        opt.step()
    with torch.no_grad():
        assert float(loss()) < 0.25 * start


@pytest.mark.slow
def test_tiled_matches_naive_at_224():
    scene = demo_scene(224, soft=True)
    assert (rasterize(scene) - rasterize_naive(scene)).abs().max() < 1e-5


def test_compositing_gradients_match_finite_differences():
    g = torch.Generator().manual_seed(3)
    tile = torch.tensor([0, 0, 0, 2, 2, 3])  # tiles with three, two, one and no layers
    base = torch.rand(4, 3, 2, 2, generator=g, dtype=torch.float64).requires_grad_()
    alpha = (0.9 * torch.rand(6, 2, 2, generator=g, dtype=torch.float64)).requires_grad_()
    rgb = torch.rand(6, 3, generator=g, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda b, a, c: composite_over(b, a, c, tile), (base, alpha, rgb))


def test_compositing_is_over_applied_bottom_to_top():
    base = torch.full((1, 3, 1, 1), 0.5)
    alpha = torch.tensor([0.5, 0.25]).reshape(2, 1, 1)
    rgb = torch.tensor([[1.0, 0, 0], [0, 0, 1.0]])
    out = composite_over(base, alpha, rgb, torch.tensor([0, 0]))[0, :, 0, 0]
    first = 0.5 * torch.tensor([0.5, 0.5, 0.5]) + 0.5 * rgb[0]
    assert torch.allclose(out, 0.75 * first + 0.25 * rgb[1])


def test_colour_gradients_of_the_whole_raster_match_finite_differences():
    scene = demo_scene(24, strokes=4, blobs=2, rects=1, seed=5)
    target = torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(1))

    def loss(stroke_rgba, blob_rgba, background):
        image = rasterize(replace(scene, stroke_rgba=stroke_rgba, blob_rgba=blob_rgba, background=background))
        return ((image - target) ** 2).sum()

    params = [scene.stroke_rgba.clone().requires_grad_(), scene.blob_rgba.clone().requires_grad_(), scene.background.clone().requires_grad_()]
    loss(*params).backward()
    eps = 1e-2
    for p in params:
        for i in range(p.numel()):
            with torch.no_grad():
                flat = p.view(-1)
                keep = float(flat[i])
                flat[i] = keep + eps
                up = float(loss(*params))
                flat[i] = keep - eps
                down = float(loss(*params))
                flat[i] = keep
            assert abs((up - down) / (2 * eps) - float(p.grad.view(-1)[i])) < 2e-2 * (1 + abs(float(p.grad.view(-1)[i])))


@pytest.mark.slow
def test_compiled_distance_loop_draws_the_same_picture_and_gradients():
    from apophenic.renderers.distance import set_compile

    eager, compiled = _with_grad(_batch_of_two()), _with_grad(_batch_of_two())
    target = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    a = rasterize(eager)
    ((a - target) ** 2).sum().backward()
    set_compile(True)
    try:
        b = rasterize(compiled)
        ((b - target) ** 2).sum().backward()
    finally:
        set_compile(False)
    assert (a - b).abs().max() < 1e-5
    for name in FLOATS:
        want = getattr(eager, name).grad
        assert torch.allclose(getattr(compiled, name).grad, want, rtol=1e-3, atol=1e-3 * float(want.abs().max())), name
