"""Reading review corpora (plain text, CSV/TSV with a named column, JSONL) and splitting them.

Every reader returns whole documents; the train / held-out split is decided
per document by a seeded permutation, so the language model and the probe
can agree on which reviews were never trained on.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from apophenic.errors import ApophenicError

FORMATS = ("text", "csv", "tsv", "jsonl")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass
class Documents:
    """Texts and (when a label column was named) their raw labels."""

    texts: list[str]
    labels: list[str] | None
    source: str


def detect_format(path: Path, fmt: str) -> str:
    """The format named, or guessed from the file's extension."""
    if fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    return {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "text")


def read_documents(
    path: Path,
    fmt: str = "auto",
    text: str = "text",
    label: str | None = None,
    columns: list[str] | None = None,
    strip_html: bool = False,
    limit: int | None = None,
) -> Documents:
    """Documents from one file.

    :param fmt: ``text`` (one document per non-empty line), ``csv``, ``tsv``, ``jsonl`` or ``auto``.
    :param text: the column (CSV/TSV) or key (JSONL) holding the review.
    :param label: the column or key holding its label, if labels are wanted.
    :param columns: names for the columns of a CSV/TSV file that has no header row.
    :param strip_html: turn ``<br />`` tags (IMDB) into newlines.
    :param limit: keep only the first ``limit`` documents.
    """
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt not in FORMATS:
        raise ApophenicError(f"{path}: unknown corpus format {fmt!r}; expected one of auto, {', '.join(FORMATS)}")
    if not path.is_file():
        raise ApophenicError(f"{path}: no such corpus file")
    try:
        raw = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if fmt == "text":
        if label is not None:
            raise ApophenicError(f"{path}: a plain-text corpus has no label column; use CSV, TSV or JSONL")
        texts, labels = [line for line in raw.splitlines() if line.strip()], None
    elif fmt == "jsonl":
        texts, labels = _read_jsonl(path, raw, text, label)
    else:
        texts, labels = _read_table(path, raw, "," if fmt == "csv" else "\t", text, label, columns)
    if strip_html:
        texts = [_BR.sub("\n", t) for t in texts]
    if limit is not None:
        texts = texts[:limit]
        labels = labels[:limit] if labels is not None else None
    keep = [i for i, t in enumerate(texts) if t.strip()]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep] if labels is not None else None
    if not texts:
        raise ApophenicError(f"{path}: the corpus has no text (no non-empty documents)")
    return Documents(texts, labels, str(path))


def _read_table(path: Path, raw: str, delimiter: str, text: str, label: str | None, columns: list[str] | None):
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # TSV files (UCI) hold unbalanced quotes inside sentences: read them literally.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    # newline="": only \r and \n end rows (str.splitlines would also split at U+0085, U+2028...).
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter, quoting=quoting))
    rows = [r for r in rows if r]
    if columns is None:
        if not rows:
            raise ApophenicError(f"{path}: the corpus has no text (no header row)")
        header, rows = [h.strip() for h in rows[0]], rows[1:]
    else:
        header = list(columns)
    index = {}
    for key in (text, label):
        if key is None:
            continue
        if key not in header:
            shown = ", ".join(map(repr, header[:12]))
            raise ApophenicError(f"{path}: no column {key!r}; the columns are {shown}")
        index[key] = header.index(key)
    ti = index[text]
    li = index.get(label) if label is not None else None
    texts, labels = [], [] if label is not None else None
    for r in rows:
        if len(r) <= ti or (li is not None and len(r) <= li):
            continue  # a short (junk) row
        texts.append(r[ti])
        if labels is not None:
            labels.append(r[li].strip())
    return texts, labels


def _read_jsonl(path: Path, raw: str, text: str, label: str | None):
    texts, labels = [], [] if label is not None else None
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ApophenicError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or text not in obj:
            raise ApophenicError(f"{path}:{n}: no key {text!r} in this JSON object")
        if label is not None and label not in obj:
            raise ApophenicError(f"{path}:{n}: no key {label!r} in this JSON object")
        texts.append(str(obj[text]))
        if labels is not None:
            labels.append(str(obj[label]).strip())
    return texts, labels


def binary_labels(labels: list[str], source: str, positive: str | None = None) -> tuple[np.ndarray, list[str]]:
    """Labels as 0/1, and the two class names (negative first).

    Exactly two distinct values are required. The positive class is ``positive`` if
    given, else a value that reads as positive (``1``, ``pos``, ``positive``...), else
    the larger one in sorted order.
    """
    classes = sorted(set(labels))
    if len(classes) != 2:
        shown = ", ".join(map(repr, classes[:6])) + (" ..." if len(classes) > 6 else "")
        raise ApophenicError(f"{source}: labels must have exactly two classes; found {len(classes)}: {shown}")
    if positive is None:
        good = [c for c in classes if c.lower() in ("1", "pos", "positive", "+1", "true", "good")]
        positive = good[0] if len(good) == 1 else classes[1]
    if positive not in classes:
        raise ApophenicError(f"{source}: positive label {positive!r} is not one of {classes[0]!r}, {classes[1]!r}")
    negative = classes[0] if classes[1] == positive else classes[1]
    return np.array([1 if x == positive else 0 for x in labels], dtype=np.int64), [negative, positive]


def split(n: int, held_out: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and held-out documents (a seeded permutation)."""
    order = np.random.default_rng(seed).permutation(n)
    k = int(round(n * held_out))
    if held_out > 0 and k == 0 and n > 1:
        k = 1
    return np.sort(order[k:]), np.sort(order[:k])


def encode(text: str) -> bytes:
    """The UTF-8 bytes the model reads."""
    return text.encode("utf-8", errors="replace")


def decode(data: bytes | list[int]) -> str:
    """Bytes back to text; broken sequences become U+FFFD."""
    return bytes(data).decode("utf-8", errors="replace")
