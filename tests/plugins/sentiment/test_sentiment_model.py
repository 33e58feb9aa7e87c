import pickle

import pytest
import torch
from apophenic.errors import ApophenicError
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.model import ByteLM, ModelSpec, clamp_unit


@pytest.mark.parametrize("arch", ["lstm", "mlstm"])
def test_forward_shapes_and_state_carry(arch):
    torch.manual_seed(0)
    model = ByteLM(ModelSpec(arch, hidden=10, layers=2, embed=6))
    x = torch.randint(0, 256, (3, 9))
    logits, state, cells = model(x, keep_cells=True)
    assert logits.shape == (3, 9, 256) and cells.shape == (3, 9, 10) and len(state) == 2
    # Reading in two halves with the carried state equals reading at once.
    a, s, _ = model(x[:, :4])
    b, _, _ = model(x[:, 4:], s)
    assert torch.allclose(torch.cat([a, b], 1), logits, atol=1e-5)


@pytest.mark.parametrize("arch", ["lstm", "mlstm"])
def test_clamp_fixes_the_unit_and_changes_predictions(arch):
    torch.manual_seed(0)
    model = ByteLM(ModelSpec(arch, hidden=8, embed=4))
    x = torch.randint(0, 256, (2, 5))
    free, _, _ = model(x)
    clamped, _, cells = model(x, steer=clamp_unit(3, 2.5), keep_cells=True)
    assert torch.all(cells[:, :, 3] == 2.5)
    assert not torch.allclose(free, clamped)


@pytest.mark.parametrize("arch", ["lstm", "mlstm"])
def test_fused_sequence_equals_the_step_by_step_loop(arch):
    """The fast path (nn.LSTM / the TorchScript mLSTM) computes what the steerable step loop computes."""
    torch.manual_seed(0)
    model = ByteLM(ModelSpec(arch, hidden=10, layers=2, embed=6))
    x = torch.randint(0, 256, (3, 9))
    fast, state, cells = model(x, keep_cells=True)
    slow, slow_state, slow_cells = model(x, keep_cells=True, steer=lambda c: c)  # identity steer: the loop
    assert torch.allclose(fast, slow, atol=1e-5) and torch.allclose(cells, slow_cells, atol=1e-5)
    assert all(torch.allclose(a, b, atol=1e-5) for (a, _), (b, _) in zip(state, slow_state))


def test_mlstm_backward_matches_autograd_through_the_loop():
    torch.manual_seed(0)
    model = ByteLM(ModelSpec("mlstm", hidden=7, layers=1, embed=5)).double()
    x = torch.randint(0, 256, (2, 6))
    fast, _, _ = model(x)
    grads = torch.autograd.grad(fast.square().sum(), list(model.parameters()))
    slow, _, _ = model(x, steer=lambda c: c)
    ref = torch.autograd.grad(slow.square().sum(), list(model.parameters()))
    assert all(torch.allclose(a, b, atol=1e-9) for a, b in zip(grads, ref))


def test_checkpoint_round_trip_half(tmp_path):
    torch.manual_seed(0)
    model = ByteLM(ModelSpec("lstm", hidden=8, embed=4))
    path = checkpoint.save(tmp_path / "m.pt", model, {"note": "x"}, unit={"unit": 2}, half=True)
    raw = torch.load(path, weights_only=True)  # plain weights: no pickled classes
    assert raw["state_dict"]["out.weight"].dtype == torch.float16
    loaded = checkpoint.load(path)
    assert loaded.unit == {"unit": 2} and loaded.meta == {"note": "x"}
    x = torch.randint(0, 256, (1, 6))
    assert torch.allclose(loaded.model(x)[0], model(x)[0], atol=2e-2)
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file is gone


def test_other_architecture_is_a_one_line_error(tmp_path):
    path = checkpoint.save(tmp_path / "lstm.pt", ByteLM(ModelSpec("lstm", hidden=8, embed=4)), {})
    payload = torch.load(path, weights_only=True)
    payload["spec"]["architecture"] = "mlstm"  # weights of an LSTM labelled as an mLSTM
    torch.save(payload, tmp_path / "lied.pt")
    with pytest.raises(ApophenicError, match=r"lied.pt: weights do not fit a mlstm model") as exc:
        checkpoint.load(tmp_path / "lied.pt")
    assert "\n" not in str(exc.value)
    torch.save({"conv.weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ApophenicError, match="not an apophenic sentiment checkpoint"):
        checkpoint.load(tmp_path / "other.pt")


class NotWeights:
    pass


def test_pickle_that_is_not_weights_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"format": checkpoint.FORMAT, "obj": NotWeights()}, f)
    with pytest.raises(ApophenicError, match="not a weights-only checkpoint") as exc:
        checkpoint.load(path)
    assert "\n" not in str(exc.value)
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ApophenicError, match="not a weights-only checkpoint"):
        checkpoint.load(tmp_path / "text.pt")
