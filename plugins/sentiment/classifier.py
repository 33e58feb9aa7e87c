"""The review classifier behind ``apophenic sentiment classify``: word and word-pair TF-IDF with logistic regression.

Measured against the language model's probe and a MiniLM-embedding probe on
the held-out splits of Pang & Lee and IMDB (``docs/sentiment.md``), this plain
bag of words is the most accurate offline classifier here, so it is the one that
ships. It is stored as arrays (terms, idf, weights) in an ``.npz`` read with
``allow_pickle=False`` and applied with numpy alone; scikit-learn only fits it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from apophenic.errors import ApophenicError

SHIPPED = Path(__file__).parent / "data" / "review-classifier.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def terms(text: str) -> list[str]:
    """Lowercase words of two or more characters and adjacent word pairs, as scikit-learn's ``ngram_range=(1, 2)``."""
    words = _TOKEN.findall(_BR.sub(" ", text).lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@dataclass
class ReviewClassifier:
    """Sublinear TF-IDF over ``vocabulary``, L2-normalised, then a logistic regression."""

    vocabulary: list[str]
    idf: np.ndarray        # V
    weights: np.ndarray    # V
    bias: float
    meta: dict

    def __post_init__(self) -> None:
        self._index = {t: i for i, t in enumerate(self.vocabulary)}

    def positive_probability(self, texts: list[str]) -> np.ndarray:
        """P(positive) for each text."""
        out = np.empty(len(texts))
        for n, text in enumerate(texts):
            counts = Counter(i for i in map(self._index.get, terms(text)) if i is not None)
            if not counts:
                out[n] = 1 / (1 + np.exp(-self.bias))
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))
            x = tf * self.idf[idx]
            x /= np.linalg.norm(x)
            out[n] = 1 / (1 + np.exp(-(x @ self.weights[idx] + self.bias)))
        return out

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(tmp, vocabulary=np.array(self.vocabulary), idf=self.idf.astype(np.float32),
                            weights=self.weights.astype(np.float32), bias=np.array(self.bias),
                            meta=np.array(__import__("json").dumps(self.meta)))
        tmp.replace(path)
        return path


def load(path: Path | None = None) -> ReviewClassifier:
    """A classifier written by :meth:`ReviewClassifier.save` (default: the shipped one)."""
    import zipfile

    from apophenic.structured import loads_json

    path = Path(path) if path is not None else SHIPPED
    if not path.is_file():
        raise ApophenicError(f"{path}: no such classifier file")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise ApophenicError(f"{path}: not a review classifier (expected an .npz archive written by classifier.save)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return ReviewClassifier([str(t) for t in data["vocabulary"]], data["idf"].astype(np.float64),
                                    data["weights"].astype(np.float64), float(data["bias"]), loads_json(str(data["meta"]), path, "meta"))
    except FileNotFoundError:
        raise ApophenicError(f"{path}: no such classifier file") from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, MemoryError) as exc:
        raise ApophenicError(f"{path}: not a review classifier ({type(exc).__name__}: {str(exc)[:120]})") from None


def fit(texts: list[str], labels: np.ndarray, cs: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0), seed: int = 0,
        max_terms: int = 40000) -> ReviewClassifier:
    """Fit on labelled texts (label 1 = positive); C chosen by 3-fold cross-validation."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    vectorizer = TfidfVectorizer(analyzer=terms, min_df=2, max_features=max_terms, sublinear_tf=True)
    x = vectorizer.fit_transform(texts)
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    scores = {c: float(cross_val_score(LogisticRegression(C=c, max_iter=3000), x, labels, cv=folds).mean()) for c in cs}
    best = max(cs, key=lambda c: (round(scores[c], 4), -c))
    clf = LogisticRegression(C=best, max_iter=3000).fit(x, labels)
    vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return ReviewClassifier(vocab, vectorizer.idf_.astype(np.float64), clf.coef_[0].astype(np.float64),
                            float(clf.intercept_[0]), {"c": best, "cv_accuracy": scores[best], "documents": len(texts),
                                                       "terms": len(vocab)})
