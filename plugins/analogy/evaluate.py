"""The Google analogy test set (Mikolov et al. 2013): 19 544 questions in 14 sections,
shipped inside gensim as ``questions-words.txt``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from apophenic.errors import ApophenicError
from apophenic.plugins.analogy.vectors import Method, WordVectors, analogy_scores


def google_questions_path() -> Path:
    """The copy of ``questions-words.txt`` inside the installed gensim (found without importing gensim, which is slow)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise ApophenicError("gensim is not installed; it ships the Google analogy set: pip install gensim")
    path = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / "questions-words.txt"
    if not path.is_file():
        raise ApophenicError(f"{path}: the Google analogy set is missing from this gensim install")
    return path


def read_questions(path: Path | None = None) -> dict[str, list[tuple[str, str, str, str]]]:
    """Section name -> lower-cased questions ``(a, b, c, expected)``."""
    path = path or google_questions_path()
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
            continue
        words = line.lower().split()
        if current is None or len(words) != 4:
            raise ApophenicError(f"{path}:{n}: expected ': section' or four words, got {line!r}")
        sections[current].append(tuple(words))  # type: ignore[arg-type]
    return sections


@dataclass
class SectionScore:
    """Accuracy of one section: ``correct`` of ``covered`` answered questions, out of ``total``."""

    name: str
    total: int
    covered: int
    correct: int

    @property
    def accuracy(self) -> float:
        """Correct / covered (what gensim reports)."""
        return self.correct / self.covered if self.covered else 0.0

    @property
    def coverage(self) -> float:
        """Covered / total: questions whose four words are all in the vocabulary."""
        return self.covered / self.total if self.total else 0.0

    @property
    def accuracy_all(self) -> float:
        """Correct / total, counting uncovered questions as wrong (comparable across vocabularies)."""
        return self.correct / self.total if self.total else 0.0


@dataclass
class Evaluation:
    """Per-section scores and the semantic / syntactic / overall totals."""

    sections: list[SectionScore] = field(default_factory=list)

    def total(self, which: str = "overall") -> SectionScore:
        """Summed score of ``overall``, ``semantic`` (non-``gram`` sections) or ``syntactic`` (``gram*``)."""
        keep = [
            s for s in self.sections
            if which == "overall" or (which == "syntactic") == s.name.startswith("gram")
        ]
        return SectionScore(
            which,
            sum(s.total for s in keep),
            sum(s.covered for s in keep),
            sum(s.correct for s in keep),
        )


def evaluate(
    wv: WordVectors,
    method: Method = "3cosadd",
    limit: int | None = None,
    questions: Path | None = None,
    batch: int = 256,
) -> Evaluation:
    """Answer every question over the whole vocabulary (question words excluded) and score top-1.

    :param limit: at most this many questions per section (quick checks).
    """
    result = Evaluation()
    for name, items in read_questions(questions).items():
        items = items[:limit] if limit is not None else items
        rows, expected = [], []
        for q in items:
            ids = [wv.lookup(w) for w in q]
            if all(i is not None for i in ids):
                rows.append(ids[:3])
                expected.append(ids[3])
        correct = 0
        rows_arr = np.array(rows, dtype=np.int64).reshape(-1, 3)
        for s in range(0, len(rows_arr), batch):
            chunk = rows_arr[s : s + batch]
            scores = analogy_scores(wv.unit, chunk, method)
            np.put_along_axis(scores, chunk, -np.inf, axis=1)
            correct += int((scores.argmax(1) == np.array(expected[s : s + batch])).sum())
        result.sections.append(SectionScore(name, len(items), len(rows), correct))
    return result
