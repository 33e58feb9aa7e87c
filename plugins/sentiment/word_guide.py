"""Steering by the text, a word at a time: candidate words from the language model, chosen by a review classifier.

The byte-level methods (clamp, direction, byte FUDGE) all act through the
language model's cell state, and at this model's size that state holds almost
no sentiment (its probe reads held-out reviews at ~53 %). This decoder does not
ask the state: at every word boundary it lets the model write ``K`` candidate
next words — each sampled byte by byte at the sampling temperature up to and
including the next space, newline or end of review — and has a classifier read
*the text so far plus each candidate* (FUDGE, Yang & Klein 2021, with the
discriminator on text instead of hidden states). One candidate is kept with
probability proportional to ``p(target | text + candidate) ** strength``.

Because the candidates are drawn from the model, keeping one in proportion to
that weight samples (approximately, by importance resampling) from
``p_LM(word) * p(target | text + word) ** strength``: at ``strength`` 0 it is
exactly free sampling. The candidates are the model's own whole words, so the
text stays what the model would write; the classifier can only prefer among
them. Any scorer with ``positive_probability(texts) -> array`` works; the
shipped one is the word + word-pair TF-IDF classifier of ``classify``
(:mod:`apophenic.plugins.sentiment.classifier`), which the steering benchmark's
two judges (VADER, a MiniLM probe) are independent of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from apophenic.plugins.sentiment.corpus import DOC_START, decode, encode
from apophenic.plugins.sentiment.model import ByteLM, State
from torch import Tensor

DELIMITERS = (ord(" "), ord("\n"), DOC_START)  # a candidate word ends with one of these


class TextScorer(Protocol):
    """Anything that reads texts and says how positive each is (the shipped ``ReviewClassifier`` does)."""

    def positive_probability(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class WordGuide:
    """Choose each next word among ``candidates`` the model proposes, weighted by ``scorer``'s ``p(target)`` to the ``strength``."""

    scorer: TextScorer
    target: int            # +1 positive, -1 negative
    strength: float        # exponent on p(target | text + word); 0 is free sampling
    candidates: int = 8    # words proposed per boundary
    max_word_bytes: int = 24  # a candidate stops here even without a delimiter (long runs of letters)

    def log_weights(self, texts: list[str]) -> np.ndarray:
        """``strength * log p(target | text)`` for each text."""
        p = np.asarray(self.scorer.positive_probability(texts), dtype=np.float64)
        p = p if self.target > 0 else 1.0 - p
        return self.strength * np.log(np.clip(p, 1e-12, 1.0))


def _rows(state: State, index: Tensor) -> State:
    return [(h[index], c[index]) for h, c in state]


def _put(state: State, index: Tensor, new: State) -> None:
    for (h, c), (nh, nc) in zip(state, new):
        h[index] = nh
        c[index] = nc


@torch.no_grad()
def propose_words(model: ByteLM, state: State, last: Tensor, budget: list[int], guide: WordGuide, temperature: float,
                  banned: Tensor, gen: torch.Generator, top_k: int = 0) -> tuple[list[bytes], State, Tensor]:
    """``K`` candidate words for each of the N rows of ``state``/``last``: bytes N·K, the state and logits after each.

    Row ``i``'s candidates are rows ``i*K .. i*K+K-1``. A candidate is the bytes
    up to and including the first delimiter that follows a non-delimiter byte
    (leading spaces and newlines belong to it), or the end marker, or
    ``max_word_bytes``, or ``budget[i]`` bytes, whichever comes first.
    """
    k = guide.candidates
    rows = len(budget) * k
    device = last.device
    cand_state = [(h.repeat_interleave(k, 0).clone(), c.repeat_interleave(k, 0).clone()) for h, c in state]
    cand_last = last.repeat_interleave(k, 0).clone()
    written = [bytearray() for _ in range(rows)]
    caps = [min(guide.max_word_bytes, b) for b in budget for _ in range(k)]
    in_word = [False] * rows
    active = [r for r in range(rows) if caps[r] > 0]
    while active:
        index = torch.tensor(active, device=device)
        scores = (cand_last[index].float().cpu() / temperature).masked_fill(banned, float("-inf"))
        if top_k:
            kth = torch.topk(scores, top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        nxt = torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=gen)[:, 0]
        logits, new_state = model.step(nxt.to(device), _rows(cand_state, index))
        cand_last[index] = logits.to(cand_last.dtype)
        _put(cand_state, index, new_state)
        still = []
        for r, b in zip(active, nxt.tolist()):
            written[r].append(b)
            delimiter = b in DELIMITERS
            ended = b == DOC_START or (delimiter and in_word[r]) or len(written[r]) >= caps[r]
            in_word[r] = in_word[r] or not delimiter
            if not ended:
                still.append(r)
        active = still
    return [bytes(w) for w in written], cand_state, cand_last


