"""The bounded TOML/JSON reader: deep nesting and oversize are one-line errors, real data reads."""

from __future__ import annotations

import pytest

from apophenic.errors import ApophenicError
from apophenic.structured import MAX_DEPTH, depth, loads_json, loads_toml, loads_toml_value


def test_depth_counts_containers_without_recursion():
    value: list = []
    for _ in range(100_000):  # far deeper than the stack: must not raise RecursionError
        value = [value]
    assert depth(value) == MAX_DEPTH + 1  # stops counting once past the limit
    assert depth({"a": [1, {"b": 2}]}) == 3 and depth(5) == 0


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_nesting_past_the_limit_is_one_line_naming_the_source(levels):
    with pytest.raises(ApophenicError, match="recipe.png: .*nests deeper than 64"):
        loads_json("[" * levels + "]" * levels, "recipe.png")
    with pytest.raises(ApophenicError, match="p.toml: .*nests deeper than 64"):
        loads_toml("x = " + "[" * levels + "]" * levels, "p.toml")


def test_data_within_the_limit_reads_as_before():
    assert loads_json('{"config": {"size": [[1]]}}', "r") == {"config": {"size": [[1]]}}
    assert loads_toml("a = [[1, 2]]\n[t]\nb = 'x'", "p") == {"a": [[1, 2]], "t": {"b": "x"}}
    assert loads_toml_value("[1, 2]", "--set") == [1, 2]
    assert loads_toml_value("not toml", "--set") == "not toml"  # a bare word stays a string


def test_syntax_errors_are_one_line():
    with pytest.raises(ApophenicError, match="r: JSON is not valid JSON"):
        loads_json("{", "r")
    with pytest.raises(ApophenicError, match="p: TOML syntax error"):
        loads_toml("a = = 1", "p")
