"""Byte-level recurrent language models: torch's fused LSTM and the multiplicative LSTM.

Two architectures, one interface (:class:`ByteLM`):

- ``lstm`` runs on :class:`torch.nn.LSTM`, torch's fused kernel (oneDNN on CPU,
  cuDNN on GPU): the fast choice for training on any hardware.
- ``mlstm`` is the architecture of Radford, Jozefowicz & Sutskever 2017 (Krause
  et al. 2016): the recurrent transition reads ``m = (W_mx x) * (W_mh h)``.
  No fused kernel exists for it; its time loop and hand-written backward pass
  are TorchScript (:mod:`apophenic.plugins.sentiment.mlstm_kernel`), so autograd
  records one node per sequence instead of a dozen per byte.

Reading a sequence without intervention takes the fused path. Steering needs
to change the last layer's cell state ``c`` after every byte (clamp a unit, add
a direction), which only a step-by-step loop can do: :meth:`ByteLM.step` runs
the same weights one byte at a time and applies a :data:`Steer`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

import torch
from apophenic.plugins.sentiment.mlstm_kernel import mlstm_sequence
from torch import Tensor, nn

VOCAB = 256  # bytes: any text, any language, no tokenizer to ship

Architecture = Literal["lstm", "mlstm"]
ARCHITECTURES = ("lstm", "mlstm")
State = list[tuple[Tensor, Tensor]]  # per layer (h, c), each B×H
Steer = Callable[[Tensor], Tensor]   # the last layer's cell state B×H -> the steered one


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a model from a state dict."""

    architecture: Architecture = "lstm"
    hidden: int = 512
    layers: int = 1
    embed: int = 64

    def to_dict(self) -> dict:
        return asdict(self)


def clamp_unit(unit: int, value: float) -> Steer:
    """Hold one cell unit at ``value`` (Radford et al.'s steering)."""

    def steer(c: Tensor) -> Tensor:
        c = c.clone()
        c[:, unit] = value
        return c

    return steer


def add_direction(direction: Tensor, alpha: float) -> Steer:
    """Add ``alpha * direction`` to the cell state every step (sentiment as a linear direction)."""

    def steer(c: Tensor) -> Tensor:
        return c + alpha * direction.to(c.device, c.dtype)

    return steer


def _gates_to_state(z: Tensor, c: Tensor, order: str) -> tuple[Tensor, Tensor, Tensor]:
    """Input, forget, output gates and candidate from pre-activations ``z`` (B×4H) in ``order``."""
    parts = dict(zip(order, z.chunk(4, dim=-1)))
    i, f, o, u = torch.sigmoid(parts["i"]), torch.sigmoid(parts["f"]), torch.sigmoid(parts["o"]), torch.tanh(parts["u"])
    return f * c + i * u, o, f


