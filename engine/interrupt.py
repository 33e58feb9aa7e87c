"""Ctrl-C and SIGTERM that keep the work.

The command line runs ``apophenic run`` and every plugin's command inside :func:`graceful`.
While a run's steps are going (:func:`keeping_work`), the first SIGINT, SIGTERM or SIGHUP only
asks the run to stop: it finishes the current step and writes its folder with ``status =
"interrupted"``. A second signal — or any signal while no work can be kept (building,
loading) — raises :class:`KeyboardInterrupt` at once, which removes every staging folder on
its way out.

A command with its own loop takes part by wrapping its steps in :func:`keeping_work`,
checking :func:`stop_requested` after each step, writing what it has and raising
:class:`RunInterrupted`. Outside :func:`graceful` (a batch worker, a script) nothing
changes: a signal behaves as Python's default does.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunInterrupted(KeyboardInterrupt):
    """A run stopped on request after writing its folder; ``folder`` holds the work, ``step`` is the last one done."""

    def __init__(self, folder: Path, step: int, steps: int, resumable: bool = True) -> None:
        super().__init__(f"interrupted at step {step}/{steps}")
        self.folder = folder
        self.step = step
        self.steps = steps
        self.resumable = resumable


class _State:
    installed = False
    keeping = 0
    requested: str | None = None


_state = _State()

SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)
"""Ctrl-C, a polite kill, and a closed terminal."""


def _handle(signum: int, frame: object) -> None:
    name = signal.Signals(signum).name
    if _state.keeping and _state.requested is None:
        _state.requested = name
        # stderr, one line: the progress bar owns stdout
        try:
            print(f"\n{name}: finishing this step, then writing the run folder (again to quit at once, keeping nothing)",
                  file=sys.stderr, flush=True)
        except OSError:  # the terminal is gone (SIGHUP): the work is still worth keeping
            pass
        return
    raise KeyboardInterrupt


@contextmanager
def graceful() -> Iterator[None]:
    """Within this block, SIGINT and SIGTERM stop a run after its current step instead of killing it."""
    if _state.installed or threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; nested: already set
        return
    before = {s: signal.getsignal(s) for s in SIGNALS}
    _state.installed, _state.requested = True, None
    try:
        for s in SIGNALS:
            signal.signal(s, _handle)
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        _state.installed, _state.requested = False, None


@contextmanager
def keeping_work() -> Iterator[None]:
    """Mark work that a first signal should stop gracefully rather than kill (the steps of a run)."""
    _state.keeping += 1
    try:
        yield
    finally:
        _state.keeping -= 1
        if not _state.keeping:
            _state.requested = None  # honoured: the next run in this process starts afresh


def stop_requested() -> str | None:
    """The name of the signal that asked the run to stop, or None."""
    return _state.requested


def request_stop(name: str = "request") -> None:
    """Ask the running work to stop after its current step (what the first signal does; tests and embedders call it)."""
    _state.requested = name


def clear() -> None:
    """Forget a stop request (once the run that honoured it has written its folder)."""
    _state.requested = None
