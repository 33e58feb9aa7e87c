"""Every hook a plugin can implement.

A plugin is a module (or object) with functions marked ``@apophenic.hookimpl``
and named exactly like the specs below; it is found through the entry-point
group ``apophenic``::

    [project.entry-points.apophenic]
    my_plugin = "my_plugin"

The ``register_*`` hooks receive a ``register`` callback rather than returning
values, so one hook can register any number of things. A misspelled hook name
is an error that names the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import typer

    from apophenic.record import RunResult, RunState

hookspec = pluggy.HookspecMarker("apophenic")
hookimpl = pluggy.HookimplMarker("apophenic")


@hookspec
def register_generators(register: "Callable[[type], None]") -> None:
    """Register generator config classes (subclasses of :class:`~apophenic.generator.GeneratorConfig`).

    :param register: call it once per config class; its ``type`` tag is the name presets use.
    """


@hookspec
def register_perceivers(register: "Callable[[type], None]") -> None:
    """Register perceiver config classes (subclasses of :class:`~apophenic.perceiver.PerceiverConfig`).

    :param register: call it once per config class.
    """


@hookspec
def register_objectives(register: "Callable[[type], None]") -> None:
    """Register objective config classes (subclasses of :class:`~apophenic.objective.ObjectiveConfig`).

    :param register: call it once per config class.
    """


@hookspec
def register_transforms(register: "Callable[[type], None]") -> None:
    """Register transform config classes (subclasses of :class:`~apophenic.transform.TransformConfig`).

    :param register: call it once per config class.
    """


@hookspec
def register_optimizers(register: "Callable[[type], None]") -> None:
    """Register optimizer config classes (subclasses of :class:`~apophenic.optimizer.OptimizerConfig`).

    :param register: call it once per config class.
    """


@hookspec
def register_presets(register: "Callable[[Path], None]") -> None:
    """Register preset files (TOML); the file stem is the preset's name.

    :param register: call it with the path of each preset file, or of a folder of them.
    """


@hookspec
def register_commands(cli: "typer.Typer") -> None:
    """Add commands or command groups to the ``apophenic`` command line.

    :param cli: the root Typer app; use ``cli.command()`` or ``cli.add_typer(...)``.
    """


@hookspec
def on_step(state: "RunState") -> None:
    """Observe a run after each optimization step (progress, snapshots, logging).

    :param state: the run's step number, objective values and current images.
    """


@hookspec
def on_finish(result: "RunResult") -> None:
    """Observe a run once its outputs are written.

    :param result: the run folder, ``run.json`` content and final images.
    """


def hook_names() -> list[str]:
    """Names of every hook in this module, in the order they are declared."""
    import inspect

    module = inspect.getmodule(hook_names)
    return [
        name
        for name, fn in vars(module).items()
        if callable(fn) and hasattr(fn, "apophenic_spec")
    ]


__all__: list[Any] = ["hookspec", "hookimpl", "hook_names"]
