"""The multiplicative LSTM over a whole sequence, with a hand-written backward pass.

Autograd through a Python loop records about a dozen nodes per byte and
replays them one by one; here the loop over time and its reverse are
TorchScript functions and autograd sees one node per sequence. The input
projections (``W_x x`` and ``W_mx x`` for all bytes) are computed outside, as
one matmul each, by the caller. Gate order: input, forget, output, candidate.

Forward, per step::

    a = h W_mhᵀ;  m = mx * a;  z = zx + m W_mᵀ
    c' = σ(f) c + σ(i) tanh(u);  h' = σ(o) tanh(c')
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor


def _script(fn):
    """TorchScript ``fn`` when this torch still offers it (deprecated in 2.x); the same code runs eagerly otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.script(fn)
    except Exception:  # noqa: BLE001 - no TorchScript (removed, or sources not shipped): eager is correct, only slower
        return fn


def _forward(zx: Tensor, mx: Tensor, h: Tensor, c: Tensor, wmh: Tensor, wm: Tensor):
    T, H = zx.shape[0], h.shape[1]
    hs = torch.empty(T, h.shape[0], H, dtype=h.dtype, device=h.device)
    cs = torch.empty_like(hs)
    gates = torch.empty_like(zx)    # σ(i), σ(f), σ(o), tanh(u) after every step
    a_all = torch.empty_like(hs)    # W_mh h before every step
    wmh_t, wm_t = wmh.t(), wm.t()
    for t in range(T):
        a = torch.mm(h, wmh_t)
        z = torch.addmm(zx[t], mx[t] * a, wm_t)
        g = torch.cat([torch.sigmoid(z[:, : 3 * H]), torch.tanh(z[:, 3 * H:])], 1)
        c = g[:, H:2 * H] * c + g[:, :H] * g[:, 3 * H:]
        h = g[:, 2 * H:3 * H] * torch.tanh(c)
        hs[t] = h
        cs[t] = c
        gates[t] = g
        a_all[t] = a
    return hs, cs, gates, a_all


def _backward(dhs: Tensor, dcs: Tensor, hs: Tensor, cs: Tensor, gates: Tensor, a_all: Tensor, mx: Tensor,
              h0: Tensor, c0: Tensor, wmh: Tensor, wm: Tensor):
    T, H = hs.shape[0], hs.shape[2]
    dz_all = torch.empty_like(gates)
    dmx = torch.empty_like(mx)
    da_all = torch.empty_like(a_all)
    dh = torch.zeros_like(h0)
    dc = torch.zeros_like(c0)
    for s in range(T):
        t = T - 1 - s
        g = gates[t]
        i, f, o, u = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        c_prev = cs[t - 1] if t > 0 else c0
        tc = torch.tanh(cs[t])
        dh = dh + dhs[t]
        dc = dc + dcs[t] + dh * o * (1.0 - tc * tc)
        dz = torch.cat([dc * u * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dh * tc * o * (1.0 - o),
                        dc * i * (1.0 - u * u)], 1)
        dz_all[t] = dz
        dm = torch.mm(dz, wm)
        dmx[t] = dm * a_all[t]
        da = dm * mx[t]
        da_all[t] = da
        dh = torch.mm(da, wmh)
        dc = dc * f
    return dz_all, dmx, da_all, dh, dc


_forward = _script(_forward)
_backward = _script(_backward)


class _MLSTMSequence(torch.autograd.Function):
    @staticmethod
    def forward(ctx, zx: Tensor, mx: Tensor, h0: Tensor, c0: Tensor, wmh: Tensor, wm: Tensor):
        hs, cs, gates, a_all = _forward(zx, mx, h0, c0, wmh, wm)
        ctx.save_for_backward(hs, cs, gates, a_all, mx, h0, c0, wmh, wm)
        return hs, cs

    @staticmethod
    def backward(ctx, dhs: Tensor | None, dcs: Tensor | None):
        hs, cs, gates, a_all, mx, h0, c0, wmh, wm = ctx.saved_tensors
        dhs = torch.zeros_like(hs) if dhs is None else dhs.contiguous()
        dcs = torch.zeros_like(cs) if dcs is None else dcs.contiguous()
        dz, dmx, da, dh0, dc0 = _backward(dhs, dcs, hs, cs, gates, a_all, mx, h0, c0, wmh, wm)
        # Weight gradients for all steps at once: one big matmul each instead of T small ones.
        h_prev = torch.cat([h0[None], hs[:-1]])
        m = mx * a_all
        H = hs.shape[2]
        dwm = dz.reshape(-1, 4 * H).t() @ m.reshape(-1, H)
        dwmh = da.reshape(-1, H).t() @ h_prev.reshape(-1, H)
        return dz, dmx, dh0, dc0, dwmh, dwm


def mlstm_sequence(zx: Tensor, mx: Tensor, h: Tensor, c: Tensor, wmh: Tensor, wm: Tensor) -> tuple[Tensor, Tensor]:
    """Hidden and cell states after every step (T×B×H each).

    :param zx: ``W_x x + b`` for every step (T×B×4H); :param mx: ``W_mx x`` (T×B×H);
    :param h: :param c: the state before the first step (B×H); :param wmh: H×H; :param wm: 4H×H.
    """
    # The recurrence runs in the state's precision (float32): under autocast the cell
    # state would otherwise be rounded to 8 bits of mantissa at every byte.
    dtype = h.dtype
    zx, mx, c, wmh, wm = zx.to(dtype), mx.to(dtype), c.to(dtype), wmh.to(dtype), wm.to(dtype)
    with torch.autocast(h.device.type, enabled=False):
        if torch.is_grad_enabled() and any(t.requires_grad for t in (zx, mx, h, c, wmh, wm)):
            return _MLSTMSequence.apply(zx, mx, h, c, wmh, wm)
        hs, cs, _, _ = _forward(zx, mx, h, c, wmh, wm)
        return hs, cs
