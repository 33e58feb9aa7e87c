"""Saving and loading language-model checkpoints as plain weights.

A checkpoint is a dict of tensors and JSON-able values, so it loads with
``torch.load(..., weights_only=True)``: ``format``, ``spec`` (the architecture),
``state_dict``, ``meta`` (how it was trained), optionally ``unit`` (the found
sentiment unit), ``steering`` (the sentiment direction and tuned strengths) and ``training`` (optimizer and data position, for resuming).
Writes go to a temporary file that is renamed, so a kill never leaves half a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from apophenic.errors import ApophenicError
from apophenic.record import write_atomic
from apophenic.weights_file import load_weights
from apophenic.plugins.sentiment.model import ARCHITECTURES, ByteLM, ModelSpec

FORMAT = "apophenic-sentiment-lm"
VERSION = 2  # 2: the lstm architecture is torch's fused nn.LSTM

MAX_SIZE = {"hidden": 16_384, "layers": 16, "embed": 4_096}
"""Largest sizes a checkpoint's spec may claim (the shipped model: hidden 512, 1 layer, embed 64)."""


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
    import io

    buf = io.BytesIO()
    torch.save(payload, buf)
    return write_atomic(path, buf.getvalue())  # a fresh temporary name, then a rename: no user file is touched


def read_payload(path: Path) -> dict[str, Any]:
    """The raw checkpoint dict, loaded as weights only; anything else is a one-line error."""
    path = Path(path)
    payload = load_weights(path)
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


def _spec(payload: dict[str, Any], path: Path) -> ModelSpec:
    """The checked architecture: known keys, a known architecture, positive integer sizes."""
    data = payload.get("spec")
    fields = ModelSpec.__dataclass_fields__
    if not isinstance(data, dict) or not set(data) <= set(fields) or not all(isinstance(k, str) for k in data):
        raise ApophenicError(f"{path}: checkpoint spec is not a model description (expected a table with {', '.join(fields)})")
    if data.get("architecture", "lstm") not in ARCHITECTURES:
        raise ApophenicError(f"{path}: unknown architecture {data.get('architecture')!r}; expected one of {', '.join(ARCHITECTURES)}")
    for key in ("hidden", "layers", "embed"):
        value = data.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE[key]:
            raise ApophenicError(f"{path}: checkpoint spec.{key} = {value!r}; expected a whole number from 1 to {MAX_SIZE[key]}")
    return ModelSpec(**data)


def from_payload(payload: dict[str, Any], path: Path) -> Checkpoint:
    """The model and its companions from a checkpoint dict read by :func:`read_payload`."""
    spec = _spec(payload, path)
    state = payload.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ApophenicError(f"{path}: checkpoint state_dict is not a table of named tensors")
    for key in ("meta", "unit", "training", "steering"):
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise ApophenicError(f"{path}: checkpoint {key} is a {type(payload[key]).__name__}, expected a table")
    # Compare shapes on the meta device first: a spec claiming hidden=10**6 must be refused
    # before torch tries to allocate its weights, not after.
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in ByteLM(spec).state_dict().items()}
    wrong = sorted(k for k in set(shapes) | set(state) if k not in state or k not in shapes or tuple(state[k].shape) != shapes[k])
    if wrong:
        missing = [k for k in wrong if k not in state]
        extra = [k for k in wrong if k not in shapes]
        detail = (f"missing {missing[:3]}" if missing else "") + (f" unexpected {extra[:3]}" if extra else "")
        raise ApophenicError(f"{path}: weights do not fit a {spec.architecture} model with hidden={spec.hidden}, "
                             f"layers={spec.layers} ({detail.strip() or 'tensor shapes differ: ' + ', '.join(wrong[:3])})")
    model = ByteLM(spec)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    return Checkpoint(model, payload.get("meta", {}), payload.get("unit"), payload.get("training"), Path(path),
                      payload.get("steering"))
