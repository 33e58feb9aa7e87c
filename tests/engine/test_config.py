"""Presets validate against the registered components; errors name file, key path and expectation."""

from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apophenic.errors import ApophenicError, ConfigError
from apophenic.preset_loader import apply_override, load, parse_key, read_toml
from apophenic.presets import FOLDER
from apophenic.registry import get_registry


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


BASE = """
[generator]
type = "fourier"
[[perceivers]]
type = "efficientnet-lite0"
[[objectives]]
type = "class"
target = "goldfish"
"""


def test_every_shipped_preset_validates():
    from apophenic import stages
    from apophenic.preset_loader import load_data

    registry = get_registry()
    for name, (path, _) in registry.presets.items():
        data, source = load_data(name)
        if stages.is_pipeline(data):
            header, parsed = stages.parse(data, source, registry)
            assert header.description and parsed
        else:
            config, _ = load(name)
            assert config.description, name


def test_defaults_fill_in(tmp_path):
    config, _ = load(str(_write(tmp_path, BASE)))
    assert config.optimizer.type == "adam" and config.hw == (224, 224) and config.seed == 0


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ("bogus = 1\n", "bogus", "unknown key"),
        ("seed = 'x'\n", "seed", "valid integer"),
        ("size = [1, 2, 3]\n", "size", "side in pixels"),
    ],
)
def test_top_level_errors(tmp_path, extra, key, message):
    path = _write(tmp_path, extra + BASE)
    with pytest.raises(ConfigError) as err:
        load(str(path))
    assert err.value.key == key and message in str(err.value)
    assert str(err.value).startswith(str(path) + ": ")


def test_unknown_key_in_a_union_branch_names_the_path_and_suggests(tmp_path):
    path = _write(tmp_path, BASE + "tagret = 'x'\n")
    with pytest.raises(ConfigError) as err:
        load(str(path))
    assert err.value.key == "objectives[0].tagret"
    assert "did you mean 'target'" in str(err.value)


def test_unknown_type_suggests_registered_ones(tmp_path):
    path = _write(tmp_path, BASE.replace('type = "fourier"', 'type = "fourir"'))
    with pytest.raises(ConfigError) as err:
        load(str(path))
    assert err.value.key == "generator.type" or err.value.key == "generator"
    assert "did you mean 'fourier'" in str(err.value)


def test_unknown_class_suggests(tmp_path):
    path = _write(tmp_path, BASE.replace("goldfish", "goldfsh"))
    with pytest.raises(ConfigError, match=r"objectives\[0\]\.target: unknown ImageNet class 'goldfsh'; did you mean 'goldfish'"):
        load(str(path))


def test_toml_syntax_error_names_file(tmp_path):
    path = _write(tmp_path, "seed = = 1")
    with pytest.raises(ApophenicError, match=f"{path}: TOML syntax error"):
        load(str(path))


def test_missing_preset_suggests(tmp_path):
    with pytest.raises(ApophenicError, match="did you mean 'imagenet-class'"):
        load("imagenet-clas")


@pytest.mark.parametrize(
    ("assignment", "check"),
    [
        ("seed=7", lambda d: d["seed"] == 7),
        ("objectives[0].target=tick", lambda d: d["objectives"][0]["target"] == "tick"),
        ("objectives.0.target='tick'", lambda d: d["objectives"][0]["target"] == "tick"),
        ("size=[64, 32]", lambda d: d["size"] == [64, 32]),
        ("optimizer.lr=0.1", lambda d: d["optimizer"]["lr"] == 0.1),
        ("generator.type=pixels", lambda d: d["generator"]["type"] == "pixels"),
    ],
)
def test_overrides(assignment, check):
    data = read_toml(FOLDER / "imagenet-class.toml")
    assert check(apply_override(data, assignment))


@pytest.mark.parametrize("bad", ["seed", "=3", "objectives[9].target=x", "a..b=1", "objectives[x]=1"])
def test_bad_overrides_are_one_line_errors(bad):
    data = read_toml(FOLDER / "imagenet-class.toml")
    with pytest.raises(ApophenicError) as err:
        apply_override(data, bad)
    assert "\n" not in str(err.value)


def test_parse_key_forms():
    assert parse_key("a[0].b") == parse_key("a.0.b") == ["a", 0, "b"]


# -- fuzzing: any TOML-shaped input gives a valid config or one clean error line -----------

scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, width=32), st.text(max_size=12), st.booleans())
keys = st.sampled_from(["type", "target", "seed", "size", "steps", "lr", "layer", "channel", "weight", "bogus", "generator",
                        "perceivers", "objectives", "transforms", "optimizer", "held_out", "pixels", "degrees"])
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(keys, values, max_size=6))
def test_fuzzed_presets_fail_cleanly(tmp_path, data):
    path = tmp_path / "fuzz.toml"
    path.write_text(tomli_w.dumps(data))
    try:
        load(str(path))
    except ApophenicError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message and "Traceback" not in message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_fuzzed_bytes_fail_cleanly(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text)
    try:
        load(str(path))
    except ApophenicError as exc:
        assert str(exc).startswith(str(path))


@settings(max_examples=150, deadline=None)
@given(assignment=st.text(max_size=40))
def test_fuzzed_overrides_fail_cleanly(assignment):
    data = read_toml(FOLDER / "imagenet-class.toml")
    try:
        apply_override(data, assignment)
    except ApophenicError as exc:
        assert "\n" not in str(exc)


def test_key_named_like_the_type_tag_keeps_its_path(tmp_path):
    path = _write(tmp_path, BASE.replace('type = "fourier"', 'type = "strokes"\nstrokes = "many"'))
    with pytest.raises(ConfigError) as err:
        load(str(path))
    assert err.value.key == "generator.strokes"
