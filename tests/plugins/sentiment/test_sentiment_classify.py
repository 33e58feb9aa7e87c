"""``apophenic sentiment classify``: the shipped bag-of-words classifier on real held-out reviews."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apophenic.plugins.sentiment import classifier
from apophenic.plugins.sentiment.corpus import binary_labels, read_documents, split
from sentiment_support import SHARED, run_cli


def test_shipped_classifier_is_right_on_held_out_reviews():
    path = SHARED / "pang_lee_polarity_reviews.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    docs = read_documents(path, text="text", label="label", columns=["label", "text"])
    y, _ = binary_labels(docs.labels, "pl")
    _, test = split(len(docs.texts), 0.2, 0)  # never seen by the classifier
    p = classifier.load().positive_probability([docs.texts[i] for i in test[:150]])
    assert ((p > 0.5) == y[test[:150]]).mean() > 0.8


def test_numpy_scoring_equals_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = ["a great great film", "awful film, truly awful", "great acting", "an awful plot", "great fun", "awful awful"]
    y = np.array([1, 0, 1, 0, 1, 0])
    model = classifier.fit(texts * 3, np.tile(y, 3), cs=(1.0,))
    vec = TfidfVectorizer(analyzer=classifier.terms, min_df=2, sublinear_tf=True).fit(texts * 3)
    ref = LogisticRegression(C=1.0, max_iter=3000).fit(vec.transform(texts * 3), np.tile(y, 3))
    queries = ["great", "awful film", "nothing known here", "great great awful"]
    assert np.allclose(model.positive_probability(queries), ref.predict_proba(vec.transform(queries))[:, 1], atol=1e-9)


def test_cli_classifies_texts_and_files(tmp_path, capsys):
    review = tmp_path / "review.txt"
    review.write_text("A tedious, clumsy mess. The worst film of the year.\n")
    many = tmp_path / "many.txt"
    many.write_text("an absolute delight from start to finish\n\nboring and badly acted\n")
    assert run_cli(["sentiment", "classify", "A wonderful, moving film with superb acting.", str(review), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["label"] for r in rows] == ["positive", "negative"] and rows[1]["source"] == str(review)
    assert run_cli(["sentiment", "classify", str(many), "--lines"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in out] == ["positive", "negative"]


@pytest.mark.parametrize("args, expected", [
    ([""], "an empty text"),
    (["{tmp}"], "is a folder"),
    (["{tmp}/empty.txt"], "empty.txt: the file has no text"),
    (["good", "--classifier", "{tmp}/empty.txt"], "not a review classifier"),
    (["good", "--classifier", "{tmp}/none.npz"], "none.npz: no such classifier file"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, expected):
    (tmp_path / "empty.txt").write_text("\n  \n")
    code = run_cli(["sentiment", "classify", *[a.format(tmp=tmp_path) for a in args]])
    err = capsys.readouterr().err.strip()
    assert code == 2 and expected in err and len(err.splitlines()) == 1
