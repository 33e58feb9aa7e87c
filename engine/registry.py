"""Finding, loading and isolating plugins; the registry of what they provide.

Loading is lazy (first use), idempotent (cached) and controllable:

- loading imports the plugins and collects their presets; the component hooks
  (``register_generators`` ...) run the first time components are looked up, because
  the config classes live in modules that import torch and ``apophenic --help``,
  ``apophenic presets`` and ``apophenic plugins`` must answer without it;

- ``APOPHENIC_LOAD_PLUGINS=a,b`` loads only those entry points (empty: none);
- ``APOPHENIC_TRACE_PLUGINS=1`` prints every hook call and its result to stderr.

Presets come from plugins (``register_presets``) and from user folders:
``APOPHENIC_PRESETS_PATH`` (folders separated by ``os.pathsep``), then the
platform config folder (``~/.config/apophenic/presets`` on Linux). On a name
clash the first of these wins: user folders in that order, then plugins.

A plugin that fails to import, implements a hook that does not exist, raises
in a hook or registers a name another plugin already took is recorded as
broken with the reason; every other plugin keeps working.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from apophenic import hookspecs
from apophenic.errors import ApophenicError, closest, unknown_name

ENTRY_POINT_GROUP = "apophenic"
PRESETS_PATH_ENV = "APOPHENIC_PRESETS_PATH"
KINDS = ("generator", "perceiver", "objective", "transform", "optimizer")


@dataclass
class PluginInfo:
    """One plugin as ``apophenic plugins`` shows it."""

    name: str
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def broken(self) -> bool:
        return self.error is not None


@dataclass
class Registration:
    config: type
    plugin: str


class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    def __init__(self) -> None:
        self._components: dict[str, dict[str, Registration]] = {k: {} for k in KINDS}
        self.presets: dict[str, tuple[Path, str]] = {}
        self._plugins: dict[str, PluginInfo] = {}
        self.manager: pluggy.PluginManager | None = None
        # Plugins whose component hooks have not run yet, in load order; see collect_components.
        self._pending: list[str] = []
        self._builtins: set[str] = set()
        self._lock = threading.RLock()
        self._collecting = False

    # -- lazy component hooks --------------------------------------------------------
    @property
    def components(self) -> dict[str, dict[str, Registration]]:
        """Registered config classes by kind and name (runs the component hooks on first use)."""
        self.collect_components()
        return self._components

    @property
    def plugins(self) -> dict[str, PluginInfo]:
        """Every plugin with its final status, component hooks included (they may import torch)."""
        self.collect_components()
        return self._plugins

    @property
    def loaded_plugins(self) -> dict[str, PluginInfo]:
        """The plugins as loading left them: a plugin that breaks in a component hook still looks fine
        here until :meth:`collect_components` ran; nothing is imported to answer."""
        return self._plugins

    @property
    def components_pending(self) -> bool:
        """Whether some plugin's component hooks have not run yet."""
        return bool(self._pending)

    def third_party_components_pending(self) -> bool:
        """Whether a plugin that does not ship with apophenic still has component hooks to run.

        Such a plugin can clash with a built-in or raise in its hook, which only running the hooks
        shows; the built-ins' hooks register the fixed set of classes the test suite checks.
        """
        component_hooks = {f"register_{kind}s" for kind in KINDS}
        return any(name not in self._builtins and component_hooks & set(self._plugins[name].hooks)
                   for name in self._pending if not self._plugins[name].broken)

    def collect_components(self) -> None:
        """Run the component hooks of every plugin that has not run them; idempotent and thread-safe.

        A plugin that raises or clashes here is marked broken, loses its presets and is unregistered,
        so its observer hooks no longer run.
        """
        if not self._pending:
            return
        with self._lock:
            if self._collecting:  # a component hook looking components up sees those registered so far
                return
            self._collecting = True
            try:
                while self._pending:
                    name = self._pending[0]
                    info = self._plugins[name]
                    if not info.broken and self.manager is not None:
                        try:
                            _collect_components(self, self.manager, name)
                        except Exception as exc:
                            info.error = f"{type(exc).__name__}: {exc}"
                            _forget(self, name)
                            plugin = self.manager.get_plugin(name)
                            if plugin is not None:
                                self.manager.unregister(plugin)
                    # Dropped only once done, so another thread never sees a half-collected registry as complete.
                    del self._pending[0]
            finally:
                self._collecting = False

    # -- lookups ---------------------------------------------------------------------
    def configs(self, kind: str) -> list[type]:
        """Config classes registered for ``kind``, in registration order."""
        return [r.config for r in self.components[kind].values()]

    def config(self, kind: str, name: str) -> type:
        """The config class for ``name``; an :class:`ApophenicError` with suggestions if unknown."""
        try:
            return self.components[kind][name].config
        except KeyError:
            raise ApophenicError(unknown_name(kind, name, self.components[kind])) from None

    def preset_path(self, name: str) -> Path:
        """The file of a registered preset."""
        try:
            return self.presets[name][0]
        except KeyError:
            raise ApophenicError(unknown_name("preset", name, self.presets) + " (list them with: apophenic presets)") from None

    @property
    def hook(self):
        """The pluggy hook relay, for observer hooks (``on_step``, ``on_finish``)."""
        assert self.manager is not None
        return self.manager.hook


