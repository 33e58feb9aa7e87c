"""Turning ``apophenic style transfer`` options into an engine run config (a preset's data, edited)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError


def _abs(path: Path) -> str:
    return str(Path(path).expanduser().resolve())


def transfer_recipe(
    data: dict[str, Any], *, content: Path, styles: list[Path], perceiver: str | None = None, weights: Path | None = None,
    blend: list[float] | None = None, masks: list[Path] = (), style_weight: float | None = None,
    content_weight: float | None = None, style_scale: float | None = None, colors: str = "style",
    size: int | None = None, optimizer: str | None = None, lr: float | None = None, seed: int | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """The preset ``data`` with its content, style(s), network and options replaced by these."""
    from apophenic.image_file import read_image
    from apophenic.plugins.style.cli import PERCEIVER_LAYERS

    if colors not in ("style", "luminance", "content"):
        raise ApophenicError(f"--colors {colors!r}: expected style, luminance or content")
    if masks and len(masks) != len(styles):
        raise ApophenicError(f"{len(masks)} --mask for {len(styles)} style images; give one mask per style image")
    if blend is not None and len(blend) != len(styles):
        raise ApophenicError(f"--blend has {len(blend)} weights for {len(styles)} style images")
    photo = read_image(Path(content))  # fails early, naming the file
    for s in styles:
        read_image(Path(s))
    for m in masks:
        read_image(Path(m))
    d = copy.deepcopy(data)
    old = d.get("objectives", [])
    content_cfg = next((o for o in old if o.get("type") == "content"), {"type": "content"})
    style_cfg = next((o for o in old if o.get("type") == "style"), {"type": "style", "weight": 10.0})
    others = [o for o in old if o.get("type") not in ("content", "style")]
    if perceiver is not None:
        if perceiver not in PERCEIVER_LAYERS:
            raise ApophenicError(f"--perceiver {perceiver!r}: expected one of {', '.join(PERCEIVER_LAYERS)}")
        p: dict[str, Any] = {"type": perceiver}
        if perceiver == "vgg19":
            p.update(resize="none", pool="avg", **({"weights": _abs(weights)} if weights else {}))
        elif perceiver.startswith("efficientnet"):
            p["resize"] = "none"
        d["perceivers"] = [p]
        content_cfg["layers"], style_cfg["layers"] = (list(x) for x in PERCEIVER_LAYERS[perceiver])
        content_cfg.pop("layer_weights", None)
        style_cfg.pop("layer_weights", None)
    content_cfg["image"] = _abs(content)
    if content_weight is not None:
        content_cfg["weight"] = content_weight
    if style_weight is not None:
        style_cfg["weight"] = style_weight
    if style_scale is not None:
        style_cfg["scale"] = style_scale
    luminance = colors == "luminance"
    content_cfg["luminance"] = luminance
    style_cfg["colors"] = colors
    style_cfg.pop("match", None)
    if colors != "style":
        style_cfg["match"] = _abs(content)
    style_cfg.pop("mask", None)
    style_cfg.pop("blend", None)
    if masks:
        # One style term per region: each style applies where its mask is white.
        total = sum(blend) if blend else len(styles)
        style_terms = []
        for i, (s, m) in enumerate(zip(styles, masks)):
            term = {**copy.deepcopy(style_cfg), "image": _abs(s), "mask": _abs(m)}
            if blend:
                term["weight"] = float(style_cfg.get("weight", 1.0)) * blend[i] * len(styles) / total
            style_terms.append(term)
    else:
        style_cfg["image"] = _abs(styles[0]) if len(styles) == 1 else [_abs(s) for s in styles]
        if blend is not None:
            style_cfg["blend"] = blend
        style_terms = [style_cfg]
    d["objectives"] = [content_cfg, *style_terms, *others]
    gen = d.get("generator", {})
    if gen.get("type") != "style-image":
        gen = {"type": "style-image"}
    gen["image"] = _abs(content)
    gen.pop("colors", None)
    if luminance:
        gen["colors"] = _abs(content)
    d["generator"] = gen
    if size is None:
        # The preset's long side, with the photo's aspect ratio (never a squashed photo).
        preset_size = d.get("size", 224)
        size = max(preset_size) if isinstance(preset_size, list) else int(preset_size)
    h, w = photo.shape[-2:]
    d["size"] = [size, max(8, round(size * h / w))] if w >= h else [max(8, round(size * w / h)), size]
    if optimizer is not None:
        if optimizer not in ("lbfgs", "adam"):
            raise ApophenicError(f"--optimizer {optimizer!r}: expected lbfgs or adam")
        steps = d.get("optimizer", {}).get("steps")
        d["optimizer"] = {"type": optimizer, **({"steps": steps} if steps is not None else {})}
        if optimizer == "lbfgs":
            d["optimizer"]["max_iter"] = 5
    if lr is not None:
        d.setdefault("optimizer", {"type": "adam"})["lr"] = lr
    if seed is not None:
        d["seed"] = seed
    if device is not None:
        d["device"] = device
    return d
