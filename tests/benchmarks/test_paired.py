"""benchmarks/paired.py: sides alternate step by step in rotated order, and ratios are paired round by round."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import paired  # noqa: E402


def test_sides_alternate_one_step_at_a_time_in_rotated_order_after_the_warm_up():
    calls: list[str] = []
    sides = [paired.Side(name, lambda name=name: calls.append(name)) for name in ("a", "b", "c")]
    result = paired.compare(sides, rounds=3, warmup=1)
    assert calls[:3] == ["a", "b", "c"]  # warm-up
    assert calls[3:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert all(len(result.wall[n]) == 3 and len(result.cpu[n]) == 3 for n in "abc")


def test_ratios_are_taken_within_each_round_so_a_slow_round_does_not_skew_them():
    result = paired.Result("t", ["ours", "theirs"], "theirs",
                           wall={"ours": [2.0, 20.0, 2.0], "theirs": [1.0, 10.0, 1.0]},
                           cpu={"ours": [1.0, 1.0, 1.0], "theirs": [1.0, 1.0, 1.0]},
                           faults={"ours": [0, 0, 0], "theirs": [0, 0, 0]},
                           load_before=(1.0, 1.0, 1.0), load_after=(1.0, 1.0, 1.0), warmup=0)
    spread = result.ratios("ours")
    assert (spread.median, spread.low, spread.high) == (2.0, 2.0, 2.0)
    assert result.as_dict()["ours"]["wall_ratio"]["median"] == 2.0


def test_prepare_is_not_timed_and_hands_its_value_to_the_step():
    seen = []
    side = paired.Side("s", seen.append, prepare=lambda: "fresh")
    wall, cpu, _ = side.step(lambda: None)
    assert seen == ["fresh"] and wall >= 0 and cpu >= 0


def test_an_unusable_device_is_one_line_and_exit_2(capsys):
    parser = paired.add_common_arguments(__import__("argparse").ArgumentParser())
    args = parser.parse_args(["--device", "nonsense"])
    with pytest.raises(SystemExit) as stop:
        paired.setup(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device" in err


def test_cuda_on_a_machine_without_it_is_one_line_and_exit_2(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(SystemExit) as stop:
        paired.check_device("cuda")
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CUDA is not available" in err


@pytest.mark.parametrize("name", ["nonsense", "cuda:1"])
def test_a_run_device_that_a_run_cannot_take_is_one_line_and_exit_2(name, capsys):
    with pytest.raises(SystemExit) as stop:
        paired.check_run_device(name)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device" in err


def test_auto_and_cpu_are_run_devices():
    assert paired.check_run_device("auto") == "auto"
    assert paired.check_run_device("cpu") == "cpu"
