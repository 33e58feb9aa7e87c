"""Reading and writing word-vector files: word2vec binary and text, GloVe text and the
compact ``.npz`` the plugin ships.

The format is detected from the bytes, not the file name; ``.gz`` files are read
transparently. Anything else, and any truncated file, is a one-line error. Only formats that
are data are read: gensim's native model is a pickle, and unpickling a file runs whatever code
it names, so it is refused with the one line that says how to convert it.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.files import write_atomic
from apophenic.plugins.analogy.vectors import WordVectors

FORMATS = ("word2vec-binary", "word2vec-text", "glove", "npz")

_ZIP, _GZIP, _PICKLE = b"PK\x03\x04", b"\x1f\x8b", b"\x80"


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise ApophenicError(f"{path}: no such vectors file")
    try:
        raw = path.read_bytes()
        if raw[:2] == _GZIP:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ApophenicError(f"{path}: cannot read ({exc})") from None
    return raw


def detect(raw: bytes) -> str | None:
    """The format of a vectors file's content, or ``None`` when it is none of :data:`FORMATS`."""
    if raw[:4] == _ZIP:
        return "npz"
    if raw[:1] == _PICKLE:
        return "gensim"
    first, _, rest = raw.partition(b"\n")
    try:
        fields = first.decode("utf-8").split()
    except UnicodeDecodeError:
        return None
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        dim = int(fields[1])
        line = rest.split(b"\n", 1)[0]
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
            [float(x) for x in parts[-dim:]]
            return "word2vec-text" if len(parts) > dim else "word2vec-binary"
        except (UnicodeDecodeError, ValueError):
            return "word2vec-binary"
    if len(fields) >= 2:
        try:
            [float(x) for x in fields[1:]]
            return "glove"
        except ValueError:
            return None
    return None


def load_vectors(path: Path, limit: int | None = None) -> WordVectors:
    """Word vectors from any supported file.

    :param limit: read at most this many words (files list the most frequent first).
    """
    path = Path(path)
    raw = _read_bytes(path)
    fmt = detect(raw)
    if fmt == "npz":
        return _load_npz(raw, path, limit)
    if fmt == "gensim":
        raise ApophenicError(
            f"{path}: a pickle (gensim's native model format), which is never loaded because unpickling "
            "runs code; convert it once with gensim: KeyedVectors.load(PATH).save_word2vec_format('vectors.bin', binary=True)"
        )
    if fmt == "word2vec-binary":
        return _load_word2vec_binary(raw, path, limit)
    if fmt in ("word2vec-text", "glove"):
        return _load_text(raw, path, limit, header=fmt == "word2vec-text")
    raise ApophenicError(
        f"{path}: unknown vectors format; expected word2vec binary or text, GloVe text, "
        "or an apophenic .npz"
    )


def _truncated(path: Path, expected: str) -> ApophenicError:
    return ApophenicError(f"{path}: truncated or corrupt vectors file ({expected})")


def _load_word2vec_binary(raw: bytes, path: Path, limit: int | None) -> WordVectors:
    header, _, body = raw.partition(b"\n")
    count, dim = (int(x) for x in header.split())
    if dim <= 0:
        raise _truncated(path, f"header gives dimension {dim}")
    n = count if limit is None else min(count, limit)
    width = 4 * dim
    # Check the header's promise against the bytes before allocating n x dim floats: a
    # 30-byte file claiming 10**12 words must be one line, not a MemoryError.
    if n * (width + 2) > len(body) + n:
        raise _truncated(path, f"the header promises {count} vectors of {dim} floats, but the file holds {len(body)} bytes")
    words, vectors, pos = [], np.empty((n, dim), dtype=np.float32), 0
    for i in range(n):
        while pos < len(body) and body[pos : pos + 1] in (b"\n", b" "):
            pos += 1  # some writers end each record with a newline
        space = body.find(b" ", pos)
        if space < 0 or space + 1 + width > len(body):
            raise _truncated(path, f"the header promises {count} vectors of {dim} floats, found {i}")
        words.append(body[pos:space].decode("utf-8", errors="replace"))
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + width
    return WordVectors(words, vectors, source=str(path))


