"""Sampling reviews from the language model, optionally with one cell unit clamped."""

from __future__ import annotations

import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.corpus import decode, encode
from apophenic.plugins.sentiment.model import ByteLM, Clamp
from apophenic.plugins.sentiment.training import DOC_START


def check_unit(model: ByteLM, unit: int, source: str = "--unit") -> None:
    """A one-line error when ``unit`` is not a cell of this model."""
    if not 0 <= unit < model.spec.hidden:
        raise ApophenicError(f"{source}: unit {unit} is out of range; this model has units 0..{model.spec.hidden - 1}")


@torch.no_grad()
def sample(model: ByteLM, prime: str = "", length: int = 300, temperature: float = 0.8, top_k: int = 0,
           clamp: Clamp = None, samples: int = 1, seed: int = 0, device: torch.device | str = "cpu",
           stop_at_end: bool = True, printable: bool = True) -> list[str]:
    """``samples`` reviews of up to ``length`` bytes after ``prime``.

    Every review starts from a fresh state and the start-of-review marker, so
    the model writes a review rather than continuing one. With ``clamp =
    (unit, value)`` that cell unit is overwritten with ``value`` after every
    byte, the prime included. A review ends early when the model starts the
    next one (``stop_at_end``). With ``printable`` only printable ASCII, newline
    and the end marker can be sampled: a small model otherwise opens reviews with
    control bytes and broken UTF-8. The same seed and settings give the same text.
    """
    if clamp is not None:
        check_unit(model, clamp[0])
    model.eval()
    gen = torch.Generator(device="cpu").manual_seed(seed)
    primer = torch.tensor([[DOC_START, *encode(prime)]] * samples, device=device)
    logits, state, _ = model(primer, clamp=clamp)
    last = logits[:, -1]
    written = [bytearray() for _ in range(samples)]
    done = torch.zeros(samples, dtype=torch.bool)
    banned = torch.zeros(256, dtype=torch.bool)
    if printable:
        banned[:] = True
        banned[32:127] = False
        banned[[10, DOC_START]] = False
    for _ in range(length):
        scores = (last.float().cpu() / temperature).masked_fill(banned, float("-inf"))
        if top_k:
            kth = torch.topk(scores, top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        nxt = torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=gen)[:, 0]
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
        logits, state, _ = model(nxt[:, None].to(device), state, clamp=clamp)
        last = logits[:, -1]
    return [prime + decode(w) for w in written]
