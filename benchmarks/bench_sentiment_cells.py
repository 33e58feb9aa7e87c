"""Training speed of the byte LM: bytes per second by cell, width and thread count; DDP with 2 processes.

Sides, alternated step by step in one process after a warm-up (so a change in
the machine's load hits every side alike):

- ``lstm``: torch's fused ``nn.LSTM`` (oneDNN on CPU);
- ``mlstm``: the mLSTM with its TorchScript loop and hand-written backward;
- ``mlstm-loop``: the same mLSTM through autograd, one Python step per byte
  (the steerable path, used for generation);
- ``mlstm-first-pass``: the first pass's mLSTM (input projections for the whole
  sequence, then sliced per byte inside the autograd loop), kept here as the baseline.

Each step is one training update (forward, backward, Adam) of ``batch`` streams
× ``seq`` bytes. Reported: bytes per wall second and per CPU second (median),
and each side's median ratio to ``lstm`` over paired steps with min-max.
``--ddp`` also compares ``apophenic sentiment train`` in one process with
``torchrun --nproc-per-node 2`` (gloo on the CPU, NCCL with ``--device cuda``) at the same
total batch, alternating whole runs.

    python benchmarks/bench_sentiment_cells.py --widths 256 512 --threads 1 2 --ddp
    python benchmarks/bench_sentiment_cells.py --device cuda --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

import torch
import torch.nn.functional as F
from apophenic.plugins.sentiment.model import ByteLM, ModelSpec

SIDES = ("lstm", "mlstm", "mlstm-loop", "mlstm-first-pass")


class FirstPassMLSTM(torch.nn.Module):
    """The first pass's byte mLSTM, as shipped before this benchmark (for comparison only)."""

    def __init__(self, hidden: int, embed: int = 64) -> None:
        super().__init__()
        self.hidden = hidden
        self.embed = torch.nn.Embedding(256, embed)
        self.wmx = torch.nn.Linear(embed, hidden, bias=False)
        self.wmh = torch.nn.Linear(hidden, hidden, bias=False)
        self.wx = torch.nn.Linear(embed, 4 * hidden)
        self.wm = torch.nn.Linear(hidden, 4 * hidden, bias=False)
        self.out = torch.nn.Linear(hidden, 256)

    def forward(self, tokens: torch.Tensor, steer=None):
        x = self.embed(tokens).transpose(0, 1)
        gx = torch.cat([self.wx(x), self.wmx(x)], dim=-1)
        H = self.hidden
        h = c = torch.zeros(tokens.shape[0], H, device=tokens.device)
        outs = []
        for t in range(tokens.shape[1]):
            m = gx[t][..., 4 * H:] * self.wmh(h)
            z = gx[t][..., :4 * H] + self.wm(m)
            i, f, o, u = z.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return self.out(torch.stack(outs)).transpose(0, 1), None, None


