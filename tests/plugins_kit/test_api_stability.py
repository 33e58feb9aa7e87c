"""The public API is listed in docs/plugins/API.txt; changing it without updating the list fails here."""

from __future__ import annotations

import difflib

from kit_helpers import DOCS

import apophenic
from apophenic.api import describe


def test_public_api_matches_the_committed_list():
    listed = (DOCS / "API.txt").read_text()
    now = describe()
    diff = "".join(difflib.unified_diff(listed.splitlines(True), now.splitlines(True), "API.txt", "code"))
    assert now == listed, (
        "the public API changed; if that is intended, run `python -m apophenic.api > docs/plugins/API.txt`, "
        "review the diff and mind the version number:\n" + diff
    )


def test_the_list_covers_all_exports_and_hooks():
    text = describe()
    for name in apophenic.__all__:
        assert f"\n{name}: " in text
    assert "def register_generators(register: Callable[[type], None]) -> None" in text
    assert "    def render(self) -> torch.Tensor" in text


def test_a_change_to_an_interface_shows_in_the_list(monkeypatch):
    from apophenic.generator import Generator

    before = describe()

    def snapshot(self, folder) -> None:
        """A new public method."""

    monkeypatch.setattr(Generator, "snapshot", snapshot, raising=False)
    after = describe()
    assert before != after and "    def snapshot(self, folder) -> None" in after
