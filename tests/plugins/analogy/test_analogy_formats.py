"""Vectors files: every supported format round-trips; unknown or truncated files are one-line errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.formats import (
    detect,
    load_vectors,
    save_glove,
    save_npz,
    save_word2vec_binary,
    save_word2vec_text,
)
from apophenic.plugins.analogy.vectors import WordVectors


@pytest.mark.parametrize(
    ("writer", "name", "fmt", "tolerance"),
    [
        (save_word2vec_text, "v.txt", "word2vec-text", 1e-5),
        (save_word2vec_binary, "v.bin", "word2vec-binary", 0.0),
        (save_glove, "v.glove", "glove", 1e-5),
        (save_npz, "v.npz", "npz", 2e-3),
    ],
)
def test_round_trip(small_vectors, tmp_path, writer, name, fmt, tolerance):
    path = writer(small_vectors, tmp_path / name)
    assert detect(path.read_bytes()) == fmt
    loaded = load_vectors(path)
    assert loaded.words == small_vectors.words
    np.testing.assert_allclose(loaded.vectors, small_vectors.vectors, rtol=tolerance, atol=tolerance * 10)
    assert loaded.analogy("man", "king", "woman", k=1)[0][0] == "queen"


def test_gensim_native_model_is_refused_with_the_conversion_and_gensim_word2vec_is_read(small_vectors, tmp_path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=small_vectors.dim)
    kv.add_vectors(small_vectors.words, small_vectors.vectors)
    kv.save(str(tmp_path / "v.model"))
    with pytest.raises(ApophenicError, match="save_word2vec_format"):
        load_vectors(tmp_path / "v.model")
    # gensim's own word2vec writer is read too, also gzip-compressed
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    (tmp_path / "g.bin.gz").write_bytes(gzip.compress((tmp_path / "g.bin").read_bytes()))
    loaded = load_vectors(tmp_path / "g.bin.gz")
    np.testing.assert_allclose(loaded.vectors, small_vectors.vectors, rtol=1e-6)


def test_limit_reads_the_first_words(small_vectors, tmp_path):
    path = save_word2vec_binary(small_vectors, tmp_path / "v.bin")
    assert load_vectors(path, limit=3).words == small_vectors.words[:3]
    assert load_vectors(save_glove(small_vectors, tmp_path / "v.glove"), limit=2).words == small_vectors.words[:2]


def _cut(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda v, d: _cut(save_word2vec_binary(v, d / "v.bin"), 0.6), "truncated"),
        (lambda v, d: _cut(save_word2vec_text(v, d / "v.txt"), 0.6), "truncated"),
        (lambda v, d: _write(d / "x.vec", b"\x00\x01binary junk\xff\xfe"), "unknown vectors format"),
        (lambda v, d: _write(d / "x.txt", b"hello world\nthis is prose\n"), "unknown vectors format"),
        (lambda v, d: _write(d / "empty.txt", b""), "unknown vectors format"),
        (lambda v, d: _write(d / "x.model", b"\x80\x04garbage"), "never loaded because unpickling runs code"),
        (lambda v, d: _write(d / "x.npz", b"PK\x03\x04broken"), "not an apophenic vectors .npz"),
        (lambda v, d: d / "missing.bin", "no such vectors file"),
    ],
)
def test_bad_files_are_one_line_errors(small_vectors, tmp_path, make, message):
    path = make(small_vectors, tmp_path)
    with pytest.raises(ApophenicError, match=message) as info:
        load_vectors(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_words_with_repeats_keep_the_first_row(tmp_path):
    wv = WordVectors(["a", "b", "a"], np.eye(3, dtype=np.float32))
    assert wv.row("a") == 0
