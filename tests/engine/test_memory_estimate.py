"""The memory floor refuses impossible runs with the estimate and never a normal one."""

from __future__ import annotations

import pytest
import torch

from apophenic.errors import ApophenicError
from apophenic.memory_estimate import available_bytes, check_fits, floor_bytes


def test_the_floor_counts_full_size_float_copies():
    assert floor_bytes((100, 200), 2, 3) == 100 * 200 * 3 * 4 * 2 * (6 + 2 * 3)


def test_an_impossible_run_is_refused_with_the_estimate():
    with pytest.raises(ApophenicError, match=r"p.toml: size 16384×16384 × batch 64 × 256 augmentations needs at least [\d.]+ GiB"):
        check_fits((16384, 16384), 64, 256, torch.device("cpu"), "p.toml")


def test_a_normal_run_fits():
    assert available_bytes(torch.device("cpu")) > floor_bytes((224, 224), 1, 4)
    check_fits((224, 224), 1, 4, torch.device("cpu"), "p.toml")