@torch.no_grad()
def sample_words(model: ByteLM, guide: WordGuide, prime: str = "", length: int = 300, temperature: float = 0.8,
                 samples: int = 1, seed: int = 0, device: torch.device | str = "cpu", stop_at_end: bool = True,
                 top_k: int = 0, banned: Tensor | None = None) -> list[str]:
    """``samples`` reviews of up to ``length`` bytes after ``prime``, written a guided word at a time.

    As :func:`apophenic.plugins.sentiment.generate.sample`: a fresh state and
    the start-of-review marker per review, the same seed gives the same text,
    and a review ends when the model starts the next one (``stop_at_end``).
    """
    model.eval()
    gen = torch.Generator(device="cpu").manual_seed(seed)
    if banned is None:
        banned = torch.zeros(256, dtype=torch.bool)
    primer = torch.tensor([[DOC_START, *encode(prime)]] * samples, device=device)
    logits, state, _ = model(primer)
    last = logits[:, -1].clone()
    state = [(h.clone(), c.clone()) for h, c in state]
    written = [bytearray() for _ in range(samples)]
    done = [False] * samples
    k = guide.candidates
    while not all(done):
        live = [i for i in range(samples) if not done[i]]
        index = torch.tensor(live, device=device)
        words, cand_state, cand_last = propose_words(model, _rows(state, index), last[index],
                                                     [length - len(written[i]) for i in live], guide, temperature, banned, gen, top_k)
        texts = [prime + decode(_visible(written[i] + words[j * k + c]))
                 for j, i in enumerate(live) for c in range(k)]
        weights = torch.from_numpy(guide.log_weights(texts)).reshape(len(live), k)
        if stop_at_end:
            weights = _end_at_model_rate(weights, [[DOC_START in words[j * k + c] for c in range(k)] for j in range(len(live))])
        choice = torch.multinomial(torch.softmax(weights, dim=-1), 1, generator=gen)[:, 0].tolist()
        picked = torch.tensor([j * k + c for j, c in enumerate(choice)], device=device)
        _put(state, index, _rows(cand_state, picked))
        last[index] = cand_last[picked]
        for j, i in enumerate(live):
            word = words[j * k + choice[j]]
            if stop_at_end and DOC_START in word:
                written[i].extend(word[: word.index(DOC_START)])
                done[i] = True
                continue
            written[i].extend(word.replace(bytes([DOC_START]), b"\n\n"))  # the next review: a paragraph break
            if len(written[i]) >= length:
                done[i] = True
    return [prime + decode(w) for w in written]


def _end_at_model_rate(weights: Tensor, ends: list[list[bool]]) -> Tensor:
    """Give candidates that end the review the mean weight of the others.

    Otherwise the classifier decides when a review stops: once the text reads
    as the target, any further neutral word dilutes it, and ending is the
    best-scored move, so steered reviews come out short. With the mean weight
    a review ends about as often as the model proposes ending it.
    """
    ends_t = torch.tensor(ends)
    others = weights.masked_fill(ends_t, float("-inf"))
    n = (~ends_t).sum(-1, keepdim=True)
    mean = torch.logsumexp(others, dim=-1, keepdim=True) - torch.log(n.clamp(min=1).to(weights.dtype))
    mean = torch.where(n > 0, mean, torch.zeros_like(mean))
    return torch.where(ends_t, mean.expand_as(weights), weights)


def _visible(data: bytes | bytearray) -> bytes:
    """What a reader of the text would see: the end marker is not text."""
    return bytes(data).replace(bytes([DOC_START]), b"\n\n")
