"""Saving and loading language-model checkpoints as plain weights.

A checkpoint is a dict of tensors and JSON-able values, so it loads with
``torch.load(..., weights_only=True)``: ``format``, ``spec`` (the architecture),
``state_dict``, ``meta`` (how it was trained), optionally ``unit`` (the found
sentiment unit), ``steering`` (the sentiment direction and tuned strengths) and ``training`` (optimizer and data position, for resuming).
Writes go to a temporary file that is renamed, so a kill never leaves half a file.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.model import ARCHITECTURES, ByteLM, ModelSpec

FORMAT = "apophenic-sentiment-lm"
VERSION = 2  # 2: the lstm architecture is torch's fused nn.LSTM


@dataclass
class Checkpoint:
    """A loaded model with what came with it."""

    model: ByteLM
    meta: dict[str, Any] = field(default_factory=dict)
    unit: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    path: Path | None = None
    steering: dict[str, Any] | None = None  # the sentiment direction and tuned strengths (steering.py)


def save(path: Path, model: ByteLM, meta: dict[str, Any], unit: dict[str, Any] | None = None,
         training: dict[str, Any] | None = None, half: bool = False, steering: dict[str, Any] | None = None) -> Path:
    """Write a checkpoint atomically; ``half`` stores float16 weights (half the bytes)."""
    path = Path(path)
    state = {k: (v.detach().cpu().half() if half and v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    payload: dict[str, Any] = {"format": FORMAT, "version": VERSION, "spec": model.spec.to_dict(),
                               "state_dict": state, "meta": meta}
    if unit is not None:
        payload["unit"] = unit
    if training is not None:
        payload["training"] = training
    if steering is not None:
        payload["steering"] = steering
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_payload(path: Path) -> dict[str, Any]:
    """The raw checkpoint dict, loaded as weights only; anything else is a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise ApophenicError(f"{path}: no such checkpoint file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "pickle protocol 4" notes on foreign files
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - the weights-only unpickler fails in many ways on foreign files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ApophenicError(f"{path}: not a weights-only checkpoint (torch.load with weights_only=True refused it: "
                             f"{type(exc).__name__}: {first[:160]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ApophenicError(f"{path}: not an apophenic sentiment checkpoint (no format tag {FORMAT!r}); train one with: apophenic sentiment train")
    if payload.get("version") != VERSION:
        raise ApophenicError(f"{path}: checkpoint version {payload.get('version')!r} is not supported (expected {VERSION}; "
                             "version 1 models were trained before the fused LSTM: retrain with apophenic sentiment train)")
    return payload


def load(path: Path, device: torch.device | str = "cpu") -> Checkpoint:
    """A model rebuilt from its checkpoint (float32, eval mode)."""
    checkpoint = from_payload(read_payload(path), path)
    checkpoint.model.to(device).eval()
    return checkpoint


def from_payload(payload: dict[str, Any], path: Path) -> Checkpoint:
    """The model and its companions from a checkpoint dict read by :func:`read_payload`."""
    spec_data = payload.get("spec")
    try:
        spec = ModelSpec(**spec_data)
    except TypeError:
        raise ApophenicError(f"{path}: checkpoint spec {spec_data!r} is not a model description") from None
    if spec.architecture not in ARCHITECTURES:
        raise ApophenicError(f"{path}: unknown architecture {spec.architecture!r}; expected one of {', '.join(ARCHITECTURES)}")
    model = ByteLM(spec)
    state = {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        missing = sorted(set(model.state_dict()) - set(state))
        extra = sorted(set(state) - set(model.state_dict()))
        detail = (f"missing {missing[:3]}" if missing else "") + (f" unexpected {extra[:3]}" if extra else "")
        if not detail:
            detail = "tensor shapes differ"
        raise ApophenicError(f"{path}: weights do not fit a {spec.architecture} model with hidden={spec.hidden}, layers={spec.layers} ({detail.strip()})") from None
    return Checkpoint(model, payload.get("meta", {}), payload.get("unit"), payload.get("training"), Path(path),
                      payload.get("steering"))
