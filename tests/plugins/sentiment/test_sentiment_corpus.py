import json

import numpy as np
import pytest
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment.corpus import binary_labels, is_held_out, read_documents, split
from sentiment_support import SHARED


def test_reads_csv_with_header_and_labels(imdb_small):
    docs = read_documents(imdb_small, text="review", label="sentiment")
    assert len(docs.texts) == 80 and len(docs.labels) == 80
    assert set(docs.labels) == {"positive", "negative"}


def test_headerless_csv_gets_named_columns(tmp_path):
    raw = (SHARED / "pang_lee_polarity_sentences.csv").read_bytes()
    lines = raw.splitlines()
    path = tmp_path / "pl.csv"
    path.write_bytes(b"\n".join(lines[:20] + lines[-20:]) + b"\n")  # the file is sorted by label
    docs = read_documents(path, text="text", label="label", columns=["label", "text"])
    y, classes = binary_labels(docs.labels, "pl")
    assert classes == ["-1", "1"] and y.sum() > 0
    assert not docs.texts[0].startswith("\ufeff")  # the byte-order mark is gone


def test_tsv_keeps_quotes_inside_sentences(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text('reviews\tsentiment\nA "very" good film.\t1\n"Bad\t0\nok\t1\n')
    docs = read_documents(path, "tsv", text="reviews", label="sentiment")
    assert docs.texts == ['A "very" good film.', '"Bad', "ok"]


def test_jsonl_and_plain_text(tmp_path):
    j = tmp_path / "r.jsonl"
    j.write_text("\n".join(json.dumps({"body": t, "stars": s}) for t, s in [("great", 5), ("awful", 1)]))
    docs = read_documents(j, text="body", label="stars")
    assert docs.texts == ["great", "awful"] and docs.labels == ["5", "1"]
    t = tmp_path / "r.txt"
    t.write_text("first review\n\nsecond review\n")
    assert read_documents(t).texts == ["first review", "second review"]


def test_html_breaks_become_newlines(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text('review,sentiment\n"Good.<br /><br />Really.",positive\n')
    assert read_documents(path, text="review", strip_html=True).texts == ["Good.\n\nReally."]


def test_missing_column_names_file_and_columns(imdb_small):
    with pytest.raises(ApophenicError, match=r"imdb_small.csv: no column 'text'; the columns are 'review', 'sentiment'"):
        read_documents(imdb_small, text="text")


def test_empty_corpus_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n \n")
    with pytest.raises(ApophenicError, match="no text"):
        read_documents(path)


def test_labels_must_be_two_classes():
    with pytest.raises(ApophenicError, match="exactly two classes; found 3"):
        binary_labels(["1", "2", "3"], "stars.csv")
    with pytest.raises(ApophenicError, match="exactly two classes; found 1"):
        binary_labels(["pos", "pos"], "one.csv")
    y, classes = binary_labels(["negative", "positive", "positive"], "x")
    assert classes == ["negative", "positive"] and y.tolist() == [0, 1, 1]


def test_split_is_disjoint_complete_and_seeded():
    tr, te = split(1000, 0.2, seed=3)
    assert 160 <= len(te) <= 240 and len(tr) + len(te) == 1000
    assert all(is_held_out(i, 0.2, 3) for i in te)  # what a streaming reader decides document by document
    tr, te = split(100, 0.2, seed=3)
    assert set(tr) | set(te) == set(range(100)) and not set(tr) & set(te)
    _, te2 = split(100, 0.2, seed=3)
    assert np.array_equal(te, te2)
    assert not np.array_equal(te, split(100, 0.2, seed=4)[1])


def test_gzip_and_jsonl_stream_the_same_documents(tmp_path, imdb_small):
    import gzip

    from apophenic.plugins.sentiment.corpus import iter_documents

    plain = read_documents(imdb_small, text="review", label="sentiment")
    packed = tmp_path / "reviews.csv.gz"
    packed.write_bytes(gzip.compress(imdb_small.read_bytes()))
    assert read_documents(packed, text="review", label="sentiment").texts == plain.texts  # format from the name under .gz
    lines = tmp_path / "reviews.jsonl.gz"
    with gzip.open(lines, "wt", encoding="utf-8") as f:
        for t, y in zip(plain.texts, plain.labels):
            f.write(json.dumps({"reviewText": t, "overall": y}) + "\n")
    assert [t for t, _ in iter_documents(lines, text="reviewText")] == plain.texts
    stream = iter_documents(lines, text="reviewText")
    assert next(stream)[0] == plain.texts[0]  # a stream: the first document comes before the file is read through


def test_truncated_gzip_is_a_one_line_error(tmp_path, imdb_small):
    import gzip

    from apophenic.plugins.sentiment.corpus import iter_documents

    packed = gzip.compress(imdb_small.read_bytes() * 20)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ApophenicError, match=r"cut.csv.gz: cannot read past document \d+") as exc:
        for _ in iter_documents(path, text="review"):
            pass
    assert "\n" not in str(exc.value)


def test_held_out_documents_never_reach_the_training_streams(imdb_small):
    from apophenic.plugins.sentiment.streams import Source, epoch_documents, held_out_bytes

    texts = read_documents(imdb_small, text="review").texts
    _, held = split(len(texts), 0.2, 0)
    source = Source(imdb_small, text="review")
    trained = set(epoch_documents([source], 0.2, 0, seed=1, epoch=0, shuffle_buffer=7))
    assert len(trained) == len(texts) - len(held)
    assert not {("\x1e" + texts[i]).encode() for i in held} & trained
    assert held_out_bytes([source], 0.2, 0, 10**6).startswith(("\x1e" + texts[held[0]]).encode())


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400), fmt=st.sampled_from(["text", "csv", "tsv", "jsonl"]), gz=st.booleans())
def test_any_bytes_give_documents_or_one_line_error(tmp_path, raw, fmt, gz):
    """Whatever a corpus file holds, reading it yields text or an ApophenicError of one line."""
    import gzip

    from apophenic.plugins.sentiment.corpus import iter_documents

    path = tmp_path / f"fuzz.{fmt}{'.gz' if gz else ''}"
    path.write_bytes(gzip.compress(raw)[: max(1, len(raw) // 2)] if gz and raw and raw[0] % 2 else
                     (gzip.compress(raw) if gz else raw))
    try:
        for text, _ in iter_documents(path, text="text", columns=["text"] if fmt in ("csv", "tsv") else None):
            assert isinstance(text, str) and text.strip()
    except ApophenicError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
