"""Turning ``--sentiment positive|negative|VALUE`` and ``--unit`` into a clamp for a given model."""

from __future__ import annotations

import json
from pathlib import Path

from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.checkpoint import Checkpoint
from apophenic.plugins.sentiment.generate import check_unit
from apophenic.plugins.sentiment.model import Clamp

SHIPPED = Path(__file__).parent / "data" / "sentiment-mlstm.pt"


def default_model() -> Path:
    """The checkpoint that ships with the package."""
    if not SHIPPED.is_file():
        raise ApophenicError(f"{SHIPPED}: the shipped sentiment model is missing; reinstall apophenic or pass --model")
    return SHIPPED


def read_unit(path: Path) -> dict:
    """A ``unit.json`` written by ``apophenic sentiment probe``."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ApophenicError(f"{path}: not JSON ({exc.msg})") from None
    needed = ("unit", "sign", "threshold", "positive_value", "negative_value")
    if not isinstance(data, dict) or any(k not in data for k in needed):
        raise ApophenicError(f"{path}: not a unit file (expected keys {', '.join(needed)}; write one with apophenic sentiment probe)")
    return data


def resolve_clamp(loaded: Checkpoint, sentiment: str | None, unit: int | None, strength: float,
                  unit_info: dict | None = None) -> Clamp:
    """The (unit, value) to clamp, or ``None`` for free sampling."""
    info = unit_info if unit_info is not None else loaded.unit
    if unit is not None:
        check_unit(loaded.model, unit)
    if sentiment is None or sentiment.strip() == "" or sentiment == "none":
        return None
    word = sentiment.strip().lower()
    if word in ("positive", "negative", "pos", "neg"):
        if info is None:
            raise ApophenicError(f"--sentiment {sentiment}: {loaded.path} has no found sentiment unit; "
                                 "run apophenic sentiment probe and pass --unit-file, or give a number and --unit")
        if unit is not None and unit != info["unit"]:
            raise ApophenicError(f"--sentiment {sentiment}: the stored values are for unit {info['unit']}, not {unit}; "
                                 "give a number to clamp another unit")
        target = info["positive_value"] if word.startswith("pos") else info["negative_value"]
        neutral = info.get("neutral_value", info["threshold"])
        value = neutral + strength * (target - neutral)
        u = info["unit"]
    else:
        try:
            value = float(sentiment)
        except ValueError:
            raise ApophenicError(f"--sentiment {sentiment!r}: expected positive, negative or a number") from None
        if unit is None and info is None:
            raise ApophenicError(f"--sentiment {sentiment}: no --unit given and {loaded.path} has no found unit")
        u = unit if unit is not None else info["unit"]
    check_unit(loaded.model, u, "unit")
    return (int(u), float(value))
