"""Word vectors in memory and the A:B::C:? arithmetic on them (Mikolov et al. 2013; Levy & Goldberg 2014)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from apophenic.errors import ApophenicError, closest

Method = Literal["3cosadd", "3cosmul"]
METHODS: tuple[str, ...] = ("3cosadd", "3cosmul")


@dataclass
class WordVectors:
    """A vocabulary and one row per word, most frequent first.

    :param words: the words, in the order of ``vectors``' rows.
    :param vectors: ``len(words) × dim`` float array (any scale; queries use unit-length rows).
    :param source: where they came from, for messages.
    """

    words: list[str]
    vectors: np.ndarray
    source: str = "vectors"
    index: dict[str, int] = field(init=False, repr=False)
    unit: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ApophenicError(
                f"{self.source}: {len(self.words)} words but vectors of shape {tuple(self.vectors.shape)}"
            )
        if not self.words:
            raise ApophenicError(f"{self.source}: no vectors in the file")
        self.index = {}
        for i, w in enumerate(self.words):
            self.index.setdefault(w, i)  # a repeated word keeps its first (most frequent) row
        v = np.asarray(self.vectors, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        self.unit = v / np.maximum(norms, 1e-12)

    @property
    def dim(self) -> int:
        """Number of components per word."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return self.lookup(word) is not None

    def lookup(self, word: str) -> int | None:
        """Row of ``word``, trying it as given, then lower-cased; ``None`` when absent."""
        i = self.index.get(word)
        if i is None:
            i = self.index.get(word.lower())
        return i

    def row(self, word: str) -> int:
        """Row of ``word``, or a one-line error naming it and near spellings."""
        i = self.lookup(word)
        if i is None:
            near = closest(word.lower(), self.words[:50_000])
            hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
            raise ApophenicError(f"{word!r} is not in the vocabulary of {self.source} ({len(self)} words){hint}")
        return i

    def vector(self, word: str) -> np.ndarray:
        """The unit-length vector of ``word``."""
        return self.unit[self.row(word)]

    def nearest(self, target: np.ndarray, k: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words with the highest cosine similarity to ``target``."""
        t = np.asarray(target, dtype=np.float32)
        scores = self.unit @ (t / max(float(np.linalg.norm(t)), 1e-12))
        return self._top(scores, k, exclude)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(self.vector(a) @ self.vector(b))

    def analogy(self, a: str, b: str, c: str, k: int = 5, method: Method = "3cosadd") -> list[tuple[str, float]]:
        """Answers D to ``a : b :: c : D``, best first, with their scores.

        ``3cosadd`` ranks by cos(D, b − a + c) (Mikolov); ``3cosmul`` by
        cos(D,b)·cos(D,c) / (cos(D,a) + ε) with cosines shifted to [0, 1] (Levy & Goldberg).
        The three question words are never answers.
        """
        rows = [self.row(w) for w in (a, b, c)]
        scores = analogy_scores(self.unit, np.array([rows]), method)[0]
        return self._top(scores, k, [self.words[r] for r in rows])

    def _top(self, scores: np.ndarray, k: int, exclude: Iterable[str]) -> list[tuple[str, float]]:
        scores = scores.astype(np.float32, copy=True)
        for w in exclude:
            i = self.lookup(w)
            if i is not None:
                scores[i] = -np.inf
        k = max(0, min(k, len(scores)))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.array([], dtype=int)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in top if np.isfinite(scores[i])]


def analogy_scores(unit: np.ndarray, rows: np.ndarray, method: Method = "3cosadd") -> np.ndarray:
    """Scores of every word as the answer to each question ``rows[q] = (a, b, c)`` (row indices).

    :param unit: unit-length word vectors, ``n × dim``.
    :returns: ``len(rows) × n`` scores, higher is better (question words not yet excluded).
    """
    if method not in METHODS:
        raise ApophenicError(f"unknown analogy method {method!r}; expected one of {', '.join(METHODS)}")
    a, b, c = unit[rows[:, 0]], unit[rows[:, 1]], unit[rows[:, 2]]
    if method == "3cosadd":
        target = b - a + c
        target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
        return target @ unit.T
    eps = 1e-3
    sim = lambda x: (x @ unit.T + 1.0) / 2.0  # noqa: E731 - cosines mapped to [0, 1]
    return sim(b) * sim(c) / (sim(a) + eps)


def require_three(words: Sequence[str]) -> tuple[str, str, str]:
    """Exactly three words A B C of ``A : B :: C : ?``, or a one-line error."""
    if len(words) != 3:
        raise ApophenicError(
            f"an analogy takes exactly three words A B C (A is to B as C is to ?), got {len(words)}"
            + (f": {' '.join(words)}" if words else "")
        )
    return words[0], words[1], words[2]
