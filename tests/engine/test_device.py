"""One device picker for the engine and the plugins."""

import pytest
import torch
from apophenic import ApophenicError, pick_device


def test_auto_and_cpu():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type in ("cpu", "cuda", "mps")


@pytest.mark.parametrize("name, expected", [
    ("gpu", "expected auto, cpu, cuda, cuda:N or mps"),
    ("cuda:x", "expected auto, cpu, cuda, cuda:N or mps"),
])
def test_unknown_names_are_one_line_errors(name, expected):
    with pytest.raises(ApophenicError, match=expected):
        pick_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("name", ["cuda", "cuda:1"])
def test_missing_gpu_is_a_one_line_error(name):
    with pytest.raises(ApophenicError, match=f"device '{name}' is not available here"):
        pick_device(name)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_index_past_the_last_is_refused():
    with pytest.raises(ApophenicError, match="this machine has cuda:0"):
        pick_device(f"cuda:{torch.cuda.device_count()}")
