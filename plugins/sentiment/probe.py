"""The linear probe that finds the sentiment unit.

An L1-regularized logistic regression on the model's cell states: the L1
penalty drives most weights to zero, so the few units left (and the one with
the largest weight) are where the model keeps sentiment. Every reported
accuracy is on a test split the probe never fitted on.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class UnitThreshold:
    """A single unit used as a classifier: positive when ``sign * (value - threshold) > 0``."""

    unit: int
    threshold: float
    sign: int
    train_accuracy: float

    def predict(self, values: np.ndarray) -> np.ndarray:
        return (self.sign * (values - self.threshold) > 0).astype(np.int64)


@dataclass
class ProbeResult:
    """What the probe found on one labeled data set."""

    c: float                    # chosen inverse regularization strength
    cv_accuracy: float          # cross-validated accuracy of that C on the training split
    train_accuracy: float
    test_accuracy: float        # full probe, held-out test split
    units_used: int             # non-zero weights
    top_unit: int               # largest |weight|
    top_weight: float
    top_units: list[int]        # the ten largest |weights|, largest first
    single: UnitThreshold       # the threshold on the reported sentiment unit (fitted on train)
    single_test_accuracy: float
    best_single_unit: int       # the unit whose train-split threshold is most accurate
    best_single_train_accuracy: float
    best_single_test_accuracy: float
    n_train: int
    n_test: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["single"] = asdict(self.single)
        return d


def fit_threshold(values: np.ndarray, labels: np.ndarray, unit: int = -1) -> UnitThreshold:
    """The threshold and direction on one unit's values that best separate the labels."""
    order = np.argsort(values, kind="stable")
    v, y = values[order], labels[order]
    n = len(y)
    # Predict positive above a cut: correct = negatives below + positives above.
    neg_below = np.concatenate([[0], np.cumsum(y == 0)])
    pos_above = (y == 1).sum() - np.concatenate([[0], np.cumsum(y == 1)])
    up = (neg_below + pos_above) / n            # sign +1: high values positive
    down = 1.0 - up                             # sign -1: low values positive
    i_up, i_down = int(up.argmax()), int(down.argmax())
    sign, i, acc = (1, i_up, up[i_up]) if up[i_up] >= down[i_down] else (-1, i_down, down[i_down])
    cuts = np.concatenate([[v[0] - 1.0], (v[:-1] + v[1:]) / 2, [v[-1] + 1.0]])
    return UnitThreshold(unit, float(cuts[i]), sign, float(acc))


def best_single_unit(features: np.ndarray, labels: np.ndarray) -> UnitThreshold:
    """The unit whose own threshold is most accurate on these (training) reviews."""
    fits = [fit_threshold(features[:, u], labels, u) for u in range(features.shape[1])]
    return max(fits, key=lambda f: f.train_accuracy)


def l1_penalty() -> dict:
    """The L1 penalty in this scikit-learn's words (``penalty="l1"`` is deprecated from 1.8 on)."""
    import sklearn

    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    return {"l1_ratio": 1.0} if (major, minor) >= (1, 8) else {"penalty": "l1"}


def fit(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
        cs: list[float], unit_choice: str = "weight", seed: int = 0) -> tuple[ProbeResult, object]:
    """Choose C by 3-fold cross-validation on the training split, refit, and score on the test split.

    :returns: the result and the fitted scikit-learn model.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    def model(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=seed, **l1_penalty())

    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in cs:
            scores[c] = float(cross_val_score(model(c), train_x, train_y, cv=folds).mean())
        # Ties go to the stronger penalty: fewer units for the same accuracy.
        best_c = max(cs, key=lambda c: (round(scores[c], 4), -c))
        clf = model(best_c).fit(train_x, train_y)
    weights = clf.coef_[0]
    ranked = [int(u) for u in np.argsort(-np.abs(weights))]
    top = ranked[0]
    best = best_single_unit(train_x, train_y)
    if unit_choice == "accuracy":
        single = best
    else:
        single = fit_threshold(train_x[:, top], train_y, top)
    result = ProbeResult(
        c=float(best_c), cv_accuracy=scores[best_c],
        train_accuracy=float(clf.score(train_x, train_y)), test_accuracy=float(clf.score(test_x, test_y)),
        units_used=int((weights != 0).sum()), top_unit=top, top_weight=float(weights[top]),
        top_units=ranked[:10], single=single,
        single_test_accuracy=float((single.predict(test_x[:, single.unit]) == test_y).mean()),
        best_single_unit=best.unit, best_single_train_accuracy=best.train_accuracy,
        best_single_test_accuracy=float((best.predict(test_x[:, best.unit]) == test_y).mean()),
        n_train=len(train_y), n_test=len(test_y),
    )
    return result, clf


def clamp_values(values: np.ndarray, labels: np.ndarray, single: UnitThreshold) -> dict:
    """Values of the unit that read as clearly positive / negative (1st and 99th percentiles toward each class)."""
    toward_pos = single.sign * values
    pos = float(single.sign * np.percentile(toward_pos, 99))
    neg = float(single.sign * np.percentile(toward_pos, 1))
    return {"positive_value": pos, "negative_value": neg, "neutral_value": single.threshold,
            "observed_min": float(values.min()), "observed_max": float(values.max())}
