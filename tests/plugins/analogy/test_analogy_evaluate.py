"""The Google analogy evaluation: exact on constructed vectors, sensible on the shipped ones."""

from __future__ import annotations

from apophenic.plugins.analogy import shipped
from apophenic.plugins.analogy.evaluate import evaluate, read_questions


def test_google_set_has_its_14_sections():
    sections = read_questions()
    assert len(sections) == 14
    assert sum(len(q) for q in sections.values()) == 19_544
    assert sections["family"][0] == ("boy", "girl", "brother", "sister")


def test_accuracy_and_coverage_count_right(small_vectors, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(
        ": royalty\nman king woman queen\nwoman queen man king\nman king woman zebra\n"
        ": gram-nothing\nman woman king apple\n"
    )
    result = evaluate(small_vectors, questions=questions)
    royalty, gram = result.sections
    assert (royalty.total, royalty.covered, royalty.correct) == (3, 2, 2)  # zebra is unknown
    assert royalty.accuracy == 1.0 and abs(royalty.coverage - 2 / 3) < 1e-9
    assert gram.correct == 0 and gram.covered == 1
    assert result.total("semantic").name == "semantic" and result.total("syntactic").covered == 1
    assert result.total().correct == 2 and result.total().total == 4


def test_shipped_vectors_score_well_on_a_sample():
    result = evaluate(shipped.load(), limit=40)
    overall = result.total()
    assert overall.covered > 300
    assert overall.accuracy > 0.5  # measured 70 % on all 19,544 (docs/analogy.md)
