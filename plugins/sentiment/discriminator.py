"""A future discriminator for ``--method fudge``: the language model fine-tuned to read sentiment from prefixes.

FUDGE (Yang & Klein 2021) steers a frozen generator with a separate classifier
that predicts, from a *prefix*, the attribute the finished text will have. Here
that classifier is a copy of the byte LM with a logistic head on its last cell
state, trained on the openings of labelled training reviews with the review's
label at every byte (from the 10th on). It starts from the language model's
weights, so it begins knowing how reviews are spelled, and its fine-tuning
teaches it what those words mean for sentiment — which the generator's own state
does not carry (its linear probe reads 53 % on openings). The result is an
ordinary checkpoint whose ``steering.direction`` holds the head.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from apophenic.plugins.sentiment.features import to_bytes
from apophenic.plugins.sentiment.model import ByteLM

SKIP = 10  # the first bytes say nothing about the review yet


def batches(texts: list[str], labels: np.ndarray, length: int, batch: int, rng: np.random.Generator):
    """Endless shuffled batches of review openings: tokens B×T, labels B, lengths B."""
    while True:
        order = rng.permutation(len(texts))
        for start in range(0, len(order) - batch + 1, batch):
            idx = order[start:start + batch]
            seqs = [to_bytes(texts[i])[: length + 1] for i in idx]
            width = max(map(len, seqs))
            tokens = torch.zeros(len(seqs), width, dtype=torch.long)
            for r, s in enumerate(seqs):
                tokens[r, : len(s)] = torch.tensor(s)
            yield tokens, torch.tensor(labels[idx], dtype=torch.float32), torch.tensor([len(s) for s in seqs])


def prefix_logits(model: ByteLM, head: torch.nn.Linear, tokens: torch.Tensor) -> torch.Tensor:
    """The discriminator's logit after every byte (B×T)."""
    _, _, cells = model(tokens, keep_cells=True)
    return head(torch.tanh(cells)).squeeze(-1)  # tanh: an LSTM's cell state is unbounded (counting units reach ±300)


def masked_loss(logits: torch.Tensor, labels: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    positions = torch.arange(logits.shape[1], device=logits.device)[None, :]
    mask = ((positions >= SKIP) & (positions < lengths[:, None])).float()
    target = labels[:, None].expand_as(logits)
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum() / mask.sum()


@torch.no_grad()
def accuracy(model: ByteLM, head: torch.nn.Linear, texts: list[str], labels: np.ndarray, length: int) -> dict:
    """Held-out accuracy of the prediction after byte 50, 150 and ``length`` of each opening, and over all positions."""
    model.eval()
    rows = {50: [], 150: [], length: []}
    every = []
    for start in range(0, len(texts), 64):
        seqs = [to_bytes(t)[: length + 1] for t in texts[start:start + 64]]
        width = max(map(len, seqs))
        tokens = torch.zeros(len(seqs), width, dtype=torch.long)
        for r, s in enumerate(seqs):
            tokens[r, : len(s)] = torch.tensor(s)
        logits = prefix_logits(model, head, tokens.to(head.weight.device)).cpu()
        for r, s in enumerate(seqs):
            y = labels[start + r]
            right = ((logits[r, : len(s)] > 0).float() == y).numpy()
            every.extend(right[SKIP:])
            for pos in rows:
                rows[pos].append(right[min(pos, len(s) - 1)])
    model.train()
    out = {f"after_{pos}": float(np.mean(v)) for pos, v in rows.items()}
    out["all_positions"] = float(np.mean(every))
    return out


def train_discriminator(lm: ByteLM, texts: list[str], labels: np.ndarray, test_texts: list[str], test_labels: np.ndarray,
                        steps: int = 300, length: int = 300, batch: int = 32, lr: float = 5e-4, seed: int = 0,
                        report=print) -> tuple[ByteLM, torch.nn.Linear, dict]:
    """Fine-tune a copy of ``lm`` with a logistic head on its cell state; returns the model, head and held-out accuracy.

    Trains on the device ``lm`` is on.
    """
    torch.manual_seed(seed)
    model = copy.deepcopy(lm).train()
    for p in model.parameters():
        p.requires_grad_(True)
    device = next(model.parameters()).device
    head = torch.nn.Linear(lm.spec.hidden, 1).to(device)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.Adam([{"params": model.parameters(), "lr": lr}, {"params": head.parameters(), "lr": lr * 10}])
    rng = np.random.default_rng(seed)
    data = batches(texts, labels, length, batch, rng)
    t0 = time.process_time()
    for step in range(1, steps + 1):
        scale = 0.5 * (1 + math.cos(math.pi * step / steps))
        for g, base in zip(opt.param_groups, (lr, lr * 10)):
            g["lr"] = base * scale
        tokens, y, lengths = (t.to(device) for t in next(data))
        loss = masked_loss(prefix_logits(model, head, tokens), y, lengths)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(head.parameters()), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps:
            report(f"discriminator step {step}: loss {loss.item():.3f} ({time.process_time() - t0:.0f} CPU s)")
    model.eval()
    return model, head, accuracy(model, head, test_texts, test_labels, length)
