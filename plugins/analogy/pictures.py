"""Words to pictures: the ImageNet class whose name sits nearest a word in the word space,
so an analogy answered in words can become the target of an image run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from apophenic.plugins.analogy.vectors import WordVectors


@dataclass(frozen=True)
class ClassMatch:
    """An ImageNet class for a word: its index, short name, the synonym that matched, and the cosine."""

    index: int
    name: str
    synonym: str
    cosine: float


def phrase_vector(wv: WordVectors, phrase: str) -> np.ndarray | None:
    """Mean unit vector of a phrase's words (``"electric fan"``), or ``None`` when a word is unknown."""
    words = phrase.replace("-", " ").replace("'", " ").lower().split()
    rows = [wv.lookup(w) for w in words]
    if not words or any(r is None for r in rows):
        return None
    v = wv.unit[rows].mean(0)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def class_table(wv: WordVectors) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """One unit vector per (class, synonym) whose words are all in the vocabulary."""
    from apophenic.imagenet import class_names

    vectors, keys = [], []
    for index, name in enumerate(class_names()):
        for synonym in (s.strip() for s in name.split(",")):
            v = phrase_vector(wv, synonym)
            if v is not None:
                vectors.append(v)
                keys.append((index, synonym))
    return np.stack(vectors), keys


def nearest_classes(wv: WordVectors, word: str, k: int = 5) -> list[ClassMatch]:
    """The ``k`` ImageNet classes nearest to ``word`` (best synonym per class), best first."""
    from apophenic.imagenet import short_name

    target = wv.vector(word)
    table, keys = class_table(wv)
    scores = table @ target
    best: dict[int, ClassMatch] = {}
    for i in np.argsort(-scores):
        index, synonym = keys[i]
        if index not in best:
            best[index] = ClassMatch(index, short_name(index), synonym, float(scores[i]))
        if len(best) == k:
            break
    return list(best.values())
