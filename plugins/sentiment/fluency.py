"""A fluency number for generated text: the share of its tokens that are dictionary words.

Tokens are whitespace-separated; punctuation around a token is dropped, a token
that is only punctuation is not counted, numbers count as words, and a
contraction counts when its stem is a word (``film's``, ``didn't``). The
dictionary is the 52,599-word vocabulary of the analogy plugin's shipped
vectors (whole lowercase words of all-MiniLM-L6-v2 plus frequent words of the
shared English corpus), shipped again here as this plugin's own data.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "dictionary-words.txt.gz"
_SUFFIXES = {"s", "t", "re", "ve", "ll", "d", "m", ""}
_NUMBER = re.compile(r"^\d+([.,:/]\d+)*(st|nd|rd|th|s)?$")


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The shipped vocabulary."""
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def is_word(token: str, words: frozenset[str]) -> bool | None:
    """Whether ``token`` is a dictionary word; ``None`` when it is only punctuation (not counted)."""
    core = token.strip(string.punctuation + "\u2018\u2019\u201c\u201d").lower().replace("\u2019", "'")
    if not core:
        return None
    if core in words or _NUMBER.match(core):
        return True
    stem, *rest = core.split("'")
    if rest and all(r in _SUFFIXES for r in rest):
        return stem in words or (stem.endswith("n") and stem[:-1] in words)  # didn't -> did + n't
    return False


def fluency(texts: list[str], words: frozenset[str] | None = None) -> float:
    """Share of all counted tokens of ``texts`` that are dictionary words (0..1)."""
    words = words if words is not None else dictionary_words()
    verdicts = [v for t in texts for v in (is_word(tok, words) for tok in t.split()) if v is not None]
    return sum(verdicts) / len(verdicts) if verdicts else 0.0
