"""Training the byte-level language model: truncated BPTT over parallel streams.

The corpus is split per document (train / held out); each epoch shuffles the
training documents, joins them (each preceded by a record-separator byte, so
the model learns where a review starts) and cuts the bytes into
``batch_size`` parallel streams read ``seq_len`` bytes at a time, carrying
the recurrent state from one window to the next. Held-out bits per character
are measured every ``eval_every`` steps. A checkpoint with the optimizer and
the data position is written every ``checkpoint_every`` steps; running the same
command again resumes from it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment import checkpoint as ckpt
from apophenic.plugins.sentiment.configs import CorpusSource, TrainConfig
from apophenic.plugins.sentiment.corpus import encode, read_documents, split
from apophenic.plugins.sentiment.device import pick_device, set_threads
from apophenic.plugins.sentiment.model import ByteLM, ModelSpec, count_parameters

DOC_START = 0x1E  # ASCII record separator: precedes every review


@dataclass
class TrainData:
    train: list[bytes]      # training documents, oversampled per source's ``repeat``
    held_out: list[bytes]   # never trained on
    summary: list[dict]     # per source: name, documents, train/held-out counts, bytes


def resolve(path: Path, base: Path | None) -> Path:
    """A corpus path as written in a preset: relative to the preset's folder."""
    path = Path(path).expanduser()
    return path if path.is_absolute() or base is None else base / path


def load_data(config: TrainConfig, base: Path | None = None) -> TrainData:
    """Read and split every corpus file of a training config."""
    train, held, summary = [], [], []
    for source in config.corpus:
        docs = read_source(source, base, labels=False)
        tr, ho = split(len(docs.texts), config.held_out, config.split_seed)
        tr_bytes = [bytes([DOC_START]) + encode(docs.texts[i]) for i in tr]
        train.extend(tr_bytes * source.repeat)
        held.extend(bytes([DOC_START]) + encode(docs.texts[i]) for i in ho)
        summary.append({"name": source.name or Path(source.path).stem, "documents": len(docs.texts),
                        "train": len(tr), "held_out": len(ho), "repeat": source.repeat,
                        "train_bytes": sum(map(len, tr_bytes))})
    if sum(len(d) for d in train) < config.batch_size * (config.seq_len + 1):
        raise ApophenicError(
            f"corpus: {sum(len(d) for d in train)} training bytes is too little for batch_size={config.batch_size} "
            f"x seq_len={config.seq_len}; add text or lower them")
    return TrainData(train, held, summary)


def read_source(source: CorpusSource, base: Path | None, labels: bool):
    return read_documents(resolve(source.path, base), source.format, source.text,
                          source.label if labels else None, source.columns, source.strip_html, source.limit)


def epoch_streams(docs: list[bytes], batch: int, epoch: int, seed: int) -> torch.Tensor:
    """The training bytes of one epoch as ``batch`` equal streams (B×L, uint8)."""
    order = np.random.default_rng([seed, epoch]).permutation(len(docs))
    joined = b"".join(docs[i] for i in order)
    per = len(joined) // batch
    data = np.frombuffer(joined[: per * batch], dtype=np.uint8).reshape(batch, per)
    return torch.from_numpy(data.copy())


