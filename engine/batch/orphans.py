"""Worker processes that die with their batch: a ``kill -9`` of the batch must leave no worker behind.

Two layers, because either alone has a gap: on Linux the kernel sends the worker
SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and everywhere a daemon
thread watches the parent's pid and exits the worker when it is gone (the kernel
signal is tied to the parent *thread*, and is not available off Linux). Once the
workers are gone, multiprocessing's resource tracker sees its pipe close and exits too.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def _parent_death_signal() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent dies; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:  # re-parented: the batch is gone
            os._exit(1)


def die_with(parent: int) -> None:
    """Make this process exit when process ``parent`` (the one that started it) dies."""
    _parent_death_signal()
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="apophenic-parent-watch", daemon=True).start()
