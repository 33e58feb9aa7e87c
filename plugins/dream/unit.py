"""The `unit` objective: one neuron, a channel at one spatial position (Erhan et al. 2009)."""

from __future__ import annotations

from typing import Literal

from apophenic.errors import ConfigError
from apophenic.objective import Objective, ObjectiveConfig
from pydantic import Field


class UnitConfig(ObjectiveConfig):
    """Raise the activation of one unit: a channel of a layer at one position (default: the centre)."""

    type: Literal["unit"] = "unit"
    layer: str = Field(description="Layer name or alias (shallow, mid, deep); list with `apophenic layers`.")
    channel: int = Field(ge=0, description="Channel index within the layer.")
    position: tuple[float, float] = Field(
        (0.5, 0.5), description="Where the unit sits in the layer's feature map, as fractions [y, x] of its height and width."
    )

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx)
        self.check_layer(ctx, names, self.layer)
        for name in names:
            perceiver = ctx.perceivers[name]
            shape = perceiver.layer_shapes(64).get(perceiver.resolve_layer(self.layer))
            if shape and self.channel >= shape[0]:
                raise ConfigError(ctx.source, "objectives.channel", f"{name} layer {self.layer!r} has channels 0..{shape[0] - 1} (got {self.channel})")
            if shape is not None and len(shape) != 3:
                raise ConfigError(ctx.source, "objectives.layer", f"{name} layer {self.layer!r} has no spatial positions; use objective 'channel'")
        if not all(0.0 <= f <= 1.0 for f in self.position):
            raise ConfigError(ctx.source, "objectives.position", f"fractions must be within 0..1 (got {list(self.position)})")
        layer, channel, (fy, fx) = self.layer, self.channel, self.position

        def per_perceiver(features):
            fmap = features[layer][:, channel]
            h, w = fmap.shape[-2:]
            return fmap[:, min(h - 1, int(fy * h)), min(w - 1, int(fx * w))].mean()

        return Objective(
            lambda p: p.mean(per_perceiver, names),
            f"unit {layer}:{channel}@{fy:g},{fx:g}",
            needs=[(n, layer) for n in names],
        )
