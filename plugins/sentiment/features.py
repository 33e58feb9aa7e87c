"""Reading reviews with the language model: cell states after the last byte, or along the way."""

from __future__ import annotations

import numpy as np
import torch
from apophenic.plugins.sentiment.corpus import encode
from apophenic.plugins.sentiment.model import ByteLM
from apophenic.plugins.sentiment.corpus import DOC_START


def to_bytes(text: str, max_chars: int | None = None) -> list[int]:
    """The bytes the model reads for one review: a start marker, then the (last ``max_chars``) bytes."""
    data = encode(text)
    if max_chars is not None and len(data) > max_chars:
        data = data[-max_chars:]
    return [DOC_START, *data]


@torch.no_grad()
def review_features(model: ByteLM, texts: list[str], mode: str = "last", max_chars: int | None = 2000,
                    batch_size: int = 32, device: torch.device | str = "cpu", progress=None) -> np.ndarray:
    """One row per review: the last layer's cell state after its last byte (``last``) or averaged over its bytes (``mean``)."""
    model.eval()
    seqs = [to_bytes(t, max_chars) for t in texts]
    order = np.argsort([len(s) for s in seqs])  # similar lengths together: little padding
    out = np.zeros((len(texts), model.spec.hidden), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        lengths = torch.tensor([len(seqs[i]) for i in idx])
        tokens = torch.zeros(len(idx), int(lengths.max()), dtype=torch.long)
        for row, i in enumerate(idx):
            tokens[row, : len(seqs[i])] = torch.tensor(seqs[i])
        _, _, cells = model(tokens.to(device), keep_cells=True)
        cells = cells.cpu()
        if mode == "mean":
            mask = (torch.arange(tokens.shape[1])[None, :] < lengths[:, None]).float()
            feats = (cells * mask[..., None]).sum(1) / lengths[:, None]
        else:
            feats = cells[torch.arange(len(idx)), lengths - 1]
        out[idx] = feats.numpy()
        if progress is not None:
            progress(len(idx))
    return out


@torch.no_grad()
def unit_trace(model: ByteLM, text: str, unit: int, device: torch.device | str = "cpu") -> tuple[bytes, np.ndarray]:
    """The unit's cell value after each byte of ``text`` (the model reading it freely)."""
    model.eval()
    seq = to_bytes(text, None)
    _, _, cells = model(torch.tensor([seq], device=device), keep_cells=True)
    return bytes(seq[1:]), cells[0, 1:, unit].cpu().numpy()
