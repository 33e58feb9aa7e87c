"""Where runs execute: a local process pool, or a Dask distributed cluster.

Both take tasks from :mod:`apophenic.batch.runner` at most ``capacity`` at a
time (so the journal's ``running`` is exactly what is in flight) and hand back
events: ``("done", outcome)``, ``("start", worker, key)``, ``("step", worker,
key, step, steps)``. Neither raises for a failed run; only losing the
executor itself (a Dask scheduler that goes away) is an error.
"""

from __future__ import annotations

import logging
import math
import os
import queue as queue_module
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from apophenic.batch.worker import cpu_count, local_init, pin_threads, render
from apophenic.errors import ApophenicError

Event = tuple
MAX_CRASHES = 2
"""A run in flight when its worker process died is retried once; a second death fails it."""


@contextmanager
def worker_environment(threads: int) -> Iterator[None]:
    """Environment workers inherit when they start: a passive OpenMP pool of ``threads`` threads.

    torch reads these when it loads, which in a worker happens before any of our
    code runs, so they must be in place when the worker process is started.
    """
    wanted = {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def gpu_count() -> int:
    """CUDA devices visible here (0 without CUDA)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def default_workers(device: str | None) -> int:
    """One worker per GPU when runs may use one; otherwise one worker with every core."""
    gpus = gpu_count() if device in (None, "auto", "cuda") else 0
    return gpus or 1


class LocalExecutor:
    """A pool of spawned worker processes, each pinned to ``cores // workers`` threads (and one GPU)."""

    def __init__(self, workers: int, device: str | None = None, report_steps: bool = True) -> None:
        if workers < 1:
            raise ApophenicError(f"--workers {workers}: expected 1 or more")
        self.workers = workers
        self.capacity = workers
        self.threads = max(1, cpu_count() // workers)
        self.gpus = gpu_count() if device in (None, "auto", "cuda") else 0
        self.report_steps = report_steps
        self.futures: dict[Future, dict[str, Any]] = {}
        self.crashes: dict[str, int] = {}
        self._retry: list[dict[str, Any]] = []
        self.running: dict[str, tuple[str, int, int]] = {}  # worker -> (key, step, steps)
        self.pool: ProcessPoolExecutor | None = None
        self._env = worker_environment(self.threads)

    @property
    def description(self) -> str:
        gpu = f", one GPU each ({self.gpus} visible)" if self.gpus else ""
        return f"local pool: {self.workers} worker{'s' * (self.workers > 1)} × {self.threads} thread{'s' * (self.threads > 1)}{gpu}"

    def __enter__(self) -> LocalExecutor:
        import multiprocessing

        self.context = multiprocessing.get_context("spawn")
        self.events = self.context.Queue() if self.report_steps else None
        self.counter = self.context.Value("i", 0)
        self._env.__enter__()
        self._start_pool()
        return self

    def _start_pool(self) -> None:
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=local_init,
            initargs=(self.threads, self.gpus, self.counter, self.events, os.getpid()),
        )

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            interrupted = exc[0] is not None
            processes = _processes(self.pool)
            self.pool.shutdown(wait=not interrupted, cancel_futures=True)
            if interrupted:
                _kill(processes)
        self._env.__exit__(*exc)

    def submit(self, task: dict[str, Any]) -> None:
        assert self.pool is not None
        self.futures[self.pool.submit(render, task)] = task

    def poll(self, timeout: float) -> list[Event]:
        """Wait up to ``timeout`` s for something to happen; return what did."""
        found: list[Event] = []
        if self.futures:
            done, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
        else:
            done = set()
            time.sleep(timeout)
        found += self._drain()
        broken = False
        for future in done:
            task = self.futures.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                broken = True
                outcome = self._crashed(task)
                if outcome is None:
                    continue
            self._forget(task["key"])
            found.append(("done", outcome))
        if broken:
            self._restart()
        return found

    def _crashed(self, task: dict[str, Any]) -> dict[str, Any] | None:
        key = task["key"]
        self.crashes[key] = self.crashes.get(key, 0) + 1
        self._forget(key)
        if self.crashes[key] < MAX_CRASHES:
            self._retry.append(task)
            return None
        return {"key": key, "state": "failed", "worker": None,
                "error": f"the worker process died while rendering it ({self.crashes[key]} times; out of memory?)"}

    def _restart(self) -> None:
        """Replace a broken pool and resubmit what was in flight when a worker died."""
        assert self.pool is not None
        processes = _processes(self.pool)
        self.pool.shutdown(wait=False, cancel_futures=True)
        _kill(processes)
        self._start_pool()
        retry, self._retry = self._retry, []
        for task in retry:
            self.submit(task)

    def _drain(self) -> list[Event]:
        found: list[Event] = []
        if self.events is None:
            return found
        while True:
            try:
                event = self.events.get_nowait()
            except (queue_module.Empty, OSError, ValueError):
                return found
            kind, pid, key, step, steps = event
            worker = f"pid {pid}"
            self.running[worker] = (key, step, steps)
            found.append((kind, worker, key, step, steps))

    def _forget(self, key: str) -> None:
        for worker, (k, _, _) in list(self.running.items()):
            if k == key:
                del self.running[worker]

    def status(self) -> dict[str, tuple[str, int, int]]:
        """What each worker is rendering: worker -> (run key, step, steps)."""
        return dict(self.running)


def _processes(pool: ProcessPoolExecutor) -> list:
    return list((getattr(pool, "_processes", None) or {}).values())


def _kill(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(5)


MAX_TIMEOUT = 3600.0
SCHEMES = ("tcp", "tls", "ws", "wss")


def check_address(address: str) -> None:
    """Refuse a scheduler address Dask cannot dial (checked before any connection is tried)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    expected = "expected an address like tcp://10.0.0.5:8786"
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location) if scheme in SCHEMES else ("", None)
    except (ValueError, TypeError):
        raise ApophenicError(f"--scheduler {address!r}: {expected}") from None
    if scheme not in SCHEMES or not host or not isinstance(port, int) or not 0 < port < 65536:
        raise ApophenicError(f"--scheduler {address!r}: {expected}")


def _collect_quietly() -> None:
    """Collect garbage with unraisable-exception reports silenced (a dead Client's __del__)."""
    import gc
    import sys

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


class DaskExecutor:
    """Runs on a Dask distributed cluster: a scheduler address, or a LocalCluster started here.

    Every worker must see the output folder at the same path (a shared
    filesystem) and should be started with ``OMP_WAIT_POLICY=PASSIVE``.
    """

    def __init__(self, scheduler: str | None, workers: int, timeout: float = 10.0) -> None:
        if workers < 1:
            raise ApophenicError(f"--workers {workers}: expected 1 or more")
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
            raise ApophenicError(f"--timeout {timeout}: expected seconds between 0 and {MAX_TIMEOUT:g}")
        if scheduler is not None:
            check_address(scheduler)
        self.scheduler = scheduler
        self.workers = workers
        self.timeout = timeout
        self.cluster = None
        self.client = None
        self.futures: dict[Any, dict[str, Any]] = {}
        self.capacity = 1
        self._status: dict[str, tuple[str, int, int]] = {}
        self._checked = 0.0

    @property
    def description(self) -> str:
        where = self.scheduler or f"a local Dask cluster of {self.workers} worker processes"
        return f"dask: {where}, {self.capacity} run{'s' * (self.capacity > 1)} at a time"

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        address = self.scheduler
        if address is None:
            with worker_environment(max(1, cpu_count() // self.workers)):
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
            address = self.cluster.scheduler_address
        failure = None
        try:
            self.client = Client(address, timeout=f"{self.timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            failure = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if failure is not None:
            _collect_quietly()  # the half-built Client's __del__ would print a traceback after our error
            if self.cluster is not None:
                self.cluster.close(timeout=10)
            raise ApophenicError(
                f"scheduler {address}: no answer within {self.timeout:g} s; is a Dask scheduler running there? ({failure})"
            )
        self._pin()
        return self

    def _pin(self) -> None:
        """Each worker gets its host's cores divided among the worker threads on that host."""
        assert self.client is not None
        info = self.client.scheduler_info().get("workers", {})
        self.capacity = max(1, sum(w.get("nthreads", 1) for w in info.values()))
        if not info:
            return
        cores = self.client.run(cpu_count)
        per_host: dict[str, int] = {}
        for w in info.values():
            per_host[w.get("host", "")] = per_host.get(w.get("host", ""), 0) + w.get("nthreads", 1)
        for address, w in info.items():
            threads = max(1, cores.get(address, 1) // max(1, per_host.get(w.get("host", ""), 1)))
            self.client.run(pin_threads, threads, workers=[address])

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                if self.futures:
                    self.client.cancel(list(self.futures))
                self.client.close(timeout=5)
            except Exception:  # closing a client whose scheduler is gone may raise; nothing to save
                pass
        if self.cluster is not None:
            self.cluster.close(timeout=10)

    def submit(self, task: dict[str, Any]) -> None:
        assert self.client is not None
        key = f"apophenic-{task['key']}-{uuid.uuid4().hex[:8]}"
        self.futures[self.client.submit(render, task, key=key, pure=False, retries=0)] = task

    def poll(self, timeout: float) -> list[Event]:
        from distributed import KilledWorker

        deadline = time.monotonic() + timeout
        done = []
        while True:
            done = [f for f in self.futures if f.done()]
            if done or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if self.client is not None and self.client.status not in ("running", "connecting", "newly-created"):
            raise ApophenicError(f"lost the Dask scheduler ({self.client.status}); finished runs are kept, rerun to resume")
        found: list[Event] = []
        for future in done:
            task = self.futures.pop(future)
            try:
                outcome = future.result(timeout=self.timeout)
            except KilledWorker:
                outcome = {"key": task["key"], "state": "failed", "worker": None,
                           "error": "Dask workers kept dying while rendering it (KilledWorker; out of memory?)"}
            except Exception as exc:
                raise ApophenicError(
                    f"lost the Dask scheduler ({type(exc).__name__}); finished runs are kept, rerun to resume"
                ) from None
            found.append(("done", outcome))
        return found

    def status(self) -> dict[str, tuple[str, int, int]]:
        """What each Dask worker is processing: address -> (run key, 0, 0); refreshed once a second."""
        if self.client is None or time.monotonic() - self._checked < 1.0:
            return self._status
        self._checked = time.monotonic()
        by_key = {f.key: t["key"] for f, t in self.futures.items()}
        try:
            processing = self.client.processing()
        except Exception:
            return self._status
        self._status = {addr: (by_key[keys[0]], 0, 0) for addr, keys in processing.items() if keys and keys[0] in by_key}
        return self._status
