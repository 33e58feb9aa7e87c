"""Content and style objectives (Gatys et al. 2016) on any perceiver or ensemble.

Both are penalties (negative scores): relative squared distances between the
generated image's features and a target's, so a weight means the same on every
network and layer. With ``luminance`` on, a term perceives the luminance of the
views itself (one extra pass per perceiver, shared by every luminance term of
the run) and computes its targets on luminance: colour-preserving transfer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import torch
from apophenic.errors import ApophenicError, ConfigError
from apophenic.objective import Objective, ObjectiveConfig, Perception
from apophenic.plugins.style import color, images
from apophenic.plugins.style.gram import gram, relative_distance
from pydantic import Field, model_validator

Features = Mapping[str, torch.Tensor]


def check_layers(ctx, names: list[str], layers: list[str], key: str) -> None:
    """Every layer exists in every perceiver, or a one-line error naming both."""
    for name in names:
        for layer in layers:
            try:
                ctx.perceivers[name].resolve_layer(layer)
            except ApophenicError as exc:
                raise ConfigError(ctx.source, key, f"perceiver {name!r}: {exc}") from None


def layer_weights(layers: list[str], weights: list[float] | None, ctx, key: str) -> list[float]:
    if weights is None:
        return [1.0 / len(layers)] * len(layers)
    if len(weights) != len(layers):
        raise ConfigError(ctx.source, key, f"{len(weights)} weights for {len(layers)} layers; give one weight per layer")
    return list(weights)


class _LuminanceSight:
    """Perceives the luminance of the views once per step for every luminance term of a run."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.layers: dict[str, set[str]] = {}

    @classmethod
    def of(cls, ctx) -> _LuminanceSight:
        # One per BuildContext, so terms of one run share a pass and runs never share.
        sight = ctx.__dict__.get("_style_luminance_sight")
        if sight is None:
            sight = ctx.__dict__["_style_luminance_sight"] = cls(ctx)
        return sight

    def want(self, name: str, layers: list[str]) -> None:
        self.layers.setdefault(name, set()).update(layers)

    def features(self, perception: Perception, name: str) -> Features:
        cache = perception.__dict__.setdefault("_style_luminance", {})
        if name not in cache:
            grey = color.luminance(perception.images)
            cache[name] = self.ctx.perceivers[name].perceive(grey, self.layers[name])
        return cache[name]


def _term(ctx, names: list[str], layers: list[str], own_pass: bool,
          per_perceiver: Callable[[str, Features], torch.Tensor], description: str) -> Objective:
    """An Objective reading ``layers`` of ``names``, from the ensemble or from a luminance pass."""
    if not own_pass:
        return Objective(
            lambda p: _mean(p, names, lambda n: per_perceiver(n, p.features[n])),
            description,
            needs=[(n, layer) for n in names for layer in layers],
        )
    sight = _LuminanceSight.of(ctx)
    for n in names:
        sight.want(n, layers)
    return Objective(lambda p: _mean(p, names, lambda n: per_perceiver(n, sight.features(p, n))), description)


def _mean(perception: Perception, names: list[str], value: Callable[[str], torch.Tensor]) -> torch.Tensor:
    total = sum(perception.weights.get(n, 1.0) for n in names) or 1.0
    return sum(perception.weights.get(n, 1.0) * value(n) for n in names) / total


