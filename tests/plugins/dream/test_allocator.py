"""keep_freed_memory: inside it the large blocks one window frees are reused by the next, so
their pages need not be faulted in and zeroed again; outside, glibc unmaps and re-maps them."""

from __future__ import annotations

import resource

import pytest
import torch

from apophenic.plugins.dream import allocator
from apophenic.plugins.dream.allocator import keep_freed_memory

N = 25 * 2**20  # 100 MB of float32: above glibc's 32 MB mmap ceiling, like a 1024² window's expanded maps


def _window_like() -> None:
    a = torch.ones(N)
    b = torch.ones(N // 2)
    c = a * 2
    del a, b, c


def _faults_of(cycles: int = 3) -> int:
    _window_like()  # the first cycle may grow the heap
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(cycles):
        _window_like()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_inside_freed_large_blocks_are_reused_instead_of_faulted_in_again():
    if allocator._libc() is None:
        pytest.skip("no glibc mallopt here: keep_freed_memory does nothing")
    outside = _faults_of()
    with keep_freed_memory() as applied:
        assert applied
        inside = _faults_of()
    # 3 cycles × 250 MB: outside, nearly every page is new (≈190k faults measured), inside ≈50k.
    assert outside > 3 * N * 4 // resource.getpagesize() // 2
    assert inside < outside / 2


def test_it_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(allocator.OFF, "0")
    with keep_freed_memory() as applied:
        assert applied is False
