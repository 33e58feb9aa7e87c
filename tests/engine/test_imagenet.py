import pytest

from apophenic.errors import ApophenicError
from apophenic.imagenet import class_names, match_class, search


def test_thousand_standard_names():
    names = class_names()
    assert len(names) == 1000
    assert names[1].startswith("goldfish")


@pytest.mark.parametrize("name", ["goldfish", "Goldfish", "goldfish, Carassius auratus", " GOLDFISH ", "Carassius auratus", 1, "1"])
def test_forgiving_match(name):
    assert match_class(name) == 1


def test_separators_are_forgiven():
    assert match_class("electric_fan") == match_class("Electric-Fan") == match_class("electric fan")


def test_unknown_name_suggests_closest():
    with pytest.raises(ApophenicError, match="did you mean 'goldfish'"):
        match_class("goldfsh")


def test_index_out_of_range():
    with pytest.raises(ApophenicError, match="0..999"):
        match_class(1000)


def test_search_needs_every_word():
    hits = search("golden retriever")
    assert [i for i, _ in hits] == [207]
