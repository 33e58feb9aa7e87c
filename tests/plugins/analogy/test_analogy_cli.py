"""The ``apophenic analogy`` commands, end to end, and their bad-input behaviour."""

from __future__ import annotations

import pytest

from apophenic.plugins.analogy.formats import save_word2vec_binary


def test_query_shows_queen(run_cli):
    code, out, err = run_cli(["analogy", "query", "man", "king", "woman", "--top-k", "3"])
    assert code == 0, err
    assert "queen" in out and "man : king :: woman : ?" in out


def test_query_with_own_vectors_and_3cosmul(run_cli, small_vectors, tmp_path):
    path = save_word2vec_binary(small_vectors, tmp_path / "v.bin")
    code, out, err = run_cli(["analogy", "query", "man", "king", "woman", "--vectors", str(path), "--method", "3cosmul"])
    assert code == 0, err
    assert out.index("queen") < out.index("boy") if "boy" in out else "queen" in out


def test_evaluate_prints_sections(run_cli):
    code, out, err = run_cli(["analogy", "evaluate", "--limit", "5"])
    assert code == 0, err
    for name in ("capital-common-countries", "gram9-plural-verbs", "semantic", "syntactic", "overall"):
        assert name in out


def test_plot_writes_svg_and_png(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["analogy", "plot", "man", "king", "woman"])
    assert code == 0, err
    svg, png = tmp_path / "analogy-man-king-woman-queen.svg", tmp_path / "analogy-man-king-woman-queen.png"
    assert svg.read_text().count("<polygon") == 4  # four arrow heads
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analogy", "query", "man", "king"], "exactly three words"),
        (["analogy", "query", "man", "king", "wmoan"], "'woman'"),
        (["analogy", "query", "man", "king", "woman", "--method", "nope"], "3cosadd, 3cosmul"),
        (["analogy", "query", "a", "b", "c", "--vectors", "{d}/missing.bin"], "no such vectors file"),
        (["analogy", "query", "a", "b", "c", "--vectors", "{d}/junk.bin"], "unknown vectors format"),
        (["analogy", "plot", "man", "king", "woman", "--out", "{d}/fig.jpg"], "expected a .svg or .png"),
        (["analogy", "plot", "man", "kingg", "woman", "--out", "{d}/fig.svg"], "not in the vocabulary"),
        (["analogy", "train", "{d}/missing.txt", "--out", "{d}/v.model"], "no such corpus file"),
        (["analogy", "train", "{d}/empty.txt", "--out", "{d}/v.model"], "corpus is empty"),
        (["analogy", "image", "{d}/missing.png", "{d}/junk.bin", "{d}/junk.bin", "--out", "{d}/runs"], "no such image file"),
        (["analogy", "image", "{d}/junk.bin", "{d}/junk.bin", "--out", "{d}/runs"], "exactly three images"),
        (["analogy", "scene", "{d}/junk.bin", "{d}/junk.bin", "{d}/junk.bin", "--out", "{d}/d.svg"], "junk.bin"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(run_cli, tmp_path, args, message):
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01\x02 not vectors")
    (tmp_path / "empty.txt").write_text("")
    before = sorted(tmp_path.rglob("*"))
    code, out, err = run_cli([a.replace("{d}", str(tmp_path)) for a in args])
    assert code == 2, (out, err)
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before
