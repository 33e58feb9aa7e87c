"""Built-in objectives: class score, channel and layer activation, total variation."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, field_validator

from apophenic.errors import ApophenicError, ConfigError
from apophenic.imagenet import match_class, short_name
from apophenic.objective import Objective, ObjectiveConfig
from apophenic.perceiver import LOGITS


class ClassScoreConfig(ObjectiveConfig):
    """Make the ensemble see an ImageNet class (by name, forgivingly matched, or index)."""

    type: Literal["class"] = "class"
    target: str | int = Field(description="ImageNet class: a name ('goldfish'), any synonym, or an index 0..999.")
    score: Literal["log-softmax", "logit", "probability", "margin"] = Field(
        "log-softmax", description="What to raise: log-probability (relative to other classes), raw logit, probability, or logit margin over the best other class."
    )

    @field_validator("target")
    @classmethod
    def _known(cls, value: str | int) -> str | int:
        try:
            match_class(value)
        except ApophenicError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def class_index(self) -> int:
        """The target's ImageNet index."""
        return match_class(self.target)

    def class_targets(self) -> list[int]:
        return [self.class_index]

    def build(self, ctx) -> Objective:
        index = self.class_index
        names = self.read_perceivers(ctx, classifiers_only=True)
        for name in names:
            if ctx.perceivers[name].labels is None:
                raise ConfigError(ctx.source, "objectives.perceivers", f"{name!r} is not a classifier; a class objective needs one")
        score = self.score

        def per_perceiver(features):
            logits = features[LOGITS]
            if score == "logit":
                return logits[:, index].mean()
            if score == "probability":
                return logits.softmax(-1)[:, index].mean()
            if score == "margin":
                others = logits.clone()
                others[:, index] = -torch.inf
                return (logits[:, index] - others.max(-1).values).mean()
            return logits.log_softmax(-1)[:, index].mean()

        return Objective(
            lambda p: p.mean(per_perceiver, names),
            f"class {short_name(index)!r} {score}",
            needs=[(n, LOGITS) for n in names],
        )


class ChannelConfig(ObjectiveConfig):
    """Raise the mean activation of one channel of a layer (feature visualization)."""

    type: Literal["channel"] = "channel"
    layer: str = Field(description="Layer name or alias (shallow, mid, deep); list with `apophenic layers`.")
    channel: int = Field(ge=0, description="Channel index within the layer.")

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        self.check_layer(ctx, names, self.layer)
        for name in names:
            shape = ctx.perceivers[name].layer_shapes(64).get(ctx.perceivers[name].resolve_layer(self.layer))
            if shape and self.channel >= shape[0]:
                raise ConfigError(ctx.source, "objectives.channel", f"{name} layer {self.layer!r} has channels 0..{shape[0] - 1} (got {self.channel})")
        layer, channel = self.layer, self.channel
        return Objective(
            lambda p: p.mean(lambda f: f[layer][:, channel].mean(), names),
            f"channel {layer}:{channel}",
            needs=[(n, layer) for n in names],
        )


class LayerConfig(ObjectiveConfig):
    """Raise the activation of a whole layer: DeepDream's objective."""

    type: Literal["layer"] = "layer"
    layer: str = Field(description="Layer name or alias (shallow, mid, deep); list with `apophenic layers`.")
    norm: Literal["l2", "mean"] = Field("l2", description="Mean of squared activations (l2) or of activations (mean).")

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        self.check_layer(ctx, names, self.layer)
        layer, norm = self.layer, self.norm
        reduce = (lambda a: a.pow(2).mean()) if norm == "l2" else (lambda a: a.mean())
        return Objective(
            lambda p: p.mean(lambda f: reduce(f[layer]), names),
            f"layer {layer} {norm}",
            needs=[(n, layer) for n in names],
        )


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels."""
    dy = (images[..., 1:, :] - images[..., :-1, :]).abs().mean()
    dx = (images[..., :, 1:] - images[..., :, :-1]).abs().mean()
    return dx + dy


class TotalVariationConfig(ObjectiveConfig):
    """Penalize differences between neighbouring pixels (a negative score): smoother images."""

    type: Literal["total-variation"] = "total-variation"
    weight: float = Field(0.1, description="Multiplier of the penalty.")

    def build(self, ctx) -> Objective:
        return Objective(lambda p: -total_variation(p.images), "total variation penalty")
