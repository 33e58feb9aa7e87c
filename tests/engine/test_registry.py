"""Plugins load in isolation: a broken one is reported by name and the rest keep working."""

from typing import Literal

import pytest

from apophenic import GeneratorConfig, hookimpl
from apophenic.registry import load


class Misspelled:
    @hookimpl
    def register_generator(self, register):  # missing the final "s"
        pass


class RaisesInHook:
    @hookimpl
    def register_generators(self, register):
        raise RuntimeError("boom")


class ClashingFourier(GeneratorConfig):
    type: Literal["fourier"] = "fourier"


class Clashes:
    @hookimpl
    def register_generators(self, register):
        register(ClashingFourier)


class Fine:
    class Dots(GeneratorConfig):
        """Dots for tests."""

        type: Literal["test-dots"] = "test-dots"

    @hookimpl
    def register_generators(self, register):
        register(self.Dots)


def test_builtins_load_through_entry_points():
    registry = load()
    assert registry.plugins["core"].hooks and not registry.plugins["core"].broken
    assert "fourier" in registry.components["generator"]
    assert "imagenet-class" in registry.presets


def test_misspelled_hook_names_the_plugin_and_the_fix():
    registry = load(extra=[("typo", Misspelled())])
    assert registry.plugins["typo"].error == "implements unknown hook 'register_generator'; did you mean 'register_generators'?"
    assert not registry.plugins["core"].broken


def test_a_raising_hook_breaks_only_its_plugin():
    registry = load(extra=[("boom", RaisesInHook()), ("fine", Fine())])
    assert "boom" in registry.plugins["boom"].error
    assert "test-dots" in registry.components["generator"]


def test_a_name_clash_is_reported_and_the_first_registration_kept():
    registry = load(extra=[("clash", Clashes())])
    assert "already registered" in registry.plugins["clash"].error and "'core'" in registry.plugins["clash"].error
    assert registry.components["generator"]["fourier"].plugin == "core"


def test_load_only_named_entry_points(monkeypatch):
    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "")
    assert load().plugins == {}
    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "core")
    assert list(load().plugins) == ["core"]


def test_trace_prints_hook_calls(monkeypatch, capsys):
    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "core")
    monkeypatch.setenv("APOPHENIC_TRACE_PLUGINS", "1")
    registry = load()
    registry.hook.on_finish(result=None)
    err = capsys.readouterr().err
    assert "[apophenic] call on_finish" in err


def test_registered_config_joins_the_preset_union():
    from apophenic.config import validate

    registry = load(extra=[("fine", Fine())])
    config = validate({"generator": {"type": "test-dots"}, "objectives": []}, registry, None)
    assert config.generator.type == "test-dots"
