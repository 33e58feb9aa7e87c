"""While a dream runs, keep freed memory in the process instead of handing it back to the system.

A 1024² window of EfficientNet-Lite0 allocates activation and gradient maps of 30–100 MB
forward and backward. glibc's ``malloc`` serves every block above 32 MB with a fresh
``mmap`` and unmaps it on ``free``, so each window touches about 1 GB of new pages that
the kernel must fault in and zero: about half of a window's time on the 2-core machine
this was measured on (docs/dream.md, "Time and memory"). Told not to use ``mmap`` and not to trim
its heap, ``malloc`` reuses the blocks the previous window freed, and the next window
finds its pages already there.

This is a **process-wide setting** (what the ``MALLOC_MMAP_MAX_`` and
``MALLOC_TRIM_THRESHOLD_`` environment variables do), applied through glibc's
``mallopt`` only while :func:`keep_freed_memory` is entered, then put back to what glibc's
own adaptive thresholds settle on for large blocks, and the unused heap is released
(``malloc_trim``). Where ``mallopt`` is not available (macOS, Windows, musl) it does
nothing. It changes no number: only where the bytes live.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
from collections.abc import Iterator

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_MMAP_MAX = -1, -3, -4  # glibc's malloc.h
_DEFAULT_MMAP_MAX = 65536
_LARGE = 32 * 2**20  # glibc's adaptive mmap threshold stops here on 64-bit systems; trim at twice it
OFF = "APOPHENIC_KEEP_FREED_MEMORY"
"""Set to ``0`` to leave ``malloc`` as it is."""


def _libc():
    if os.environ.get(OFF, "1") == "0":
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, TypeError):
        return None


_depth = 0


@contextlib.contextmanager
def keep_freed_memory() -> Iterator[bool]:
    """Inside: ``malloc`` keeps freed blocks for reuse (no ``mmap``, no trimming). Yields whether it applied."""
    global _depth
    libc = _libc()
    if libc is None:
        yield False
        return
    _depth += 1
    if _depth == 1:
        libc.mallopt(M_MMAP_MAX, 0)
        libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    try:
        yield True
    finally:
        _depth -= 1
        if _depth == 0:
            libc.mallopt(M_MMAP_MAX, _DEFAULT_MMAP_MAX)
            libc.mallopt(M_MMAP_THRESHOLD, _LARGE)
            libc.mallopt(M_TRIM_THRESHOLD, 2 * _LARGE)
            libc.malloc_trim(0)
