"""Example for ``register_objectives``: reward any confident classification."""

# --8<-- [start:example]
from typing import Literal

from apophenic import LOGITS, Objective, ObjectiveConfig, hookimpl


class ConfidenceConfig(ObjectiveConfig):
    """The log-probability of whatever class each classifier finds most likely."""

    type: Literal["confidence"] = "confidence"

    def build(self, ctx) -> Objective:
        def score(perception):
            # perception.mean averages over the ensemble with the perceivers' weights.
            return perception.mean(
                lambda features: features[LOGITS].log_softmax(-1).max(-1).values.mean(),
                self.perceivers,
            )

        # needs: (perceiver or None for all, layer) — perceivers compute only these layers.
        return Objective(score, "most likely class log-probability", needs={(None, LOGITS)})


@hookimpl
def register_objectives(register):
    register(ConfidenceConfig)
# --8<-- [end:example]