class FusedLSTM(nn.Module):
    """A stack of LSTM layers on :class:`torch.nn.LSTM` (gate order i, f, g, o)."""

    def __init__(self, inputs: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.rnn = nn.LSTM(inputs, hidden, layers)
        with torch.no_grad():  # forget-gate bias 1: remember by default early in training
            for layer in range(layers):
                getattr(self.rnn, f"bias_ih_l{layer}")[hidden:2 * hidden].fill_(1.0)

    def sequence(self, x: Tensor, state: State, keep_cells: bool) -> tuple[Tensor, State, Tensor | None]:
        h0 = torch.stack([h for h, _ in state])
        c0 = torch.stack([c for _, c in state])
        if not keep_cells:
            y, (hn, cn) = self.rnn(x, (h0, c0))
            return y, [(hn[i], cn[i]) for i in range(self.layers)], None
        # nn.LSTM returns only the final cell state; the last layer's cell state after
        # every byte is rebuilt from its gates (one matmul) and an elementwise scan.
        new_state: State = []
        for layer in range(self.layers):
            below = x
            w_ih, w_hh, b_ih, b_hh = self._weights(layer)
            x, hn, cn = torch.lstm(below, (h0[layer:layer + 1], c0[layer:layer + 1]), [w_ih, w_hh, b_ih, b_hh],
                                   True, 1, 0.0, self.training, False, False)
            new_state.append((hn[0], cn[0]))
        h_prev = torch.cat([h0[-1][None], x[:-1]])
        z = below @ w_ih.t() + h_prev @ w_hh.t() + b_ih + b_hh
        c = c0[-1]
        cells = []
        for z_t in z.unbind(0):  # unbind, not z[t]: each slice's backward would write a zero-filled T×B×4H tensor
            c, _, _ = _gates_to_state(z_t, c, "ifuo")
            cells.append(c)
        return x, new_state, torch.stack(cells)

    def _weights(self, layer: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        r = self.rnn
        return (getattr(r, f"weight_ih_l{layer}"), getattr(r, f"weight_hh_l{layer}"),
                getattr(r, f"bias_ih_l{layer}"), getattr(r, f"bias_hh_l{layer}"))

    def step(self, x: Tensor, state: State, steer: Steer | None) -> tuple[Tensor, State]:
        new_state: State = []
        for layer, (h, c) in enumerate(state):
            w_ih, w_hh, b_ih, b_hh = self._weights(layer)
            z = x @ w_ih.t() + h @ w_hh.t() + b_ih + b_hh
            c, o, _ = _gates_to_state(z, c, "ifuo")
            if steer is not None and layer == self.layers - 1:
                c = steer(c)
            h = o * torch.tanh(c)
            new_state.append((h, c))
            x = h
        return x, new_state


class MLSTMLayer(nn.Module):
    """One multiplicative LSTM layer: gates read ``m = (W_mx x) * (W_mh h)`` instead of ``h``."""

    def __init__(self, inputs: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.wmx = nn.Linear(inputs, hidden, bias=False)
        self.wmh = nn.Linear(hidden, hidden, bias=False)
        self.wx = nn.Linear(inputs, 4 * hidden)      # gate order i, f, o, u
        self.wm = nn.Linear(hidden, 4 * hidden, bias=False)
        with torch.no_grad():
            self.wx.bias.zero_()
            self.wx.bias[hidden:2 * hidden].fill_(1.0)

    def sequence(self, x: Tensor, h: Tensor, c: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Hidden and cell states after every step (T×B×H each), and the final (h, c)."""
        hs, cs = mlstm_sequence(self.wx(x), self.wmx(x), h, c, self.wmh.weight, self.wm.weight)
        return hs, cs, hs[-1], cs[-1]

    def step(self, x: Tensor, h: Tensor, c: Tensor, steer: Steer | None) -> tuple[Tensor, Tensor]:
        m = self.wmx(x) * self.wmh(h)
        c, o, _ = _gates_to_state(self.wx(x) + self.wm(m), c, "ifou")
        if steer is not None:
            c = steer(c)
        return o * torch.tanh(c), c


class MLSTM(nn.Module):
    """A stack of mLSTM layers."""

    def __init__(self, inputs: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.cells = nn.ModuleList(MLSTMLayer(inputs if i == 0 else hidden, hidden) for i in range(layers))

    def sequence(self, x: Tensor, state: State, keep_cells: bool) -> tuple[Tensor, State, Tensor | None]:
        new_state: State = []
        cells = None
        for cell, (h, c) in zip(self.cells, state):
            x, cells, h, c = cell.sequence(x, h, c)
            new_state.append((h, c))
        return x, new_state, cells if keep_cells else None

    def step(self, x: Tensor, state: State, steer: Steer | None) -> tuple[Tensor, State]:
        new_state: State = []
        last = self.layers - 1
        for i, (cell, (h, c)) in enumerate(zip(self.cells, state)):
            x, c = cell.step(x, h, c, steer if i == last else None)
            new_state.append((x, c))
        return x, new_state


class ByteLM(nn.Module):
    """Byte embeddings, a recurrent stack, and a next-byte softmax."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        if spec.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {spec.architecture!r}")
        self.spec = spec
        self.embed = nn.Embedding(VOCAB, spec.embed)
        stack = FusedLSTM if spec.architecture == "lstm" else MLSTM
        self.rnn = stack(spec.embed, spec.hidden, spec.layers)
        self.out = nn.Linear(spec.hidden, VOCAB)

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        """Zero hidden and cell states for every layer."""
        z = torch.zeros(batch, self.spec.hidden, device=device, dtype=self.out.weight.dtype)
        return [(z, z) for _ in range(self.spec.layers)]

    def forward(self, tokens: Tensor, state: State | None = None, keep_cells: bool = False,
                steer: Steer | None = None) -> tuple[Tensor, State, Tensor | None]:
        """Read ``tokens`` (B×T bytes as int64).

        :param steer: applied to the last layer's cell state after every byte
            (forces the step-by-step loop).
        :returns: logits B×T×256, the final state, and (if ``keep_cells``) the
            last layer's cell states B×T×H after every byte.
        """
        B, T = tokens.shape
        if state is None:
            state = self.initial_state(B, tokens.device)
        x = self.embed(tokens).transpose(0, 1)  # T×B×E
        if steer is None:
            y, state, cells = self.rnn.sequence(x, state, keep_cells)
        else:
            outs, kept = [], []
            for x_t in x.unbind(0):  # unbind, not x[t]: see FusedLSTM.sequence
                h, state = self.rnn.step(x_t, state, steer)
                outs.append(h)
                kept.append(state[-1][1])
            y = torch.stack(outs)
            cells = torch.stack(kept) if keep_cells else None
        logits = self.out(y).transpose(0, 1)
        return logits, state, cells.transpose(0, 1) if cells is not None else None

    def step(self, token: Tensor, state: State, steer: Steer | None = None) -> tuple[Tensor, State]:
        """One byte per row (B int64): next-byte logits B×256 and the new state."""
        h, state = self.rnn.step(self.embed(token), state, steer)
        return self.out(h), state


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters())