def _load_text(raw: bytes, path: Path, limit: int | None, header: bool) -> WordVectors:
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ApophenicError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    count = None
    if header:
        count, dim = (int(x) for x in lines[0].split())
        lines = lines[1:]
    else:
        dim = len(lines[0].split()) - 1
    lines = [ln for ln in lines if ln.strip()]
    if lines and dim > len(lines[0].split()):
        raise _truncated(path, f"the header promises {dim} numbers per word, line 2 has {len(lines[0].split())} fields")
    if count is not None and len(lines) < count and (limit is None or len(lines) < limit):
        raise _truncated(path, f"the header promises {count} vectors, found {len(lines)}")
    if limit is not None:
        lines = lines[:limit]
    words, vectors = [], np.empty((len(lines), dim), dtype=np.float32)
    first_line = 2 if header else 1
    for i, line in enumerate(lines):
        parts = line.rstrip().split(" ")
        if len(parts) <= dim:
            raise _truncated(path, f"line {i + first_line}: expected a word and {dim} numbers, got {len(parts)} fields")
        try:
            vectors[i] = [float(x) for x in parts[-dim:]]
        except ValueError:
            raise _truncated(path, f"line {i + first_line}: expected {dim} numbers after the word") from None
        words.append(" ".join(parts[:-dim]))
    return WordVectors(words, vectors, source=str(path))


def _load_npz(raw: bytes, path: Path, limit: int | None) -> WordVectors:
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            words = bytes(data["words"]).decode("utf-8").split("\n")
            vectors = np.asarray(data["vectors"])
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ApophenicError(f"{path}: not an apophenic vectors .npz (needs arrays 'words' and 'vectors'): {exc}") from None
    if limit is not None:
        words, vectors = words[:limit], vectors[:limit]
    return WordVectors(words, vectors, source=str(path))


# -- writing ----------------------------------------------------------------------------


def _text_rows(words: list[str], vectors: np.ndarray) -> str:
    return "".join(f"{w} {' '.join(f'{x:.6g}' for x in v)}\n" for w, v in zip(words, vectors))


def save_word2vec_text(wv: WordVectors, path: Path) -> Path:
    """word2vec text: a ``count dim`` header, then ``word x1 ... xd`` per line."""
    body = f"{len(wv)} {wv.dim}\n" + _text_rows(wv.words, wv.vectors)
    return write_atomic(Path(path), body.encode("utf-8"))


def save_glove(wv: WordVectors, path: Path) -> Path:
    """GloVe text: ``word x1 ... xd`` per line, no header."""
    return write_atomic(Path(path), _text_rows(wv.words, wv.vectors).encode("utf-8"))


def save_word2vec_binary(wv: WordVectors, path: Path) -> Path:
    """word2vec binary: a ``count dim`` header line, then ``word<space><dim float32>\\n`` per word."""
    out = io.BytesIO()
    out.write(f"{len(wv)} {wv.dim}\n".encode())
    for w, v in zip(wv.words, np.asarray(wv.vectors, dtype="<f4")):
        out.write(w.encode("utf-8") + b" " + v.tobytes() + b"\n")
    return write_atomic(Path(path), out.getvalue())


def save_npz(wv: WordVectors, path: Path, dtype: str = "float16") -> Path:
    """The compact format the plugin ships: newline-joined UTF-8 words and a float16 matrix."""
    buf = io.BytesIO()
    words = np.frombuffer("\n".join(wv.words).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(buf, words=words, vectors=np.asarray(wv.vectors, dtype=dtype))
    return write_atomic(Path(path), buf.getvalue())


def save_vectors(wv: WordVectors, path: Path) -> Path:
    """Save in the format the suffix names: ``.bin`` word2vec binary, ``.txt``/``.vec`` word2vec text,
    ``.glove`` GloVe text, ``.npz`` compact."""
    suffix = Path(path).suffix.lower()
    writers = {".bin": save_word2vec_binary, ".txt": save_word2vec_text, ".vec": save_word2vec_text,
               ".glove": save_glove, ".npz": save_npz}
    if suffix not in writers:
        raise ApophenicError(f"{path}: unknown vectors suffix {suffix!r}; expected one of {', '.join(writers)} or .model")
    return writers[suffix](wv, Path(path))
