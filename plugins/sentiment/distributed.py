"""Training in several processes with torch's DistributedDataParallel, launched by ``torchrun``.

``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` in every process;
:func:`start` joins the process group (NCCL between GPUs, gloo on CPUs) and
picks this process's device (``cuda:LOCAL_RANK`` when training on GPUs).
Without those variables training runs in one process and nothing here
communicates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from apophenic import pick_device
from apophenic.errors import ApophenicError


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """The process that writes checkpoints, logs and progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def tag(self) -> str:
        return f"rank {self.rank}/{self.size}: " if self.distributed else ""


def from_environment() -> World:
    """The world ``torchrun`` describes in the environment (one process without it)."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
    except ValueError:
        raise ApophenicError("WORLD_SIZE, RANK and LOCAL_RANK must be integers (set by torchrun)") from None
    return World(rank, size, local)


def start(world: World, device_name: str) -> torch.device:
    """Join the process group (when there is one) and return this process's device."""
    device = pick_device(device_name)
    if world.distributed and device.type == "cuda" and device.index is None:
        device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world.distributed and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=world.rank, world_size=world.size)
    return device


def stop(world: World) -> None:
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


def agree(world: World, problem: str | None) -> None:
    """Raise on every process when any process found a problem (one line each).

    Each process checks what it alone can see (its files, its device); a
    process that failed alone would leave the others waiting for it forever.
    """
    if not world.distributed:
        if problem:
            raise ApophenicError(problem)
        return
    problems: list[str | None] = [None] * world.size
    dist.all_gather_object(problems, problem)
    if problem:
        raise ApophenicError(f"{world.tag()}{problem}")
    failed = [(r, p) for r, p in enumerate(problems) if p]
    if failed:
        rank, first = failed[0]
        others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise ApophenicError(f"{world.tag()}stopped because rank {rank}{others} failed: {first}")


def gather_rows(world: World, rows: torch.Tensor) -> torch.Tensor:
    """Every process's rows (equal counts), in rank order."""
    if not world.distributed:
        return rows
    parts = [torch.empty_like(rows) for _ in range(world.size)]
    dist.all_gather(parts, rows.contiguous())
    return torch.cat(parts)


def sum_all(world: World, *values: float, device: torch.device | str = "cpu") -> list[float]:
    """``values`` summed over every process."""
    if not world.distributed:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()
