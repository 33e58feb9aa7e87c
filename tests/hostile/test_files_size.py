"""A run too large for memory is refused with its estimate before anything is built."""

from __future__ import annotations

from pathlib import Path

from contract import assert_handled


def test_a_run_that_cannot_fit_in_memory_is_refused_with_the_estimate(hostile, tmp_path: Path):
    # the largest allowed size, batch and augmentations: about 100 TB, on any machine
    argv = ["run", "imagenet-class", "--set", "size=16384", "--set", "augmentations=256", "--set", "generator.batch=64",
            "--steps", "1", "--out", str(tmp_path / "out"), "-q"]
    verdict = hostile("run-too-large-for-memory", argv)
    assert_handled(verdict)
    assert "GiB" in verdict.err and "imagenet-class" in verdict.err


def test_the_memory_floor_never_refuses_a_normal_run():
    import torch

    from apophenic.memory_estimate import check_fits, floor_bytes

    assert floor_bytes((224, 224), 1, 4) < 2**25  # 32 MB: the estimate is a floor, not a guess
    check_fits((224, 224), 1, 4, torch.device("cpu"), "preset")
