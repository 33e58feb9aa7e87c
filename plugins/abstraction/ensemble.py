"""Which perceivers a run optimizes against and which it holds out, and which class it draws.

Both act on the preset's *data* (the dict read from TOML), before validation,
so the resolved config in ``run.json`` says exactly what was optimized and held out.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from apophenic.errors import ApophenicError
from apophenic.imagenet import match_class


def parse_list(text: str | None) -> list[str] | None:
    """``"a, b ,c"`` -> ``["a", "b", "c"]``; ``None`` or blank -> ``None``."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    return items or None


def _label(entry: dict[str, Any]) -> str:
    return str(entry.get("name") or entry.get("type"))


def split_perceivers(data: dict[str, Any], optimize: Sequence[str] | None, hold_out: Sequence[str] | None) -> dict[str, Any]:
    """A copy of ``data`` whose perceivers are ``optimize`` (optimized) plus ``hold_out`` (held out).

    Names are perceiver names from the preset or perceiver types (``efficientnet-lite2``,
    ``resnet50``); a preset entry keeps its other settings. With only ``optimize``, every
    other preset perceiver is held out; with only ``hold_out``, every other one is optimized.

    Raises :class:`ApophenicError` when a name is in both lists (a held-out classifier must
    never be optimized against) or appears twice.
    """
    if optimize is None and hold_out is None:
        return data
    optimize, hold_out = list(optimize or []), list(hold_out or [])
    both = [n for n in optimize if n in hold_out]
    if both:
        raise ApophenicError(
            f"perceiver {both[0]!r} is listed both to optimize and to hold out; a held-out classifier must not be optimized against"
        )
    for names, flag in ((optimize, "--optimize"), (hold_out, "--hold-out")):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ApophenicError(f"{flag}: perceiver {twice[0]!r} is listed twice")
    preset = [dict(p) for p in data.get("perceivers", [])]
    by_label = {_label(p): p for p in preset}
    if not optimize:
        optimize = [_label(p) for p in preset if _label(p) not in hold_out]
    elif not hold_out:
        hold_out = [_label(p) for p in preset if _label(p) not in optimize]
    perceivers = []
    for names, held in ((optimize, False), (hold_out, True)):
        for name in names:
            entry = copy.deepcopy(by_label.get(name, {"type": name}))
            entry["held_out"] = held
            perceivers.append(entry)
    return {**data, "perceivers": perceivers}


def set_target(data: dict[str, Any], target: str, source: object = None) -> dict[str, Any]:
    """A copy of ``data`` whose every ``class`` objective aims at ``target`` (checked: unknown names suggest others)."""
    match_class(target)  # fails early, with the closest class names, before anything runs
    objectives = [dict(o) for o in data.get("objectives", [])]
    hits = [o for o in objectives if o.get("type") == "class"]
    if not hits:
        raise ApophenicError(f"{source or 'preset'}: objectives: no objective of type 'class' to aim at {target!r}")
    for o in hits:
        o["target"] = target
    return {**data, "objectives": objectives}


def held_out_scores(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The held-out rows of ``run.json``'s ``scores`` (empty when nothing was held out)."""
    return [s for s in record.get("scores", []) if s.get("held_out")]


def ensemble_scores(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The optimized-ensemble rows of ``run.json``'s ``scores``."""
    return [s for s in record.get("scores", []) if not s.get("held_out")]
