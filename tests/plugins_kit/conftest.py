"""Fixtures of the plugin authors' kit: throwaway registries and a temporary venv."""

from __future__ import annotations

import pytest
from kit_helpers import Venv


@pytest.fixture
def core_and(monkeypatch):
    """``core_and(name=module, ...)``: a registry of the core plugin plus the given plugins.

    The process-wide registry is also emptied for the test (and restored after),
    so nothing loaded here leaks into other tests.
    """
    from apophenic import registry as registry_module

    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "core")
    monkeypatch.setattr(registry_module, "_registry", None)

    def make(**plugins):
        registry = registry_module.load(extra=list(plugins.items()))
        for name in plugins:
            assert not registry.plugins[name].broken, registry.plugins[name].error
        return registry

    return make


@pytest.fixture
def plugin_venv(tmp_path) -> Venv:
    """A throwaway venv seeing the installed apophenic; plugins installed here never reach other test runs."""
    return Venv(tmp_path / "venv")
