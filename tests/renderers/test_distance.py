"""The distance pass on its own: the minimum over a group's pairs and which pair wins it."""

from __future__ import annotations

import torch

from apophenic.renderers.distance import piece_distance


def _pairs(n_pieces: int, n_pairs: int, n_groups: int, gen: torch.Generator, tiles: int = 4):
    ax, ay = (torch.rand(n_pieces, generator=gen) * 8 * tiles for _ in range(2))
    ex, ey = ((torch.rand(n_pieces, generator=gen) - 0.5) * 20 for _ in range(2))
    piece = torch.randint(0, n_pieces, (n_pairs,), generator=gen)
    group = torch.randint(0, n_groups, (n_pairs,), generator=gen)
    group[:n_groups] = torch.arange(n_groups)  # every group has a pair
    tile = torch.randint(0, tiles * tiles, (n_groups,), generator=gen)  # one tile per group
    tx, ty = tile[group] % tiles, tile[group] // tiles
    return ax, ay, ex, ey, piece, tx, ty, group


def test_each_group_pixel_gets_the_distance_to_the_nearest_of_its_pieces_and_its_gradient():
    gen = torch.Generator().manual_seed(0)
    n_groups = 40
    ax, ay, ex, ey, piece, tx, ty, group = _pairs(60, 300, n_groups, gen)
    for v in (ax, ay, ex, ey):
        v.requires_grad_()
    out = piece_distance(ax, ay, ex, ey, None, None, None, None, None, piece, tx, ty, group, n_groups, 8)
    c = torch.arange(8, dtype=torch.float32) + 0.5
    px = (tx[:, None, None] * 8 + c[None, None, :]).float() - ax[piece][:, None, None]  # pairs × 8 × 8
    py = (ty[:, None, None] * 8 + c[None, :, None]).float() - ay[piece][:, None, None]
    vx, vy = ex[piece][:, None, None], ey[piece][:, None, None]
    t = ((px * vx + py * vy) / (vx * vx + vy * vy)).clamp(0, 1)
    dist = torch.hypot(px - t * vx, py - t * vy)
    expected = torch.stack([dist[group == g].amin(0) for g in range(n_groups)])  # autograd: the winning pair
    assert torch.allclose(out, expected, rtol=1e-6, atol=1e-5)
    weight = torch.rand(out.shape, generator=gen)
    mine = torch.autograd.grad((out * weight).sum(), (ax, ay, ex, ey))
    reference = torch.autograd.grad((expected * weight).sum(), (ax, ay, ex, ey))
    for a, b in zip(mine, reference):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-4)


def test_a_tie_goes_to_the_lowest_pair_and_only_it_gets_the_gradient():
    # Two copies of one piece in one group: every pixel ties; the first pair wins everywhere.
    ax = torch.tensor([3.0, 3.0], requires_grad=True)
    ay = torch.tensor([2.0, 2.0], requires_grad=True)
    ex = torch.tensor([4.0, 4.0], requires_grad=True)
    ey = torch.tensor([1.0, 1.0], requires_grad=True)
    zero = torch.zeros(2, dtype=torch.long)
    for piece in (torch.tensor([0, 1]), torch.tensor([1, 0])):
        for v in (ax, ay, ex, ey):
            v.grad = None
        out = piece_distance(ax, ay, ex, ey, None, None, None, None, None, piece, zero, zero, zero, 1, 8)
        out.sum().backward()
        winner = int(piece[0])
        for v in (ax, ay, ex, ey):
            assert v.grad[winner] != 0 and v.grad[1 - winner] == 0
