"""Turning ``--sentiment positive|negative|VALUE`` and ``--method`` into steering for a given model.

Three methods, measured against each other in ``docs/sentiment.md``:

- ``clamp``: hold the sentiment unit the probe found at a value read from
  clearly positive / negative reviews (Radford et al. 2017);
- ``direction``: add ``alpha`` times the sentiment direction (the unit-length
  weights of a logistic regression on the cell state) to the cell state after
  every byte (sentiment as a linear direction, Tigges et al. 2023);
- ``fudge``: re-rank each byte's candidates by that same regression's
  opinion of the text they would make (a future discriminator, Yang & Klein 2021);
- ``words``: at every word boundary let the model propose ``candidates`` whole
  words and keep one by the review classifier's reading of the *text* with it
  (the discriminator reads text, not the cell state;
  :mod:`apophenic.plugins.sentiment.word_guide`).

``auto`` uses the method stored with the model as measuring best.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from apophenic.errors import ApophenicError
from apophenic.structured import read_json
from apophenic.plugins.sentiment.checkpoint import Checkpoint
from apophenic.plugins.sentiment.generate import Guide, check_unit
from apophenic.plugins.sentiment.model import Steer, add_direction, clamp_unit
from apophenic.plugins.sentiment.word_guide import WordGuide

SHIPPED = Path(__file__).parent / "data" / "sentiment-lm.pt"
METHODS = ("auto", "clamp", "direction", "fudge", "words")
WORDS_DEFAULT = {"strength": 8.0, "candidates": 8}  # for a model whose steering was never measured
MAX_WORDS_STRENGTH = 1000.0  # far past the point where the choice is an argmax
MAX_CANDIDATES = 256         # each candidate is a row of the model's batch


def default_model() -> Path:
    """The checkpoint that ships with the package."""
    if not SHIPPED.is_file():
        raise ApophenicError(f"{SHIPPED}: the shipped sentiment model is missing; reinstall apophenic or pass --model")
    return SHIPPED


def read_unit(path: Path) -> dict:
    """A ``unit.json`` written by ``apophenic sentiment probe``."""
    data = read_json(path)
    needed = ("unit", "sign", "threshold", "positive_value", "negative_value")
    if not isinstance(data, dict) or any(k not in data for k in needed):
        raise ApophenicError(f"{path}: not a unit file (expected keys {', '.join(needed)}; write one with apophenic sentiment probe)")
    return data


def read_steering(path: Path, hidden: int) -> dict:
    """A ``steering.json`` written by ``benchmarks/sentiment_steering.py``, checked against a model of ``hidden`` units."""
    data = read_json(path)
    d = data.get("direction") if isinstance(data, dict) else None
    needed = ("weights", "bias", "alpha", "strength")
    if not isinstance(d, dict) or any(k not in d for k in needed) or data.get("default") not in METHODS[1:]:
        raise ApophenicError(f"{path}: not a steering file (expected 'default' and a 'direction' with {', '.join(needed)})")
    if not isinstance(d["weights"], list) or len(d["weights"]) != hidden:
        raise ApophenicError(f"{path}: direction.weights: expected {hidden} numbers, one per unit of the model")
    try:
        weights = torch.tensor(d["weights"], dtype=torch.float32)
    except (TypeError, ValueError):
        raise ApophenicError(f"{path}: direction.weights: expected numbers") from None
    fudge = data.get("fudge")
    if fudge is not None:
        name = fudge.get("discriminator") if isinstance(fudge, dict) else None
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ApophenicError(f"{path}: fudge.discriminator: expected the file name of a discriminator beside the model")
    words = data.get("words")
    if words is not None and not _words_block_ok(words):
        raise ApophenicError(f"{path}: words: expected a strength from 0 to {MAX_WORDS_STRENGTH:g} "
                             f"and a whole number of candidates from 1 to {MAX_CANDIDATES}")
    return {**data, "direction": {**d, "weights": weights}}


def _words_block_ok(words: object) -> bool:
    """A ``words`` block: a finite exponent in range and a whole, bounded number of candidates."""
    if not isinstance(words, dict):
        return False
    lam, k = words.get("strength"), words.get("candidates")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lam, k))
    return numbers and 0 <= lam <= MAX_WORDS_STRENGTH and k == int(k) and 1 <= k <= MAX_CANDIDATES


@dataclass(frozen=True)
class Steering:
    """What sampling should do: a cell-state intervention, a guide, or neither; and a description for the record."""

    steer: Steer | None = None
    guide: Guide | WordGuide | None = None
    record: dict | None = None


def direction_of(loaded: Checkpoint, source: str) -> dict:
    """The stored sentiment direction (``weights``, ``bias`` and tuned ``alpha`` / ``strength``)."""
    info = (loaded.steering or {}).get("direction")
    if info is None:
        raise ApophenicError(f"{source}: {loaded.path} has no sentiment direction; fit one with "
                             "apophenic sentiment steer-fit, or use --method clamp")
    return info


def resolve(loaded: Checkpoint, sentiment: str | None, method: str = "auto", unit: int | None = None,
            strength: float = 1.0, unit_info: dict | None = None) -> Steering:
    """The steering for ``--sentiment`` (``None``/``none``: free sampling) with ``--method``."""
    info = unit_info if unit_info is not None else loaded.unit
    if unit is not None:
        check_unit(loaded.model, unit)
    if method not in METHODS:
        raise ApophenicError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if sentiment is None or sentiment.strip() == "" or sentiment.strip().lower() == "none":
        return Steering()
    word = sentiment.strip().lower()
    if word not in ("positive", "negative", "pos", "neg"):
        try:
            value = float(sentiment)
        except ValueError:
            raise ApophenicError(f"--sentiment {sentiment!r}: expected positive, negative, none or a number") from None
        if unit is None and info is None:
            raise ApophenicError(f"--sentiment {sentiment}: no --unit given and {loaded.path} has no found unit")
        u = int(unit if unit is not None else info["unit"])
        check_unit(loaded.model, u, "unit")
        return Steering(clamp_unit(u, value), None, {"method": "clamp", "unit": u, "value": value})
    target = 1 if word.startswith("pos") else -1
    if method == "auto":
        method = (loaded.steering or {}).get("default", "clamp")
    if unit is not None and method != "clamp":
        raise ApophenicError(f"--unit {unit}: only --method clamp holds a unit (this is --method {method})")
    if method == "words":
        from apophenic.plugins.sentiment import classifier

        stored = {**WORDS_DEFAULT, **((loaded.steering or {}).get("words") or {})}
        if not _words_block_ok(stored):
            raise ApophenicError(f"{loaded.path}: steering.words: expected a strength from 0 to {MAX_WORDS_STRENGTH:g} "
                                 f"and a whole number of candidates from 1 to {MAX_CANDIDATES}")
        lam = float(stored["strength"]) * strength
        guide = WordGuide(classifier.load(), target, lam, int(stored["candidates"]))
        return Steering(None, guide, {"method": "words", "strength": lam, "target": target, "candidates": guide.candidates,
                                      "scorer": "review-classifier"})
    if method == "clamp":
        if info is None:
            raise ApophenicError(f"--sentiment {sentiment}: {loaded.path} has no found sentiment unit; "
                                 "run apophenic sentiment probe and pass --unit-file, or give a number and --unit")
        if unit is not None and unit != info["unit"]:
            raise ApophenicError(f"--sentiment {sentiment}: the stored values are for unit {info['unit']}, not {unit}; "
                                 "give a number to clamp another unit")
        goal = info["positive_value"] if target > 0 else info["negative_value"]
        neutral = info.get("neutral_value", info["threshold"])
        value = neutral + strength * (loaded.steering or {}).get("clamp_strength", 1.0) * (goal - neutral)
        u = int(info["unit"])
        check_unit(loaded.model, u, "unit")
        return Steering(clamp_unit(u, value), None, {"method": "clamp", "unit": u, "value": value})
    d = direction_of(loaded, f"--method {method}")
    weights = torch.as_tensor(d["weights"], dtype=torch.float32)
    if weights.shape != (loaded.model.spec.hidden,):
        raise ApophenicError(f"{loaded.path}: the stored direction has {tuple(weights.shape)} weights; "
                             f"the model has {loaded.model.spec.hidden} units")
    if method == "direction":
        alpha = float(d["alpha"]) * strength * target
        unit_vector = weights / weights.norm()
        return Steering(add_direction(unit_vector, alpha), None, {"method": "direction", "alpha": alpha})
    fudge = (loaded.steering or {}).get("fudge")
    if fudge and fudge.get("discriminator"):
        judge = load_discriminator(loaded, str(fudge["discriminator"]))
        jd = judge.steering["direction"]
        lam = float(fudge.get("strength", 1.0)) * strength
        guide = Guide(torch.as_tensor(jd["weights"], dtype=torch.float32), float(jd["bias"]), target, lam,
                      int(fudge.get("candidates", 8)), judge.model, bool(jd.get("squash", False)))
        return Steering(None, guide, {"method": "fudge", "strength": lam, "target": target, "candidates": guide.candidates,
                                      "discriminator": str(fudge["discriminator"])})
    lam = float(d["strength"]) * strength
    guide = Guide(weights, float(d["bias"]), target, lam, int(d.get("candidates", 8)))
    return Steering(None, guide, {"method": "fudge", "strength": lam, "target": target, "candidates": guide.candidates})


def load_discriminator(loaded: Checkpoint, name: str) -> Checkpoint:
    """The future discriminator a checkpoint names: a file in the same folder (a plain name, never a path)."""
    from apophenic.plugins.sentiment import checkpoint

    if not name or Path(name).name != name or name in (".", ".."):
        raise ApophenicError(f"{loaded.path}: steering.fudge.discriminator {name!r}: expected a file name beside the model")
    folder = Path(loaded.path).parent if loaded.path is not None else Path(".")
    judge = checkpoint.load(folder / name, next(loaded.model.parameters()).device)
    d = (judge.steering or {}).get("direction")
    if not isinstance(d, dict) or "weights" not in d or torch.as_tensor(d["weights"]).shape != (judge.model.spec.hidden,):
        raise ApophenicError(f"{folder / name}: not a discriminator (no head of {judge.model.spec.hidden} weights in steering.direction)")
    return judge
