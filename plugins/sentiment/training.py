"""Training the byte-level language model: truncated BPTT over parallel streams, in one or many processes.

The corpus is streamed (:mod:`~apophenic.plugins.sentiment.streams`): each
step reads the next ``seq_len`` bytes of ``batch_size`` parallel streams and
carries each stream's recurrent state to its next window. Under ``torchrun``
the streams are divided among the processes and torch's
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients, so
N processes compute the same updates as one process with the same
``batch_size`` (up to float rounding). On a GPU the forward pass runs under
autocast (bfloat16 where supported, else float16 with loss scaling).

Held-out bits per byte are measured every ``eval_every`` steps. Every
``checkpoint_every`` steps the main process writes ``last.pt`` (weights,
optimizer, step, every stream's state); running the same command again resumes
from it by replaying the stream deal up to that step.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment import checkpoint as ckpt
from apophenic.plugins.sentiment import distributed
from apophenic.plugins.sentiment.configs import CorpusSource, TrainConfig
from apophenic.plugins.sentiment.corpus import iter_documents
from apophenic.plugins.sentiment.distributed import World
from apophenic.plugins.sentiment.model import ByteLM, ModelSpec, State, count_parameters
from apophenic.plugins.sentiment.streams import Source, StreamDeal, held_out_bytes


def resolve(path: Path, base: Path | None) -> Path:
    """A corpus path as written in a preset: relative to the preset's folder (or ``data_root``)."""
    path = Path(path).expanduser()
    return path if path.is_absolute() or base is None else base / path


def read_source(source: CorpusSource, base: Path | None, labels: bool):
    """All documents of one (small, labelled) corpus file in memory."""
    from apophenic.plugins.sentiment.corpus import read_documents

    return read_documents(resolve(source.path, base), source.format, source.text,
                          source.label if labels else None, source.columns, source.strip_html, source.limit)


def make_sources(config: TrainConfig, base: Path | None) -> list[Source]:
    return [Source(resolve(s.path, base), s.format, s.text, tuple(s.columns) if s.columns else None, s.strip_html,
                   s.limit, s.repeat, s.name or Path(s.path).stem) for s in config.corpus]


def check_sources(sources: list[Source], config: TrainConfig) -> None:
    """Every file opens and parses, and some training text exists (one-line errors otherwise)."""
    found = False
    for s in sources:
        docs = iter_documents(s.path, s.fmt, s.text, None, list(s.columns) if s.columns else None, s.strip_html, s.limit)
        if next(docs, None) is None:
            raise ApophenicError(f"{s.path}: the corpus has no text (no non-empty documents)")
        docs.close()
        if not found:
            found = next(s.documents(config.held_out, config.split_seed, False), None) is not None
    if not found:
        raise ApophenicError(f"corpus: no training documents (held_out = {config.held_out} kept them all out)")