def held_out_streams(docs: list[bytes], chars: int, seed: int, streams: int = 16) -> torch.Tensor | None:
    """A fixed sample of held-out bytes (same every evaluation)."""
    if not docs:
        return None
    order = np.random.default_rng([seed, 7919]).permutation(len(docs))
    joined = b"".join(docs[i] for i in order)[:chars]
    streams = max(1, min(streams, len(joined) // 64))
    per = len(joined) // streams
    if per < 2:
        return None
    return torch.from_numpy(np.frombuffer(joined[: per * streams], dtype=np.uint8).reshape(streams, per).copy())


@torch.no_grad()
def bits_per_char(model: ByteLM, data: torch.Tensor, window: int, device: torch.device) -> float:
    """Mean next-byte cross-entropy in bits over a B×L byte tensor."""
    model.eval()
    state = None
    total, count = 0.0, 0
    data = data.to(device).long()
    for start in range(0, data.shape[1] - 1, window):
        x = data[:, start:start + window]
        y = data[:, start + 1:start + window + 1]
        x = x[:, : y.shape[1]]
        if x.shape[1] == 0:
            break
        logits, state, _ = model(x, state)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        count += y.numel()
    model.train()
    return total / max(count, 1) / math.log(2)


def learning_rate(config: TrainConfig, step: int) -> float:
    """The schedule: linear warmup, then constant / linear / cosine decay to zero."""
    if config.warmup and step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    span = max(1, config.steps - config.warmup)
    progress = min(1.0, (step - config.warmup) / span)
    if config.lr_schedule == "linear":
        return config.lr * (1.0 - progress)
    if config.lr_schedule == "cosine":
        return config.lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    return config.lr


def train(config: TrainConfig, out: Path, base: Path | None = None,
          report: Callable[[dict], None] | None = None, fresh: bool = False) -> Path:
    """Train (or resume) into ``out``; returns the path of the final checkpoint ``out/model.pt``.

    :param base: folder that relative corpus paths are read from (the preset's).
    :param report: called with a dict after every step (step, loss, lr, bpc when measured).
    :param fresh: ignore an existing checkpoint in ``out`` instead of resuming.
    """
    set_threads(config.threads)
    device = pick_device(config.device)
    data = load_data(config, base)
    out = Path(out)
    last = out / "last.pt"
    spec = ModelSpec(**config.model.model_dump())
    config_json = config.model_dump(mode="json")

    torch.manual_seed(config.seed)
    model = ByteLM(spec).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    step, epoch, cursor, elapsed, history = 0, 0, 0, 0.0, []
    carried = None
    if last.is_file() and not fresh:
        resumed = ckpt.load(last, device)
        if resumed.model.spec != spec:
            raise ApophenicError(f"{last}: a checkpoint of a different model ({resumed.model.spec.to_dict()}) is in {out}; "
                                 "use another --out or --fresh")
        if resumed.training is None:
            raise ApophenicError(f"{last}: has no training state to resume from; use another --out or --fresh")
        model.load_state_dict(resumed.model.state_dict())
        optimizer.load_state_dict(resumed.training["optimizer"])
        step, epoch, cursor = resumed.training["step"], resumed.training["epoch"], resumed.training["cursor"]
        elapsed = resumed.training.get("elapsed", 0.0)
        history = list(resumed.meta.get("history", []))
        if "state" in resumed.training and config.carry_state:
            carried = [(h.to(device), c.to(device)) for h, c in resumed.training["state"]]

    out.mkdir(parents=True, exist_ok=True)
    held = held_out_streams(data.held_out, config.eval_chars, config.split_seed)
    streams = epoch_streams(data.train, config.batch_size, epoch, config.seed)
    windows = (streams.shape[1] - 1) // config.seq_len
    meta_base = {"config": config_json, "data": data.summary, "parameters": count_parameters(model),
                 "device": str(device), "threads": torch.get_num_threads()}

    def save(to: Path, with_training: bool) -> None:
        meta = dict(meta_base, step=step, elapsed_s=round(elapsed, 1), history=history,
                    held_out_bpc=next((h["bpc"] for h in reversed(history) if "bpc" in h), None))
        training = None
        if with_training:
            training = {"optimizer": optimizer.state_dict(), "step": step, "epoch": epoch, "cursor": cursor,
                        "elapsed": elapsed}
            if carried is not None:
                training["state"] = [(h.detach().cpu(), c.detach().cpu()) for h, c in carried]
        ckpt.save(to, model, meta, training=training)

    model.train()
    while step < config.steps:
        t0 = time.perf_counter()
        if cursor >= windows:  # next epoch: reshuffle documents, restart streams
            epoch, cursor, carried = epoch + 1, 0, None
            streams = epoch_streams(data.train, config.batch_size, epoch, config.seed)
        chunk = streams[:, cursor * config.seq_len: cursor * config.seq_len + config.seq_len + 1].to(device).long()
        x, y = chunk[:, :-1], chunk[:, 1:]
        lr = learning_rate(config, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits, state, _ = model(x, carried if config.carry_state else None)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip).item()
        optimizer.step()
        carried = [(h.detach(), c.detach()) for h, c in state]
        cursor += 1
        step += 1
        elapsed += time.perf_counter() - t0
        entry = {"step": step, "epoch": epoch, "loss_bpc": round(loss.item() / math.log(2), 4), "lr": lr,
                 "grad_norm": round(grad_norm, 3), "elapsed_s": round(elapsed, 1)}
        if held is not None and (step % config.eval_every == 0 or step == config.steps):
            entry["bpc"] = round(bits_per_char(model, held, config.seq_len, device), 4)
        if "bpc" in entry or step % 10 == 0:
            history.append(entry)
            with open(out / "log.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
        if report is not None:
            report(entry)
        if step % config.checkpoint_every == 0 or step == config.steps:
            save(last, with_training=True)
    save(out / "model.pt", with_training=False)
    return out / "model.pt"