def _trace(manager: pluggy.PluginManager) -> None:
    def before(hook_name, hook_impls, kwargs):
        names = ", ".join(i.plugin_name for i in hook_impls)
        shown = {k: _short(v) for k, v in kwargs.items()}
        print(f"[apophenic] call {hook_name}({shown}) -> [{names}]", file=sys.stderr)

    def after(outcome, hook_name, hook_impls, kwargs):
        exc = outcome.exception
        result = f"raised {exc!r}" if exc else _short(outcome.get_result())
        print(f"[apophenic] done {hook_name}: {result}", file=sys.stderr)

    manager.add_hookcall_monitoring(before, after)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _entry_points() -> list[metadata.EntryPoint]:
    eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    only = os.environ.get("APOPHENIC_LOAD_PLUGINS")
    if only is not None:
        allowed = {n.strip() for n in only.split(",") if n.strip()}
        eps = [ep for ep in eps if ep.name in allowed]
    # Built-ins first (in their declared order), then third-party plugins by name: on a name
    # clash the built-in keeps its name and the newcomer is the one reported as broken, and
    # the outcome does not depend on sys.path or directory order.
    eps.sort(key=lambda ep: (0, "") if _distribution(ep) == "apophenic" else (1, ep.name))
    seen: set[str] = set()
    unique = []
    for ep in eps:  # the same distribution can be visible twice on sys.path
        if ep.name not in seen:
            seen.add(ep.name)
            unique.append(ep)
    return unique


def _distribution(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else None


def _version(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.version if dist is not None else None


def load(extra: Iterable[tuple[str, object]] = ()) -> Registry:
    """Load every entry-point plugin (plus ``extra`` (name, plugin) pairs) into a new registry."""
    registry = Registry()
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    registry.manager = pm
    valid = set(hookspecs.hook_names())

    candidates: list[tuple[str, str | None, Any]] = []
    for ep in _entry_points():
        try:
            candidates.append((ep.name, _version(ep), ep.load()))
        except Exception as exc:  # a broken plugin must not take the others down
            registry._plugins[ep.name] = PluginInfo(ep.name, _version(ep), error=f"import failed: {type(exc).__name__}: {exc}")
            continue
        if _distribution(ep) == "apophenic":
            registry._builtins.add(ep.name)
    for name, plugin in extra:
        candidates.append((name, None, plugin))

    for name, version, plugin in candidates:
        info = PluginInfo(name, version)
        registry._plugins[name] = info
        try:
            pm.register(plugin, name=name)
        except Exception as exc:
            info.error = f"could not register: {exc}"
            continue
        hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or [])
        unknown = [h for h in hooks if h not in valid]
        if unknown:
            hint = closest(unknown[0], valid, n=1)
            info.error = f"implements unknown hook {unknown[0]!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
            pm.unregister(plugin)
            continue
        info.hooks = hooks

    if os.environ.get("APOPHENIC_TRACE_PLUGINS"):
        _trace(pm)

    for name, info in registry._plugins.items():
        if info.broken:
            continue
        registry._pending.append(name)
        try:
            _collect_presets(registry, pm, name)
        except Exception as exc:
            info.error = f"{type(exc).__name__}: {exc}"
            _forget(registry, name)
            plugin = pm.get_plugin(name)
            if plugin is not None:
                pm.unregister(plugin)
    _add_user_presets(registry)
    return registry


def user_preset_folders() -> list[Path]:
    """Folders searched for user presets, highest precedence first."""
    folders = [Path(p).expanduser() for p in os.environ.get(PRESETS_PATH_ENV, "").split(os.pathsep) if p.strip()]
    import platformdirs

    folders.append(platformdirs.user_config_path("apophenic") / "presets")
    return folders


def _add_user_presets(registry: Registry) -> None:
    claimed: set[str] = set()
    for folder in user_preset_folders():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            if path.stem not in claimed:  # an earlier folder wins
                claimed.add(path.stem)
                registry.presets[path.stem] = (path, f"user: {folder}")


def _others(pm: pluggy.PluginManager, name: str) -> list[Any]:
    return [p for n, p in pm.list_name_plugin() if n != name]


def _collect_components(registry: Registry, pm: pluggy.PluginManager, name: str) -> None:
    others = _others(pm, name)

    def component(kind: str):
        def register(config: type) -> None:
            tag = config.type_name()
            existing = registry._components[kind].get(tag)
            if existing is not None and existing.plugin != name:
                raise ApophenicError(f"registers {kind} {tag!r}, which plugin {existing.plugin!r} already registered")
            registry._components[kind][tag] = Registration(config, name)

        return register

    for kind in KINDS:
        caller = pm.subset_hook_caller(f"register_{kind}s", remove_plugins=others)
        caller(register=component(kind))


def _collect_presets(registry: Registry, pm: pluggy.PluginManager, name: str) -> None:
    others = _others(pm, name)

    def preset(path: Path) -> None:
        path = Path(path)
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for f in files:
            existing = registry.presets.get(f.stem)
            if existing is not None and existing[1] != name:
                raise ApophenicError(f"registers preset {f.stem!r}, which plugin {existing[1]!r} already registered")
            registry.presets[f.stem] = (f, name)

    pm.subset_hook_caller("register_presets", remove_plugins=others)(register=preset)


def _forget(registry: Registry, plugin: str) -> None:
    for kind in KINDS:
        for tag in [t for t, r in registry._components[kind].items() if r.plugin == plugin]:
            del registry._components[kind][tag]
    for preset in [p for p, (_, owner) in registry.presets.items() if owner == plugin]:
        del registry.presets[preset]


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use."""
    global _registry
    if _registry is None:
        _registry = load()
    return _registry


def reset() -> None:
    """Forget the loaded plugins (tests use it after installing or removing one)."""
    global _registry
    _registry = None
