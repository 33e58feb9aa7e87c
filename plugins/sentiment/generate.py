"""Sampling reviews from the language model, free or steered.

Two kinds of steering act during sampling:

- a :data:`~apophenic.plugins.sentiment.model.Steer` changes the last layer's
  cell state after every byte (hold one unit; add a direction);
- a :class:`Guide` leaves the model alone and re-ranks its next-byte
  candidates by what a discriminator on the cell state *after* each candidate
  says about the review's sentiment (FUDGE, Yang & Klein 2021; a byte-level
  cousin of PPLM's attribute model): ``log p(byte) + strength * log p(sentiment | text + byte)``;
- a :class:`~apophenic.plugins.sentiment.word_guide.WordGuide` chooses whole
  words the model proposes by what a classifier reads in the *text*
  (:mod:`apophenic.plugins.sentiment.word_guide`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.corpus import DOC_START, decode, encode
from apophenic.plugins.sentiment.model import ByteLM, State, Steer
from apophenic.plugins.sentiment.word_guide import WordGuide, sample_words
from torch import Tensor


def check_unit(model: ByteLM, unit: int, source: str = "--unit") -> None:
    """A one-line error when ``unit`` is not a cell of this model."""
    if not 0 <= unit < model.spec.hidden:
        raise ApophenicError(f"{source}: unit {unit} is out of range; this model has units 0..{model.spec.hidden - 1}")


@dataclass(frozen=True)
class Guide:
    """A future discriminator: logistic regression on the cell state, pushed toward ``target`` (+1 / -1)."""

    weights: Tensor      # H
    bias: float
    target: int          # +1 positive, -1 negative
    strength: float      # weight of the discriminator's log-probability
    candidates: int = 8  # next bytes re-ranked per step
    model: ByteLM | None = None  # the discriminator's own network (None: read the generator's cell state)
    squash: bool = False         # read tanh(c) instead of c

    def log_prob(self, cells: Tensor) -> Tensor:
        """``log p(target | text so far)`` for cell states N×H."""
        x = torch.tanh(cells) if self.squash else cells
        return F.logsigmoid(self.target * (x @ self.weights.to(cells.device) + self.bias))


def _repeat_state(state: State, k: int) -> State:
    return [(h.repeat_interleave(k, 0), c.repeat_interleave(k, 0)) for h, c in state]


def _pick_state(state: State, rows: Tensor) -> State:
    return [(h[rows], c[rows]) for h, c in state]


@torch.no_grad()
def sample(model: ByteLM, prime: str = "", length: int = 300, temperature: float = 0.8, top_k: int = 0,
           steer: Steer | None = None, samples: int = 1, seed: int = 0, device: torch.device | str = "cpu",
           stop_at_end: bool = True, printable: bool = True, guide: Guide | WordGuide | None = None) -> list[str]:
    """``samples`` reviews of up to ``length`` bytes after ``prime``.

    Every review starts from a fresh state and the start-of-review marker, so
    the model writes a review rather than continuing one. ``steer`` acts on
    the cell state after every byte, the prime included; ``guide`` re-ranks
    the candidates for every byte written. A review ends early when the model
    starts the next one (``stop_at_end``). With ``printable`` only printable
    ASCII, newline and the end marker can be sampled. The same seed and
    settings give the same text.
    """
    banned = torch.zeros(256, dtype=torch.bool)
    if printable:
        banned[:] = True
        banned[32:127] = False
        banned[[10, DOC_START]] = False
    if isinstance(guide, WordGuide):
        if steer is not None:
            raise ApophenicError("a word guide steers by the text alone; it does not combine with a cell-state steer")
        return sample_words(model, guide, prime, length, temperature, samples, seed, device, stop_at_end, top_k, banned)
    model.eval()
    gen = torch.Generator(device="cpu").manual_seed(seed)
    primer = torch.tensor([[DOC_START, *encode(prime)]] * samples, device=device)
    logits, state, _ = model(primer, steer=steer)
    last = logits[:, -1]
    judge_state = None
    if guide is not None and guide.model is not None:
        guide.model.eval()
        _, judge_state, _ = guide.model(primer)
    written = [bytearray() for _ in range(samples)]
    done = torch.zeros(samples, dtype=torch.bool)
    for _ in range(length):
        scores = (last.float().cpu() / temperature).masked_fill(banned, float("-inf"))
        if top_k:
            kth = torch.topk(scores, top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        if guide is None:
            nxt = torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=gen)[:, 0]
            step_logits, state = model.step(nxt.to(device), state, steer)
        else:
            k = guide.candidates
            cand_scores, cands = torch.topk(torch.log_softmax(scores, dim=-1), k, dim=-1)  # S×K
            cand_logits, cand_state = model.step(cands.reshape(-1).to(device), _repeat_state(state, k), steer)
            if guide.model is None:
                judged = guide.log_prob(cand_state[-1][1]).reshape(-1, k).cpu()
            else:
                _, cand_judge = guide.model.step(cands.reshape(-1).to(device), _repeat_state(judge_state, k))
                judged = guide.log_prob(cand_judge[-1][1]).reshape(-1, k).cpu()
            mixed = (cand_scores + guide.strength * judged).masked_fill(cand_scores == float("-inf"), float("-inf"))
            choice = torch.multinomial(torch.softmax(mixed, dim=-1), 1, generator=gen)[:, 0]
            nxt = cands[torch.arange(samples), choice]
            rows = (torch.arange(samples) * k + choice).to(device)
            step_logits, state = cand_logits[rows], _pick_state(cand_state, rows)
            if guide.model is not None:
                judge_state = _pick_state(cand_judge, rows)
        for i, b in enumerate(nxt.tolist()):
            if done[i]:
                continue
            if b == DOC_START and stop_at_end:
                done[i] = True
            elif b == DOC_START:
                written[i].extend(b"\n\n")  # the next review begins: a paragraph break, not the marker
            else:
                written[i].append(b)
        if bool(done.all()):
            break
        last = step_logits
    return [prime + decode(w) for w in written]