def _masked(features: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None or features.dim() != 4:
        return features
    m = torch.nn.functional.interpolate(mask.to(features), size=features.shape[-2:], mode="bilinear", align_corners=False)
    return features * m


class ContentConfig(ObjectiveConfig):
    """Keep the features of a content photo (Gatys content loss, relative): a penalty."""

    type: Literal["content"] = "content"
    image: str = Field(description="Content image (PNG/JPEG), relative to the preset; resized to the run's size.")
    layers: list[str] = Field(["mid"], min_length=1, description="Layers whose activations must match (names or aliases; `apophenic layers NAME`).")
    layer_weights: list[float] | None = Field(None, description="One weight per layer (default equal, summing to 1).")
    luminance: bool = Field(False, description="Compare luminance only (colour-preserving transfer); pair with the generator's `colors`.")
    mask: str | None = Field(None, description="Grey image: white where the content must be kept, black where it may go.")

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        check_layers(ctx, names, self.layers, "objectives.content.layers")
        weights = layer_weights(self.layers, self.layer_weights, ctx, "objectives.content.layer_weights")
        image = images.resize(images.load(ctx, self.image, "objectives.content.image"), ctx.size)
        if self.luminance:
            image = color.luminance(image)
        mask = images.load_mask(ctx, self.mask, "objectives.content.mask", ctx.size).to(ctx.device) if self.mask else None
        with torch.no_grad():
            targets = {n: {layer: _masked(f, mask) for layer, f in ctx.perceivers[n].perceive(image.to(ctx.device), self.layers).items()}
                       for n in names}
        layers = self.layers

        def distance(name: str, feats: Features) -> torch.Tensor:
            return -sum(w * relative_distance(_masked(feats[layer], mask), targets[name][layer]) for layer, w in zip(layers, weights))

        return _term(ctx, names, layers, self.luminance, distance, f"content {Path(self.image).name} ({', '.join(layers)})")


class StyleConfig(ObjectiveConfig):
    """Match the Gram matrices of one or more style images (Gatys style loss, relative): a penalty."""

    type: Literal["style"] = "style"
    image: str | list[str] = Field(description="Style image, or several to blend (PNG/JPEG), relative to the preset.")
    blend: list[float] | None = Field(None, description="Blend weight per style image (default equal); the target Gram is their weighted mean.")
    layers: list[str] = Field(["shallow", "mid", "deep"], min_length=1, description="Layers whose Gram matrices must match (names or aliases).")
    layer_weights: list[float] | None = Field(None, description="One weight per layer (default equal, summing to 1).")
    scale: float = Field(1.0, gt=0, le=8, description="Style scale: the style image's long side is this times the output's long side.")
    size: int | None = Field(None, ge=8, le=16384, description="Long side of the style image in pixels; overrides `scale` (tiled runs set it).")
    colors: Literal["style", "luminance", "content"] = Field(
        "style",
        description="'style': the style's own colours; 'luminance': match luminance only (colour preservation); "
        "'content': recolour the style image to the `match` image's colour statistics first.",
    )
    match: str | None = Field(None, description="Content image whose luminance/colour statistics the style is matched to (for colors luminance/content).")
    mask: str | None = Field(None, description="Grey image: white where this style applies (content-region mask); default everywhere.")

    @model_validator(mode="after")
    def _check(self) -> StyleConfig:
        n = 1 if isinstance(self.image, str) else len(self.image)
        if n == 0:
            raise ValueError("image: give at least one style image")
        if self.blend is not None and (len(self.blend) != n or any(b < 0 for b in self.blend) or sum(self.blend) <= 0):
            raise ValueError(f"blend: expected {n} non-negative weights (one per style image), not all zero")
        if self.colors == "content" and self.match is None:
            raise ValueError("colors = 'content' needs `match`: the content image whose colours the style takes")
        return self

    @property
    def paths(self) -> list[str]:
        return [self.image] if isinstance(self.image, str) else list(self.image)

    def style_side(self, ctx) -> int:
        return self.size or max(8, round(self.scale * max(ctx.size)))

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        check_layers(ctx, names, self.layers, "objectives.style.layers")
        weights = layer_weights(self.layers, self.layer_weights, ctx, "objectives.style.layer_weights")
        blend = self.blend or [1.0] * len(self.paths)
        blend = [b / sum(blend) for b in blend]
        match = images.load(ctx, self.match, "objectives.style.match") if self.match else None
        side = self.style_side(ctx)
        luminance = self.colors == "luminance"
        targets: dict[str, dict[str, torch.Tensor]] = {n: {} for n in names}
        for i, (path, b) in enumerate(zip(self.paths, blend)):
            style = images.resize_long_side(images.load(ctx, path, f"objectives.style.image[{i}]" if len(self.paths) > 1 else "objectives.style.image"), side)
            if self.colors == "content":
                style = color.match_colors(style, match)
            elif luminance:
                style = color.match_luminance(style, match) if match is not None else color.luminance(style)
            with torch.no_grad():
                for n in names:
                    feats = ctx.perceivers[n].perceive(style.to(ctx.device), self.layers)
                    for layer in self.layers:
                        g = b * gram(feats[layer])
                        targets[n][layer] = targets[n].get(layer, 0) + g
        mask = images.load_mask(ctx, self.mask, "objectives.style.mask", ctx.size).to(ctx.device) if self.mask else None
        layers = self.layers

        def distance(name: str, feats: Features) -> torch.Tensor:
            return -sum(w * relative_distance(gram(feats[layer], mask), targets[name][layer]) for layer, w in zip(layers, weights))

        label = " + ".join(Path(p).name for p in self.paths) if len(self.paths) < 3 else f"{len(self.paths)} styles"
        return _term(ctx, names, layers, luminance, distance, f"style {label} ({', '.join(layers)})")
