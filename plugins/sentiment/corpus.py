"""Reading review corpora (plain text, CSV/TSV with a named column, JSONL; any of them gzipped) and splitting them.

Files are read as streams, one document at a time, so a corpus of any size
trains in constant memory (:func:`iter_documents`); :func:`read_documents`
collects a small labelled file into lists for probing. Whether a document is
held out is decided from its position in its file and a seed alone
(:func:`is_held_out`), without knowing how many documents follow, so the
language model, the probe and every training process agree on which reviews
were never trained on.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from apophenic.errors import ApophenicError
from apophenic.structured import loads_json

FORMATS = ("text", "csv", "tsv", "jsonl")
DOC_START = 0x1E  # ASCII record separator: the model reads it before every review
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
    if suffix == ".gz":
        suffix = Path(path.stem).suffix.lower()
    return {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "text")


def open_text(path: Path):
    """A text stream of ``path`` (UTF-8, byte-order mark dropped), gunzipped when it is gzip."""
    path = Path(path)
    if not path.is_file():
        raise ApophenicError(f"{path}: no such corpus file")
    try:
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        raw = gzip.open(path, "rb") if gzipped else open(path, "rb")
    except OSError as exc:
        raise ApophenicError(f"{path}: cannot read ({exc.strerror or exc})") from None
    # newline="": only \r and \n end lines (str.splitlines would also split at U+0085, U+2028...).
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def iter_documents(
    path: Path,
    fmt: str = "auto",
    text: str = "text",
    label: str | None = None,
    columns: list[str] | None = None,
    strip_html: bool = False,
    limit: int | None = None,
) -> Iterator[tuple[str, str | None]]:
    """``(text, label)`` of every non-empty document of one file, read as a stream.

    :param fmt: ``text`` (one document per non-empty line), ``csv``, ``tsv``, ``jsonl`` or ``auto``
        (from the extension, under a ``.gz``).
    :param text: the column (CSV/TSV) or key (JSONL) holding the review.
    :param label: the column or key holding its label, if labels are wanted (else ``None`` is yielded).
    :param columns: names for the columns of a CSV/TSV file that has no header row.
    :param strip_html: turn ``<br />`` tags (IMDB) into newlines.
    :param limit: stop after ``limit`` documents.
    """
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt not in FORMATS:
        raise ApophenicError(f"{path}: unknown corpus format {fmt!r}; expected one of auto, {', '.join(FORMATS)}")
    if fmt == "text" and label is not None:
        raise ApophenicError(f"{path}: a plain-text corpus has no label column; use CSV, TSV or JSONL")
    count = 0
    with open_text(path) as stream:
        if fmt == "text":
            rows = ((line.rstrip("\r\n"), None) for line in stream)
        elif fmt == "jsonl":
            rows = _jsonl_rows(path, stream, text, label)
        else:
            rows = _table_rows(path, stream, "," if fmt == "csv" else "\t", text, label, columns)
        try:
            for body, tag in rows:
                if not body.strip():
                    continue
                if limit is not None and count >= limit:
                    return
                count += 1
                yield (_BR.sub("\n", body) if strip_html else body), tag
        except (OSError, EOFError) as exc:  # a truncated gzip file, a disk error mid-stream
            raise ApophenicError(f"{path}: cannot read past document {count} ({exc})") from None


def read_documents(
    path: Path,
    fmt: str = "auto",
    text: str = "text",
    label: str | None = None,
    columns: list[str] | None = None,
    strip_html: bool = False,
    limit: int | None = None,
) -> Documents:
    """All documents of one file in memory (for labelled sets; training streams with :func:`iter_documents`)."""
    rows = list(iter_documents(path, fmt, text, label, columns, strip_html, limit))
    if not rows:
        raise ApophenicError(f"{path}: the corpus has no text (no non-empty documents)")
    texts = [t for t, _ in rows]
    labels = [lab for _, lab in rows] if label is not None else None
    return Documents(texts, labels, str(path))


def _table_rows(path: Path, stream, delimiter: str, text: str, label: str | None, columns: list[str] | None):
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # TSV files (UCI) hold unbalanced quotes inside sentences: read them literally.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = (r for r in csv.reader(stream, delimiter=delimiter, quoting=quoting) if r)
    try:
        if columns is None:
            first = next(reader, None)
            if first is None:
                return
            header = [h.strip() for h in first]
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
        for r in reader:
            if len(r) <= ti or (li is not None and len(r) <= li):
                continue  # a short (junk) row
            yield r[ti], (r[li].strip() if li is not None else None)
    except csv.Error as exc:
        raise ApophenicError(f"{path}: not a readable CSV/TSV file ({exc})") from None


def _jsonl_rows(path: Path, stream, text: str, label: str | None):
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        obj = loads_json(line, f"{path}:{n}", "this line")  # bounded: a line of 10,000 '[' is one error
        if not isinstance(obj, dict) or text not in obj:
            raise ApophenicError(f"{path}:{n}: no key {text!r} in this JSON object")
        if label is not None and label not in obj:
            raise ApophenicError(f"{path}:{n}: no key {label!r} in this JSON object")
        yield str(obj[text]), (str(obj[label]).strip() if label is not None else None)


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


def is_held_out(index: int, share: float, seed: int) -> bool:
    """Whether document ``index`` of a file is held out: a seeded hash, the same in every process."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") < share * 2**64


def split(n: int, held_out: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and held-out documents among ``n`` (see :func:`is_held_out`)."""
    held = np.array([is_held_out(i, held_out, seed) for i in range(n)], dtype=bool)
    return np.flatnonzero(~held), np.flatnonzero(held)


def encode(text: str) -> bytes:
    """The UTF-8 bytes the model reads."""
    return text.encode("utf-8", errors="replace")


def decode(data: bytes | list[int]) -> str:
    """Bytes back to text; broken sequences become U+FFFD."""
    return bytes(data).decode("utf-8", errors="replace")
