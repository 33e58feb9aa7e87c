"""Training bytes as parallel streams, read from corpora of any size in constant memory.

One epoch is every training document of every source (each source ``repeat``
times), read lazily: sources are interleaved at random in proportion to their
size on disk (a few kilobytes from one, then another), then mixed through a
seeded shuffle buffer. The documents are dealt into ``G`` parallel streams,
each read ``seq_len`` bytes per step with its recurrent state carried along.

The stream layout depends on the seed and ``G`` only, never on how many
processes train: every process reads the whole document sequence, deals it to
all ``G`` streams, and keeps the bytes of its own slice of them. Two processes
with ``G/2`` streams each see exactly the batch one process with ``G`` sees,
and a run resumes (or changes its process count) by replaying the deal up to
its step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from apophenic.plugins.sentiment.corpus import DOC_START, encode, is_held_out, iter_documents

CHUNK_BYTES = 4096  # bytes taken from one source before the next random pick


@dataclass(frozen=True)
class Source:
    """One corpus file and how to read it."""

    path: Path
    fmt: str = "auto"
    text: str = "text"
    columns: tuple[str, ...] | None = None
    strip_html: bool = False
    limit: int | None = None
    repeat: int = 1
    name: str = ""

    def documents(self, held_out: float, split_seed: int, want_held_out: bool) -> Iterator[bytes]:
        """This file's training (or held-out) documents as the bytes the model reads."""
        docs = iter_documents(self.path, self.fmt, self.text, None, list(self.columns) if self.columns else None,
                              self.strip_html, self.limit)
        for index, (body, _) in enumerate(docs):
            if is_held_out(index, held_out, split_seed) == want_held_out:
                yield bytes([DOC_START]) + encode(body)

    def weight(self) -> float:
        return max(1, self.path.stat().st_size)


def epoch_documents(sources: list[Source], held_out: float, split_seed: int, seed: int, epoch: int,
                    shuffle_buffer: int) -> Iterator[bytes]:
    """Every training document of one epoch, interleaved and shuffled (seeded by ``seed`` and ``epoch``)."""
    rng = np.random.default_rng([seed, epoch])
    lanes = [(s.documents(held_out, split_seed, False), s.weight()) for s in sources for _ in range(s.repeat)]

    def interleaved() -> Iterator[bytes]:
        live = list(range(len(lanes)))
        while live:
            weights = np.array([lanes[i][1] for i in live], dtype=np.float64)
            pick = live[int(rng.choice(len(live), p=weights / weights.sum()))]
            taken = 0
            while taken < CHUNK_BYTES:
                doc = next(lanes[pick][0], None)
                if doc is None:
                    live.remove(pick)
                    break
                taken += len(doc)
                yield doc

    buffer: list[bytes] = []
    for doc in interleaved():
        if len(buffer) < shuffle_buffer:
            buffer.append(doc)
            continue
        i = int(rng.integers(len(buffer)))
        buffer[i], doc = doc, buffer[i]
        yield doc
    for i in rng.permutation(len(buffer)):
        yield buffer[i]


def held_out_bytes(sources: list[Source], held_out: float, split_seed: int, chars: int) -> bytes:
    """A fixed sample of held-out text: documents taken from each source in turn until ``chars`` bytes."""
    lanes = [s.documents(held_out, split_seed, True) for s in sources]
    out = bytearray()
    while lanes and len(out) < chars:
        for lane in list(lanes):
            doc = next(lane, None)
            if doc is None:
                lanes.remove(lane)
                continue
            out.extend(doc)
    for lane in lanes:
        lane.close()
    return bytes(out[:chars])


class StreamDeal:
    """``streams`` parallel byte streams dealt from an endless sequence of epochs; this process keeps ``own``.

    :meth:`next_window` returns the next ``seq_len + 1`` bytes of every kept
    stream (consecutive windows overlap by one byte: the last target is the next input).
    """

    def __init__(self, sources: list[Source], held_out: float, split_seed: int, seed: int, streams: int,
                 seq_len: int, own: range, shuffle_buffer: int = 10000) -> None:
        self.sources, self.held_out, self.split_seed, self.seed = sources, held_out, split_seed, seed
        self.streams, self.seq_len, self.own, self.shuffle_buffer = streams, seq_len, own, shuffle_buffer
        self.epoch = 0
        self.documents_read = 0
        self._docs = self._epoch_docs()
        self._pending: dict[int, bytearray] = {g: bytearray() for g in own}
        self._lengths = [0] * streams

    def _epoch_docs(self) -> Iterator[bytes]:
        return epoch_documents(self.sources, self.held_out, self.split_seed, self.seed, self.epoch, self.shuffle_buffer)

    def _next_doc(self) -> bytes:
        for _ in range(2):
            doc = next(self._docs, None)
            if doc is not None:
                self.documents_read += 1
                return doc
            self.epoch += 1
            self._docs = self._epoch_docs()
        raise RuntimeError("an epoch without documents")  # the trainer checks for training text first

    def next_window(self, keep: bool = True) -> torch.Tensor | None:
        """The next window of the kept streams (``len(own)``×(seq_len+1) int64), or ``None`` with ``keep=False``
        (replaying the deal to resume)."""
        need = self.seq_len + 1
        rows = []
        for g in range(self.streams):
            pending = self._pending.get(g)
            while self._lengths[g] < need:
                doc = self._next_doc()
                self._lengths[g] += len(doc)
                if pending is not None:
                    pending.extend(doc)
            self._lengths[g] -= self.seq_len
            if pending is not None:
                if keep:
                    rows.append(np.frombuffer(bytes(pending[:need]), dtype=np.uint8))
                del pending[: self.seq_len]
        if not keep:
            return None
        return torch.from_numpy(np.stack(rows).astype(np.int64))
