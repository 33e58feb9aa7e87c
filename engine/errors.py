"""Errors a user can act on.

Anything raised as :class:`ApophenicError` reaches the user as one line (no
traceback) and the CLI exits with code 2. Raise it for bad input: files,
preset keys, names. Bugs stay ordinary exceptions so they keep their traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class ApophenicError(Exception):
    """Bad input the user can fix; the message is shown as is."""

    exit_code = 2


class NonFiniteLoss(ApophenicError):
    """The objective became NaN or infinite (a learning rate or weight too high); nothing is written."""


class ConfigError(ApophenicError):
    """A preset or override value is wrong.

    :param source: the file (or ``--set``) the value came from.
    :param key: the key path inside it, e.g. ``objectives[0].target``.
    :param expected: what would have been accepted.
    """

    def __init__(self, source: str | Path | None, key: str, expected: str) -> None:
        self.source = str(source) if source is not None else None
        self.key = key
        self.expected = expected
        where = ": ".join(p for p in (self.source, key) if p)
        super().__init__(f"{where}: {expected}" if where else expected)


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The valid names nearest to a misspelled one, best first."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> str:
    """A one-line message for a name that is not in a list, with suggestions."""
    choices = sorted(choices)
    near = closest(name, choices)
    if near:
        return f"unknown {kind} {name!r}; did you mean {', '.join(map(repr, near))}?"
    shown = ", ".join(map(repr, choices[:12])) + (" ..." if len(choices) > 12 else "")
    return f"unknown {kind} {name!r}; expected one of {shown}"
