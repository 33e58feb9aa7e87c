"""Testing a plugin the way apophenic loads it, without installing it.

::

    import apophenic_spirograph
    from apophenic.testing import plugin_registry

    registry = plugin_registry("spirograph", apophenic_spirograph)
    config = registry.config("generator", "spirograph")(curves=3)
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apophenic.registry import Registry


def plugin_registry(name: str, module: ModuleType | object, *, with_plugins: str = "core") -> "Registry":
    """A fresh registry of the installed plugins named in ``with_plugins`` (comma-separated;
    default the built-in ``core``) plus ``module`` registered as plugin ``name``.

    Other installed plugins — an installed copy of the one under test included — stay out, so
    the test sees exactly what it names. A plugin that fails to load raises ``AssertionError``
    with the reason (unknown hook, name clash, an exception in a hook).
    """
    from apophenic.registry import load

    before = os.environ.get("APOPHENIC_LOAD_PLUGINS")
    os.environ["APOPHENIC_LOAD_PLUGINS"] = with_plugins
    try:
        registry = load(extra=[(name, module)])
    finally:
        if before is None:
            os.environ.pop("APOPHENIC_LOAD_PLUGINS", None)
        else:
            os.environ["APOPHENIC_LOAD_PLUGINS"] = before
    info = registry.plugins[name]
    assert not info.broken, f"plugin {name!r} is broken: {info.error}"
    return registry
