"""Tiled gradients: the gradient of a score over a large image, one window at a time.

Memory grows with the window, not the image, so a 4000×3000 photo dreams in a
few GiB. Each window adds ``overlap`` pixels of context around the core it
writes, and the tile grid moves by a random offset every step, so tile borders
never sit in the same place twice and leave no seams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from apophenic.perceiver import Perceiver


@dataclass(frozen=True)
class Window:
    """One tile: the window fed to the network and the core of it whose gradient is kept."""

    y0: int
    y1: int
    x0: int
    x1: int
    cy0: int
    cy1: int
    cx0: int
    cx1: int


def windows(h: int, w: int, tile: int, overlap: int, offset: tuple[int, int]) -> Iterator[Window]:
    """Cover an ``h×w`` image with windows of side ``tile`` whose cores (``tile − 2·overlap``) tile the image.

    ``offset`` (each in ``[0, core)``) shifts the grid; windows near the border
    slide inwards so every window is a full ``tile`` wide when the image is.
    """
    core = tile - 2 * overlap
    if core < 1:
        raise ValueError(f"tile {tile} leaves no core after an overlap of {overlap} on each side")
    th, tw = min(tile, h), min(tile, w)
    if h <= tile and w <= tile:
        yield Window(0, h, 0, w, 0, h, 0, w)
        return
    oy, ox = offset
    for cy0 in range(-oy if h > tile else 0, h, core if h > tile else h):
        cy_a, cy_b = max(cy0, 0), min(cy0 + (core if h > tile else h), h)
        if cy_a >= cy_b:
            continue
        y0 = max(0, min(cy_a - overlap, h - th))
        for cx0 in range(-ox if w > tile else 0, w, core if w > tile else w):
            cx_a, cx_b = max(cx0, 0), min(cx0 + (core if w > tile else w), w)
            if cx_a >= cx_b:
                continue
            x0 = max(0, min(cx_a - overlap, w - tw))
            yield Window(y0, y0 + th, x0, x0 + tw, cy_a, cy_b, cx_a, cx_b)


def tiled_gradient(
    images: torch.Tensor,
    score_fn: Callable[[torch.Tensor], torch.Tensor],
    tile: int,
    overlap: int,
    rng: torch.Generator,
) -> tuple[torch.Tensor, float]:
    """The gradient of a (mean-based) score with respect to ``images``, computed window by window.

    Each core pixel takes its gradient from its own window, scaled by the
    window's share of the image: a score that is a mean over positions then
    gets the same gradient as on the whole image wherever ``overlap`` covers
    the receptive field, and every tile (border ones included) the same scale.

    :returns: the gradient (same shape as ``images``) and the score, each
        window's weighted by the share of the image its core covers.
    """
    h, w = images.shape[-2:]
    core = tile - 2 * overlap
    # Drawn even when one window covers the image, so the run's random stream (the jitter) stays the same.
    offset = (int(torch.randint(0, core, (1,), generator=rng)), int(torch.randint(0, core, (1,), generator=rng)))
    if h <= tile and w <= tile:  # one window is the whole image: its gradient is the answer
        part = images.detach().requires_grad_(True)
        score = score_fn(part)
        (g,) = torch.autograd.grad(score, part)
        return g, float(score.detach())
    grad = torch.empty_like(images)  # the cores cover every pixel exactly once
    total = 0.0
    for win in windows(h, w, tile, overlap, offset):
        part = images[..., win.y0 : win.y1, win.x0 : win.x1].detach().requires_grad_(True)
        score = score_fn(part)
        (g,) = torch.autograd.grad(score, part)
        scale = (win.y1 - win.y0) * (win.x1 - win.x0) / (h * w)
        grad[..., win.cy0 : win.cy1, win.cx0 : win.cx1] = scale * g[
            ..., win.cy0 - win.y0 : win.cy1 - win.y0, win.cx0 - win.x0 : win.cx1 - win.x0
        ]
        total += float(score.detach()) * (win.cy1 - win.cy0) * (win.cx1 - win.cx0) / (h * w)
    return grad, total


_fields: dict[tuple[str, str, int], tuple[int, bool]] = {}


def _probe(perceiver: Perceiver, layer: str, side: int) -> tuple[int, bool]:
    """Extent of the input pixels that reach one unit in the middle of ``layer`` on a ``side``² input.

    :returns: (extent in pixels, whether it reached the border, i.e. is only a lower bound).
    """
    key = (type(perceiver).__name__ + ":" + getattr(perceiver, "name", ""), layer, side)
    if key in _fields:
        return _fields[key]
    resize, perceiver.resize_to = perceiver.resize_to, None  # the receptive field of the network itself
    try:
        device = next(perceiver.network.parameters(), torch.empty(0)).device
        x = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(0)).to(device).requires_grad_(True)
        feats = perceiver.perceive(x, [layer])[layer]
        if feats.dim() != 4:
            return side, True  # a pooled layer sees the whole input
        fh, fw = feats.shape[-2:]
        feats[0, :, fh // 2, fw // 2].sum().backward()
    finally:
        perceiver.resize_to = resize
    reach = x.grad[0].abs().sum(0) > 0
    rows = torch.nonzero(reach.any(1)).flatten()
    cols = torch.nonzero(reach.any(0)).flatten()
    if len(rows) == 0:
        return 1, False
    extent = max(int(rows[-1] - rows[0]) + 1, int(cols[-1] - cols[0]) + 1)
    at_border = bool(rows[0] == 0 or cols[0] == 0 or rows[-1] == side - 1 or cols[-1] == side - 1)
    _fields[key] = (extent, at_border)
    return extent, at_border


def receptive_field(perceiver: Perceiver, layer: str, at_most: int = 2048) -> int:
    """Side in pixels of the input square that one unit of ``layer`` sees (measured by its gradient)."""
    side = 64
    while True:
        extent, at_border = _probe(perceiver, layer, side)
        if not at_border or side >= at_most:
            return extent
        side *= 2


def fits_in_tile(perceiver: Perceiver, layer: str, tile: int) -> bool:
    """Whether one unit of ``layer`` sees no more than ``tile`` pixels (one probe just above ``tile``)."""
    extent, at_border = _probe(perceiver, layer, tile + 16)
    return extent <= tile and not at_border
