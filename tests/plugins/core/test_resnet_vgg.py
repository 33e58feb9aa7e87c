"""ResNet-50 and VGG-19 perceivers: torchvision-format state dicts, cache lookup, layer taps, errors."""

from __future__ import annotations

import pytest
import torch

from apophenic.component import BuildContext
from apophenic.errors import ApophenicError
from apophenic.plugins.core.resnet import ResNet50, ResNet50Config, load_resnet50
from apophenic.plugins.core.vgg import FEATURE_INDEX, LAYER_NAMES, VGG19, VGG19Config, load_vgg19


def _random_state_like(shapes: dict[str, torch.Tensor], seed: int = 0) -> dict[str, torch.Tensor]:
    """A randomly initialised state dict with the given keys and shapes (small values)."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for k, v in shapes.items():
        if k.endswith("num_batches_tracked"):
            state[k] = torch.tensor(0)
        elif k.endswith("running_var"):
            state[k] = torch.ones(v.shape)  # a variance must be positive
        else:
            state[k] = torch.randn(v.shape, generator=g) * 0.05
    return state


def _random_state(model: torch.nn.Module, seed: int = 0) -> dict[str, torch.Tensor]:
    """A randomly initialised state dict with the model's exact keys and shapes."""
    return _random_state_like(model.state_dict(), seed)


def test_vgg19_keys_and_parameter_count_match_torchvision():
    with torch.device("meta"):
        model = VGG19()
    keys = list(model.state_dict())
    # torchvision vgg19: 16 convs in features, 3 linear layers at classifier.0/3/6, 143,667,240 parameters.
    assert keys[0] == "features.0.weight" and keys[-1] == "classifier.6.bias"
    assert {k.split(".")[1] for k in keys if k.startswith("classifier")} == {"0", "3", "6"}
    assert sum(p.numel() for p in model.parameters()) == 143_667_240
    assert FEATURE_INDEX["relu5_4"] == 35 and LAYER_NAMES[0] == "conv1_1" and len(LAYER_NAMES) == 37


def test_vgg19_features_only_loads_and_taps_readable_layers(tmp_path):
    state = _random_state(VGG19(classifier=False))
    path = tmp_path / "vgg19-random.pth"
    torch.save(state, path)
    model = load_vgg19(path, classifier=False)
    assert torch.equal(model.features[0].weight, state["features.0.weight"])
    x = torch.rand(1, 3, 32, 32)
    seen = {}
    model.layer("conv1_1").register_forward_hook(lambda m, i, o: seen.__setitem__("conv", o.clone()))
    model.layer("relu1_1").register_forward_hook(lambda m, i, o: seen.__setitem__("relu", o))
    out = model(x)
    assert out.shape == (1, 512, 1, 1)
    # ReLUs are not in place: the conv output keeps its negative values.
    assert (seen["conv"] < 0).any() and torch.equal(seen["relu"], seen["conv"].clamp(min=0))
    assert model.layer("features.2") is model.layer("conv1_2")


def test_missing_vgg_weights_say_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    with pytest.raises(ApophenicError) as err:
        VGG19Config().build(BuildContext())
    message = str(err.value)
    assert "\n" not in message
    assert str(tmp_path / "torch-home" / "hub" / "checkpoints") in message and "vgg19-" in message


def test_wrong_state_dict_is_a_one_line_error(tmp_path):
    path = tmp_path / "not-vgg.pth"
    torch.save({"features.0.weight": torch.zeros(1)}, path)
    with pytest.raises(ApophenicError, match="not a torchvision vgg19 state dict"):
        load_vgg19(path)
    with pytest.raises(ApophenicError, match="does not exist"):
        load_vgg19(tmp_path / "absent.pth")


@pytest.mark.slow
def test_vgg19_perceiver_from_torch_cache_gives_logits_and_named_layers(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    with torch.device("meta"):
        shapes = VGG19().state_dict()
    torch.save(_random_state_like(shapes, seed=1), folder / "vgg19-dcbb9e9d.pth")
    p = VGG19Config(name="vgg").build(BuildContext())
    feats = p.perceive(torch.rand(2, 3, 64, 64), ["logits", "relu4_2", "deep", "features.0"])
    assert feats["logits"].shape == (2, 1000)
    assert feats["relu4_2"].shape == (2, 512, 28, 28)  # resized to the native 224 first
    assert feats["deep"].shape == (2, 512, 14, 14)
    assert feats["features.0"].shape == (2, 64, 224, 224)
    assert len(p.labels) == 1000


def test_resnet50_matches_torchvision_layout_and_loads_from_torch_cache(tmp_path, monkeypatch):
    with torch.device("meta"):
        shapes = ResNet50().state_dict()
    # torchvision resnet50: 320 state-dict entries, 25,557,032 parameters, downsample.0/1 shortcuts.
    assert len(shapes) == 320 and "layer4.2.bn3.running_var" in shapes and "layer2.0.downsample.1.weight" in shapes
    assert sum(v.numel() for k, v in shapes.items() if "running" not in k and "num_batches" not in k) == 25_557_032
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    state = _random_state_like(shapes, seed=2)
    torch.save(state, folder / "resnet50-0676ba61.pth")
    p = ResNet50Config(name="rn", resize=96).build(BuildContext())
    assert p.name == "rn" and len(p.labels) == 1000
    x = torch.rand(2, 3, 64, 64)
    feats = p.perceive(x, ["logits", "layer4", "layer1.0", "embedding"])
    assert feats["logits"].shape == (2, 1000) and torch.isfinite(feats["logits"]).all()
    assert feats["layer4"].shape == (2, 2048, 3, 3) and feats["layer1.0"].shape == (2, 256, 24, 24)
    # Same numbers as an ordinarily built model given the same state dict (the meta-device load is exact).
    reference = ResNet50()
    reference.load_state_dict(state)
    reference.eval()
    with torch.no_grad():
        expected = reference(p.prepare(x))
    assert torch.allclose(feats["logits"], expected, atol=1e-5)


def test_missing_resnet_weights_name_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ApophenicError, match=r"resnet50-<hash>\.pth in .*hub/checkpoints"):
        load_resnet50()
