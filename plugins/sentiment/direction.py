"""The sentiment direction in the cell state, fitted on review openings.

A logistic regression on the last layer's cell state after every ``every``-th
byte of the first ``length`` bytes of labelled training reviews, read from a
fresh state as generation starts: it predicts the whole review's label from
the text so far. Its weights are the direction that ``--method direction``
adds to the cell state, and the regression itself is the future discriminator
of ``--method fudge`` (Yang & Klein 2021: a classifier of prefixes for the
attribute of the finished text).
"""

from __future__ import annotations

import numpy as np
import torch
from apophenic.plugins.sentiment.features import to_bytes
from apophenic.plugins.sentiment.model import ByteLM


@torch.no_grad()
def prefix_states(model: ByteLM, texts: list[str], length: int = 300, every: int = 10,
                  batch_size: int = 64, device: torch.device | str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Cell states after bytes ``every, 2*every, ... <= length`` of each text's opening.

    :returns: the states (N×H) and, for each row, the index of its text.
    """
    model.eval()
    rows, owners = [], []
    for start in range(0, len(texts), batch_size):
        chunk = [to_bytes(t)[: length + 1] for t in texts[start:start + batch_size]]
        width = max(map(len, chunk))
        tokens = torch.zeros(len(chunk), width, dtype=torch.long)
        for r, seq in enumerate(chunk):
            tokens[r, : len(seq)] = torch.tensor(seq)
        _, _, cells = model(tokens.to(device), keep_cells=True)
        cells = cells.cpu().numpy()
        for r, seq in enumerate(chunk):
            for pos in range(every, len(seq), every):  # position 0 is the start marker
                rows.append(cells[r, pos])
                owners.append(start + r)
    return np.stack(rows), np.array(owners)


def fit_direction(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                  c: float = 0.1) -> dict:
    """The regression's weights and bias, and its accuracy on held-out openings."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000).fit(train_x, train_y)
    return {"weights": torch.tensor(clf.coef_[0], dtype=torch.float32), "bias": float(clf.intercept_[0]),
            "train_accuracy": float(clf.score(train_x, train_y)), "test_accuracy": float(clf.score(test_x, test_y)),
            "c": c}
