import json

import numpy as np
import pytest
from apophenic.plugins.sentiment.probe import fit, fit_threshold
from PIL import Image
from sentiment_support import run_cli


def test_threshold_separates_and_knows_direction():
    values = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    low_positive = fit_threshold(values, np.array([1, 1, 1, 0, 0, 0]))
    assert low_positive.sign == -1 and low_positive.train_accuracy == 1.0
    assert 0.3 < low_positive.threshold < 0.7
    assert low_positive.predict(np.array([0.0, 1.0])).tolist() == [1, 0]


def test_probe_finds_the_planted_unit_and_scores_on_test_only():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 30))
    y = (x[:, 7] + 0.3 * rng.normal(size=400) > 0).astype(np.int64)
    result, _ = fit(x[:300], y[:300], x[300:], y[300:], cs=[0.01, 0.1, 1.0])
    assert result.top_unit == 7 and result.best_single_unit == 7
    assert result.units_used < 30  # L1 switched most units off
    assert result.test_accuracy > 0.85 and result.single_test_accuracy > 0.85
    assert result.n_train == 300 and result.n_test == 100
    # Labels unrelated to the features: the test accuracy must not be flattering.
    noise, _ = fit(x[:300], rng.integers(0, 2, 300), x[300:], rng.integers(0, 2, 100), cs=[1.0])
    assert noise.test_accuracy < 0.7


def _probe_preset(folder, data, label="sentiment", text="review"):
    path = folder / "probe.toml"
    path.write_text(f"""
held_out = 0.25
max_chars = 120
cs = [0.1, 1.0]
threads = 1
[[data]]
path = "{data.as_posix()}"
text = "{text}"
label = "{label}"
name = "small"
""")
    return path


def test_cli_probe_writes_report_and_figures(tmp_path, tiny_model, imdb_small):
    out = tmp_path / "probe"
    code = run_cli(["sentiment", "probe", "-m", str(tiny_model), "-p", str(_probe_preset(tmp_path, imdb_small)), "-o", str(out)])
    assert code == 0
    report = json.loads((out / "probe.json").read_text())
    r = report["sets"]["small"]
    assert 10 <= r["n_test"] <= 30 and r["n_train"] + r["n_test"] == 80
    assert 0.0 <= r["test_accuracy"] <= 1.0 and 0 <= r["single"]["unit"] < 12
    unit = json.loads((out / "unit.json").read_text())
    assert unit["unit"] == r["single"]["unit"]
    assert Image.open(out / "histogram-small.png").size == (900, 520)
    assert Image.open(out / "trace-small.png").width == 1100
    assert "<span" in (out / "trace-small.html").read_text()


@pytest.mark.parametrize("case", ["three_classes", "no_column"])
def test_cli_probe_bad_labels_fail_and_write_nothing(tmp_path, tiny_model, imdb_small, capsys, case):
    if case == "three_classes":
        rows = imdb_small.read_text().splitlines()
        data = tmp_path / "stars.csv"
        data.write_text("\n".join(rows[:60] + [r.rsplit(",", 1)[0] + ",neutral" for r in rows[60:70]]) + "\n")
        preset, expected = _probe_preset(tmp_path, data), "exactly two classes; found 3"
    else:
        preset, expected = _probe_preset(tmp_path, imdb_small, label="stars"), "no column 'stars'"
    out = tmp_path / "probe"
    code = run_cli(["sentiment", "probe", "-m", str(tiny_model), "-p", str(preset), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and expected in err and len(err.splitlines()) == 1
    assert not out.exists()
