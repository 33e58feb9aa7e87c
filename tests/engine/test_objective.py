import pytest
import torch

from apophenic.objective import Objective, Perception


def _perception(value: float) -> Perception:
    feats = {"a": {"x": torch.tensor([value])}, "b": {"x": torch.tensor([3 * value])}}
    return Perception(torch.zeros(1, 3, 4, 4), feats, {"a": 1.0, "b": 3.0})


def leaf(name: str, fn) -> Objective:
    return Objective(fn, name, needs=[(None, "x")])


def test_sum_keeps_terms_and_weights():
    a = leaf("a", lambda p: p.features["a"]["x"].sum())
    b = leaf("b", lambda p: p.features["b"]["x"].sum())
    total, terms = (2 * a - b / 2).evaluate(_perception(1.0))
    assert float(total) == pytest.approx(2 * 1 - 3 / 2)
    assert terms == {"a": pytest.approx(1.0), "b": pytest.approx(3.0)}
    assert (2 * a - b / 2).description == "2 × a + -0.5 × b"


def test_sum_starts_from_zero_and_needs_union():
    a = Objective(lambda p: torch.tensor(1.0), "a", needs=[("p", "l1")])
    b = Objective(lambda p: torch.tensor(2.0), "b", needs=[(None, "l2")])
    s = sum([a, b])
    assert s.needs == {("p", "l1"), (None, "l2")}
    assert float(s(_perception(0))) == 3.0


def test_negation_flips_sign():
    a = leaf("a", lambda p: torch.tensor(2.0))
    assert float((-a)(_perception(0))) == -2.0


@pytest.mark.parametrize("other", ["x", [1], None, True])
def test_mixing_with_non_objective_is_a_type_error(other):
    a = leaf("a", lambda p: torch.tensor(1.0))
    with pytest.raises(TypeError, match="combines"):
        a * other if other is not None else a + other
    with pytest.raises(TypeError):
        a + "x"


def test_ensemble_mean_is_weighted():
    p = _perception(1.0)
    assert float(p.mean(lambda f: f["x"].sum())) == pytest.approx((1 * 1 + 3 * 3) / 4)
    assert float(p.mean(lambda f: f["x"].sum(), ["a"])) == pytest.approx(1.0)


def test_duplicate_descriptions_are_kept_apart():
    a = leaf("same", lambda p: torch.tensor(1.0))
    b = leaf("same", lambda p: torch.tensor(2.0))
    _, terms = (a + b).evaluate(_perception(0))
    assert terms == {"same": 1.0, "same #2": 2.0}
