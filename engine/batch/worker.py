"""What runs inside a worker process: thread pinning and rendering one run.

Importing any ``apophenic`` module loads torch, and ``OMP_WAIT_POLICY`` is read
when torch loads; so the executors put ``OMP_WAIT_POLICY=PASSIVE`` and
``OMP_NUM_THREADS`` in the environment the workers are started with (see
:func:`apophenic.batch.executors.worker_environment`), and :func:`pin_threads`
sets the torch thread count in the worker itself.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import Any

_reporter = None


def cpu_count() -> int:
    """Cores this process may use (its affinity mask, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def pin_threads(threads: int, gpu: int | None = None) -> dict[str, Any]:
    """Make this process use ``threads`` CPU threads (and one GPU when given), before torch loads."""
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["MKL_NUM_THREADS"] = str(threads)
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    import torch

    torch.set_num_threads(threads)
    return {"pid": os.getpid(), "threads": torch.get_num_threads(), "gpu": gpu}


def local_init(threads: int, gpus: int, counter: Any, events: Any, parent: int | None = None) -> None:
    """Initializer of a local pool worker: die with the batch, pin threads, pick a GPU, report steps to ``events``."""
    global _reporter
    if parent is not None:
        from apophenic.batch.orphans import die_with

        die_with(parent)
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    pin_threads(threads, index % gpus if gpus else None)
    if events is not None:
        from apophenic.registry import get_registry

        _reporter = StepReporter(events)
        get_registry().manager.register(_reporter, name="batch-progress")


class StepReporter:
    """A plugin registered in the worker: sends (pid, run, step, steps) after each step."""

    def __init__(self, events: Any) -> None:
        self.events = events
        self.run: str | None = None
        self.last = 0.0

    def start(self, run: str) -> None:
        self.run = run
        self._send(("start", os.getpid(), run, 0, 0))

    def _send(self, event: tuple) -> None:
        try:
            self.events.put_nowait(event)
        except Exception:  # progress is a nicety; never fail a run over it
            pass

    from apophenic.hookspecs import hookimpl as _hookimpl

    @_hookimpl
    def on_step(self, state) -> None:
        now = time.monotonic()
        if now - self.last > 0.2 or state.step == state.steps:  # throttled: the queue is not free
            self.last = now
            self._send(("step", os.getpid(), self.run, state.step, state.steps))


def render(task: dict[str, Any]) -> dict[str, Any]:
    """Render one run into ``task['out']``; any error comes back as one line, never raised.

    ``task`` holds ``name``, ``config`` (validated, JSON), ``source``, ``preset``, ``out``.
    """
    started = time.time()
    outcome: dict[str, Any] = {"key": task["key"], "worker": _worker_name(), "started": started}
    if _reporter is not None:
        _reporter.start(task["key"])
    try:
        from apophenic.errors import ApophenicError
        from apophenic.output import staging_owner
        from apophenic.runs import run_data

        staging_owner.set(task.get("batch"))  # the run's staging folder names the batch in its marker
        source = Path(task["source"]) if task.get("source") else None
        result = run_data(task["config"], source, Path(task["out"]), name=task["preset"])
        import torch

        outcome["threads"] = torch.get_num_threads()
        if result.folder.name != task["name"]:
            raise RuntimeError(f"the run wrote {result.folder.name}, expected {task['name']}")
        outcome.update(state="done")
    except ApophenicError as exc:
        outcome.update(state="failed", error=str(exc))
    except OSError as exc:  # a full disk, a vanished shared folder: the run's temp folder is already removed
        outcome.update(state="failed", error=f"cannot write {exc.filename or task['out']}: {exc.strerror or exc}")
    except Exception as exc:  # a bug in one run must not stop the batch; keep where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        outcome.update(state="failed", error=f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})")
    outcome["finished"] = time.time()
    outcome["seconds"] = outcome["finished"] - started
    return outcome


def _worker_name() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"
