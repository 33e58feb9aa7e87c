"""The summary `apophenic run` prints at the end: scores with their worst robust rank, and the clipped share."""

import json
import re

import pytest

from apophenic.cli import main


def test_final_table_shows_the_held_out_row_with_its_worst_robust_rank(tmp_path, tiny_preset, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(tiny_preset), "--device", "cpu", "--out", str(tmp_path), "--steps", "2",
              "--set", "perceivers[1]={type='efficientnet-lite1', resize=64, held_out=true}"])
    assert exit_info.value.code in (0, None)
    out = capsys.readouterr().out
    record = json.loads(next(tmp_path.glob("*/run.json")).read_text())
    (held,) = [r for r in record["robust"] if r["held_out"]]
    held_table = out[out.index("held-out classifiers"):]
    assert "worst robust rank" in held_table
    row = next(line for line in held_table.splitlines() if "efficientnet-lite1" in line)
    assert re.search(rf"\b{held['worst_rank']} \({held['worst_degradation']}\)", row), row
    assert f"clipped {100 * record['clipped']:.1f} %" in out