def make_step(side: str, hidden: int, batch: int, seq: int, device: torch.device):
    torch.manual_seed(0)
    if side == "mlstm-first-pass":
        model = FirstPassMLSTM(hidden)
    else:
        model = ByteLM(ModelSpec("lstm" if side == "lstm" else "mlstm", hidden, 1, 64))
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    tokens = torch.randint(0, 256, (batch, seq + 1)).to(device)
    steer = (lambda c: c) if side == "mlstm-loop" else None  # an identity steer takes the per-byte loop

    def step() -> None:
        logits, _, _ = model(tokens[:, :-1], steer=steer)
        loss = F.cross_entropy(logits.reshape(-1, 256), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def timed(fn, sync) -> tuple[float, float]:
    sync()
    w, c = time.perf_counter(), time.process_time()
    fn()
    sync()  # a GPU's queued work counts
    return time.perf_counter() - w, time.process_time() - c


def bench_cells(widths: list[int], threads: list[int], batch: int, seq: int, steps: int, warmup: int,
                device: torch.device) -> list[dict]:
    rows = []
    sync = paired.device_sync(device)
    for n in threads:
        torch.set_num_threads(n)
        for hidden in widths:
            fns = {s: make_step(s, hidden, batch, seq, device) for s in SIDES}
            for _ in range(warmup):
                for fn in fns.values():
                    fn()
            wall = {s: [] for s in SIDES}
            cpu = {s: [] for s in SIDES}
            for _ in range(steps):
                for s, fn in fns.items():
                    w, c = timed(fn, sync)
                    wall[s].append(w)
                    cpu[s].append(c)
            nbytes = batch * seq
            for s in SIDES:
                ratios = [a / b for a, b in zip(wall["lstm"], wall[s])]  # speed relative to lstm
                rows.append({"device": str(device), "threads": n, "hidden": hidden, "side": s,
                             "bytes_per_s": round(nbytes / statistics.median(wall[s])),
                             "bytes_per_cpu_s": round(nbytes / statistics.median(cpu[s])),
                             "speed_vs_lstm": round(statistics.median(ratios), 3),
                             "min": round(min(ratios), 3), "max": round(max(ratios), 3), "steps": steps})
                print(json.dumps(rows[-1]), flush=True)
    return rows


PRESET = """
data_root = "{data}"
device = "{device}"
seq_len = {seq}
batch_size = {batch}
steps = {steps}
warmup = 0
eval_every = 100000
checkpoint_every = 100000
threads = 1
[model]
architecture = "{arch}"
hidden = {hidden}
embed = 64
[[corpus]]
path = "pang_lee_polarity_reviews.csv"
columns = ["label", "text"]
"""


def bench_ddp(data: Path, hidden: int, arch: str, batch: int, seq: int, steps: int, rounds: int, device: torch.device) -> dict:
    """Alternate whole runs: one process with ``batch`` streams, two with ``batch/2`` each (on GPUs: one GPU each)."""
    bin_dir = Path(sys.executable).parent
    times = {"1 process": [], "2 processes": []}
    with tempfile.TemporaryDirectory() as tmp:
        preset = Path(tmp) / "bench.toml"
        preset.write_text(PRESET.format(data=data.resolve().as_posix(), seq=seq, batch=batch, steps=steps, arch=arch,
                                        hidden=hidden, device=device.type))
        env = dict(os.environ, OMP_NUM_THREADS="1")
        for r in range(rounds):
            for name in times:
                out = Path(tmp) / f"{name[0]}-{r}"
                cmd = [str(bin_dir / "apophenic"), "sentiment", "train", "-p", str(preset), "-o", str(out)]
                if name.startswith("2"):
                    cmd = [str(bin_dir / "torchrun"), "--nproc-per-node", "2", "--master-port", str(29700 + r), "--no-python", *cmd]
                subprocess.run(cmd, check=True, env=env, capture_output=True)
                log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
                first, last = log[0], log[-1]  # exclude the first logged block (warm-up)
                times[name].append((last["elapsed_s"] - first["elapsed_s"]) / (last["step"] - first["step"]))
    nbytes = batch * seq
    ratios = [a / b for a, b in zip(times["1 process"], times["2 processes"])]
    result = {"device": str(device), "arch": arch, "hidden": hidden, "batch": batch, "seq": seq,
              **{f"{k} bytes_per_s": round(nbytes / statistics.median(v)) for k, v in times.items()},
              "speedup": round(statistics.median(ratios), 3), "min": round(min(ratios), 3), "max": round(max(ratios), 3),
              "rounds": rounds}
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = paired.add_device_argument(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--ddp", action="store_true")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    device = paired.check_device(args.device)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, torch {torch.__version__}, device {device}", flush=True)
    result = {"load_before": load, "cells": bench_cells(args.widths, args.threads, args.batch, args.seq, args.steps, args.warmup,
                                                        device)}
    if args.ddp and device.type == "cuda" and torch.cuda.device_count() < 2:
        print("--ddp on cuda needs two GPUs (NCCL takes one per process); skipped", flush=True)
    elif args.ddp:
        result["ddp"] = [bench_ddp(args.data, 256, "lstm", args.batch, args.seq, 30, 3, device)]
    result["load_after"] = os.getloadavg()
    print(f"load average after {result['load_after'][0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