def eval_streams(data: bytes, streams: int = 16) -> torch.Tensor | None:
    """Held-out bytes as ``streams`` equal rows (B×L int64)."""
    streams = max(1, min(streams, len(data) // 64))
    per = len(data) // streams
    if per < 2:
        return None
    return torch.frombuffer(bytearray(data[: per * streams]), dtype=torch.uint8).reshape(streams, per).long()


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device`` (``None``: full float32)."""
    if precision == "fp32" or (precision == "auto" and device.type != "cuda"):
        return None
    if precision == "fp16":
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast(dtype: torch.dtype | None, device: torch.device):
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()


@torch.no_grad()
def bits_per_byte(model: ByteLM, data: torch.Tensor, window: int, device: torch.device,
                  world: World = World(), dtype: torch.dtype | None = None) -> float:
    """Mean next-byte cross-entropy in bits over a B×L byte tensor (rows shared among the processes)."""
    was_training = model.training
    model.eval()
    rows = data[world.rank::world.size].to(device)
    total, count = 0.0, 0
    state = None
    if len(rows):
        for start in range(0, rows.shape[1] - 1, window):
            x = rows[:, start:start + window]
            y = rows[:, start + 1:start + window + 1]
            x = x[:, : y.shape[1]]
            if x.shape[1] == 0:
                break
            with autocast(dtype, device):
                logits, state, _ = model(x, state)
            total += F.cross_entropy(logits.float().reshape(-1, 256), y.reshape(-1), reduction="sum").item()
            count += y.numel()
    total, count = distributed.sum_all(world, total, count, device=device)
    model.train(was_training)
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


def _read_resume(last: Path, spec: ModelSpec, out: Path, world: World) -> dict | None:
    """The resumable checkpoint as the main process read it, handed to every process."""
    payload, problem = None, None
    if world.main and last.is_file():
        try:
            payload = ckpt.read_payload(last)
        except ApophenicError as exc:
            problem = str(exc)
    if world.distributed:
        box = [payload, problem]
        dist.broadcast_object_list(box, src=0)
        payload, problem = box
    if problem:
        raise ApophenicError(f"{world.tag()}{problem}")
    if payload is None:
        return None
    resumed = ckpt.from_payload(payload, last)
    if resumed.model.spec != spec:
        raise ApophenicError(f"{world.tag()}{last}: a checkpoint of a different model ({resumed.model.spec.to_dict()}) "
                             f"is in {out}; use another --out or --fresh")
    if resumed.training is None:
        raise ApophenicError(f"{world.tag()}{last}: has no training state to resume from; use another --out or --fresh")
    return {"model": resumed.model.state_dict(), "meta": resumed.meta, **resumed.training}


def train(config: TrainConfig, out: Path, base: Path | None = None,
          report: Callable[[dict], None] | None = None, fresh: bool = False, world: World | None = None) -> Path:
    """Train (or resume) into ``out``; returns the path of the final checkpoint ``out/model.pt``.

    :param base: folder that relative corpus paths are read from (the preset's).
    :param report: called on the main process with a dict after every step (step, loss, lr, bpc when measured).
    :param fresh: ignore an existing checkpoint in ``out`` instead of resuming.
    :param world: the training processes (default: read from ``torchrun``'s environment).
    """
    world = world or distributed.from_environment()
    if config.threads:
        torch.set_num_threads(config.threads)
    device = distributed.start(world, config.device)
    try:
        return _train(config, Path(out), base, report, fresh, world, device)
    finally:
        distributed.stop(world)


def _train(config: TrainConfig, out: Path, base: Path | None, report, fresh: bool, world: World,
           device: torch.device) -> Path:
    problem = None
    if config.batch_size % world.size:
        problem = f"batch_size {config.batch_size} does not divide among {world.size} processes; make it a multiple of {world.size}"
    try:
        sources = make_sources(config, base)
        if problem is None:
            check_sources(sources, config)
            held = eval_streams(held_out_bytes(sources, config.held_out, config.split_seed, config.eval_chars))
    except ApophenicError as exc:
        problem = str(exc)
    distributed.agree(world, problem)

    last = out / "last.pt"
    spec = ModelSpec(**config.model.model_dump())
    torch.manual_seed(config.seed)
    model = ByteLM(spec).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    dtype = autocast_dtype(config.precision, device)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    per = config.batch_size // world.size
    own = range(world.rank * per, (world.rank + 1) * per)
    step, elapsed, history = 0, 0.0, []
    carried: State | None = None
    resumed = None if fresh else _read_resume(last, spec, out, world)
    if resumed is not None:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        if "scaler" in resumed and scaler.is_enabled():
            scaler.load_state_dict(resumed["scaler"])
        step, elapsed = resumed["step"], resumed.get("elapsed", 0.0)
        history = list(resumed["meta"].get("history", []))
        if "state" in resumed and config.carry_state:
            carried = [(h[own.start:own.stop].to(device), c[own.start:own.stop].to(device)) for h, c in resumed["state"]]

    deal = StreamDeal(sources, config.held_out, config.split_seed, config.seed, config.batch_size, config.seq_len, own,
                      config.shuffle_buffer)
    for _ in range(step):  # resume: the same windows as an uninterrupted run
        deal.next_window(keep=False)

    net = model
    if world.distributed:
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    if world.main:
        out.mkdir(parents=True, exist_ok=True)
    meta_base = {"config": config.model_dump(mode="json"), "corpus": [s.name for s in sources],
                 "parameters": count_parameters(model), "device": str(device), "processes": world.size,
                 "precision": str(dtype).removeprefix("torch.") if dtype else "float32",
                 "threads": torch.get_num_threads()}

    def save(to: Path, with_training: bool) -> None:
        states = None
        if with_training and carried is not None:  # every process's streams, gathered in stream order
            states = [(distributed.gather_rows(world, h).cpu(), distributed.gather_rows(world, c).cpu()) for h, c in carried]
        if not world.main:
            return
        meta = dict(meta_base, step=step, epoch=deal.epoch, elapsed_s=round(elapsed, 1), history=history,
                    held_out_bpc=next((h["bpc"] for h in reversed(history) if "bpc" in h), None))
        training = None
        if with_training:
            training = {"optimizer": optimizer.state_dict(), "step": step, "elapsed": elapsed}
            if scaler.is_enabled():
                training["scaler"] = scaler.state_dict()
            if states is not None:
                training["state"] = states
        ckpt.save(to, model, meta, training=training)

    model.train()
    while step < config.steps:
        t0 = time.perf_counter()
        chunk = deal.next_window().to(device)
        x, y = chunk[:, :-1], chunk[:, 1:]
        lr = learning_rate(config, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with autocast(dtype, device):
            logits, state, _ = net(x, carried if config.carry_state else None)
        loss = F.cross_entropy(logits.float().reshape(-1, 256), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip).item()
        scaler.step(optimizer)
        scaler.update()
        carried = [(h.detach().float(), c.detach().float()) for h, c in state]
        step += 1
        elapsed += time.perf_counter() - t0
        (mean_loss,) = distributed.sum_all(world, loss.item(), device=device)
        entry = {"step": step, "epoch": deal.epoch, "loss_bpc": round(mean_loss / world.size / math.log(2), 4),
                 "lr": lr, "grad_norm": round(grad_norm, 3), "elapsed_s": round(elapsed, 1)}
        if held is not None and (step % config.eval_every == 0 or step == config.steps):
            entry["bpc"] = round(bits_per_byte(model, held, config.seq_len, device, world, dtype), 4)
        if world.main:
            if "bpc" in entry or step % 10 == 0:
                history.append(entry)
                with open(out / "log.jsonl", "a") as f:
                    f.write(json.dumps(entry) + "\n")
            if report is not None:
                report(entry)
        if step % config.checkpoint_every == 0 or step == config.steps:
            save(last, with_training=True)
    save(out / "model.pt", with_training=False)
    distributed.barrier(world)
    return out / "model.pt"
