"""The ``embedding`` objective in real runs: optimizing raises the cosine to B − A + C; bad targets are one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from apophenic.errors import ApophenicError
from apophenic.presets import load
from apophenic.run import execute

DATA = Path(__file__).resolve().parents[3] / "plugins" / "analogy" / "data"


def _preset(tmp_path: Path, objective: str, steps: int = 12) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(f"""
seed = 1
size = 64
[generator]
type = "fourier"
[[perceivers]]
type = "efficientnet-lite0"
resize = 64
[[objectives]]
type = "embedding"
{objective}
[optimizer]
type = "adam"
lr = 0.05
steps = {steps}
""")
    return path


def _images() -> str:
    return "\n".join(f"{k} = {json.dumps(str(DATA / n))}" for k, n in
                     zip("abc", ("red-circle.png", "blue-circle.png", "red-square.png")))


def test_optimizing_raises_the_cosine_to_the_analogy_target(tmp_path):
    config, source = load(str(_preset(tmp_path, _images())))
    result = execute(config, tmp_path / "runs", source, progress=False)
    start, end = (result.record["objective"][k]["total"] for k in ("start", "end"))
    assert -1 <= start <= 1 and -1 <= end <= 1
    assert end > start + 0.1
    assert (result.folder / "final.png").is_file()


def test_a_saved_vector_is_a_target(tmp_path):
    vector = np.random.default_rng(0).normal(size=1280).astype(np.float32)
    np.save(tmp_path / "t.npy", vector)
    config, source = load(str(_preset(tmp_path, 'vector = "t.npy"', steps=1)))
    result = execute(config, tmp_path / "runs", source, progress=False)
    assert "vector target" in result.record["objective"]["description"]


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ('a = "x.png"\nb = "y.png"', "needs all three images"),
        ('image = "x.png"\nvector = "t.npy"', "exactly one target"),
        ("", "exactly one target"),
        ('image = "missing.png"', "no such image file"),
        ('image = "junk.png"', "not a readable image"),
        ('vector = "short.npy"', "has 3 values; layer 'pool' has 1280"),
        ('image = "junk.png"\nlayer = "poool"', "did you mean 'pool'"),
    ],
)
def test_bad_targets(tmp_path, objective, message):
    (tmp_path / "junk.png").write_bytes(b"not a png")
    np.save(tmp_path / "short.npy", np.zeros(3, dtype=np.float32))
    with pytest.raises(ApophenicError, match=message) as info:
        config, source = load(str(_preset(tmp_path, objective, steps=1)))
        execute(config, tmp_path / "runs", source, progress=False)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("name", ["analogy-image", "analogy-strokes"])
def test_shipped_presets_validate_and_find_their_images(name):
    config, source = load(name)
    objective = next(o for o in config.objectives if o.type == "embedding")
    for key in "abc":
        path = Path(source).parent / getattr(objective, key)
        assert path.is_file(), path
