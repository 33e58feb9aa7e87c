"""Byte-level recurrent language models: a standard LSTM and the multiplicative LSTM.

The mLSTM (Krause et al. 2016) is the architecture of Radford, Jozefowicz &
Sutskever 2017: the recurrent transition depends on the input through an
intermediate state ``m = (W_mx x) * (W_mh h)``. Both cells expose their cell
state ``c`` after every character, because the sentiment unit lives there, and
both accept a ``clamp`` that overwrites one cell unit at every step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import torch
from torch import Tensor, nn

VOCAB = 256  # bytes: any text, any language, no tokenizer to ship

Architecture = Literal["lstm", "mlstm"]
State = list[tuple[Tensor, Tensor]]  # per layer (h, c), each B×H
Clamp = tuple[int, float] | None


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a model from a state dict."""

    architecture: Architecture = "mlstm"
    hidden: int = 512
    layers: int = 1
    embed: int = 64

    def to_dict(self) -> dict:
        return asdict(self)


class LSTMCell(nn.Module):
    """A standard LSTM cell (gates from input and previous hidden state)."""

    def __init__(self, inputs: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.wx = nn.Linear(inputs, 4 * hidden)
        self.wh = nn.Linear(hidden, 4 * hidden, bias=False)
        with torch.no_grad():  # forget-gate bias 1: remember by default early in training
            self.wx.bias.zero_()
            self.wx.bias[hidden:2 * hidden].fill_(1.0)

    def gates_input(self, x: Tensor) -> Tensor:
        """The input part of the gates for a whole sequence at once (T×B×4H)."""
        return self.wx(x)

    def step(self, gx: Tensor, h: Tensor, c: Tensor, clamp: Clamp = None) -> tuple[Tensor, Tensor]:
        z = gx + self.wh(h)
        return _update(z, c, clamp)


class MLSTMCell(nn.Module):
    """A multiplicative LSTM cell: gates read ``m = (W_mx x) * (W_mh h)`` instead of ``h``."""

    def __init__(self, inputs: int, hidden: int) -> None:
        super().__init__()
        self.hidden = hidden
        self.wmx = nn.Linear(inputs, hidden, bias=False)
        self.wmh = nn.Linear(hidden, hidden, bias=False)
        self.wx = nn.Linear(inputs, 4 * hidden)
        self.wm = nn.Linear(hidden, 4 * hidden, bias=False)
        with torch.no_grad():
            self.wx.bias.zero_()
            self.wx.bias[hidden:2 * hidden].fill_(1.0)

    def gates_input(self, x: Tensor) -> Tensor:
        """Input projections for a whole sequence: ``[W_x x | W_mx x]`` (T×B×5H)."""
        return torch.cat([self.wx(x), self.wmx(x)], dim=-1)

    def step(self, gx: Tensor, h: Tensor, c: Tensor, clamp: Clamp = None) -> tuple[Tensor, Tensor]:
        H = self.hidden
        m = gx[..., 4 * H:] * self.wmh(h)
        z = gx[..., :4 * H] + self.wm(m)
        return _update(z, c, clamp)


def _update(z: Tensor, c: Tensor, clamp: Clamp) -> tuple[Tensor, Tensor]:
    i, f, o, u = z.chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
    if clamp is not None:
        # Overwrite one unit of the cell state: the hidden state and every later
        # step then see the forced value, which is what steers generation.
        unit, value = clamp
        c = c.clone()
        c[:, unit] = value
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


CELLS: dict[str, type[nn.Module]] = {"lstm": LSTMCell, "mlstm": MLSTMCell}


class ByteLM(nn.Module):
    """A stack of recurrent cells over byte embeddings, predicting the next byte."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.embed = nn.Embedding(VOCAB, spec.embed)
        cell = CELLS[spec.architecture]
        self.cells = nn.ModuleList(
            cell(spec.embed if i == 0 else spec.hidden, spec.hidden) for i in range(spec.layers)
        )
        self.out = nn.Linear(spec.hidden, VOCAB)

    def initial_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        """Zero hidden and cell states for every layer."""
        z = torch.zeros(batch, self.spec.hidden, device=device)
        return [(z, z) for _ in self.cells]

    def forward(
        self, tokens: Tensor, state: State | None = None, clamp: Clamp = None, keep_cells: bool = False
    ) -> tuple[Tensor, State, Tensor | None]:
        """Run over ``tokens`` (B×T bytes as int64).

        :returns: logits B×T×256, the final state, and (if ``keep_cells``) the
            last layer's cell states B×T×H after every byte.
        """
        B, T = tokens.shape
        if state is None:
            state = self.initial_state(B, tokens.device)
        x = self.embed(tokens).transpose(0, 1)  # T×B×E
        new_state: State = []
        cells_seen: list[Tensor] = []
        last = len(self.cells) - 1
        for li, cell in enumerate(self.cells):
            h, c = state[li]
            gx = cell.gates_input(x)
            outs = []
            for t in range(T):
                h, c = cell.step(gx[t], h, c, clamp if li == last else None)
                outs.append(h)
                if keep_cells and li == last:
                    cells_seen.append(c)
            x = torch.stack(outs)
            new_state.append((h, c))
        logits = self.out(x).transpose(0, 1)
        cells = torch.stack(cells_seen, dim=1) if keep_cells else None
        return logits, new_state, cells


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters())
