"""apophenic: a plugin-based generative art engine where networks make images by perceiving them.

The public API third-party plugins code against is listed in ``__all__`` and
documented in ``docs/plugins/``; it changes only with a version bump.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apophenic.errors import ApophenicError, ConfigError, NonFiniteLoss
from apophenic.hookspecs import hookimpl
from apophenic.image_file import read_image

if TYPE_CHECKING:
    from apophenic.component import BuildContext, ComponentConfig
    from apophenic.device import pick_device
    from apophenic.generator import Generator, GeneratorConfig
    from apophenic.objective import Objective, ObjectiveConfig, Perception
    from apophenic.optimizer import Optimizer, OptimizerConfig
    from apophenic.perceiver import LOGITS, Perceiver, PerceiverConfig
    from apophenic.runs import load_preset, run_preset
    from apophenic.transform import Compose, Transform, TransformConfig

__version__ = "0.1.0"

# Names whose modules import torch (or pydantic) load on first use (PEP 562), so that
# `import apophenic`, `from apophenic import hookimpl` and a plugin's `__init__` stay cheap:
# `apophenic --help` and the other listing commands must answer without importing torch.
_LAZY = {
    "BuildContext": "apophenic.component",
    "ComponentConfig": "apophenic.component",
    "pick_device": "apophenic.device",
    "Generator": "apophenic.generator",
    "GeneratorConfig": "apophenic.generator",
    "Objective": "apophenic.objective",
    "ObjectiveConfig": "apophenic.objective",
    "Perception": "apophenic.objective",
    "Optimizer": "apophenic.optimizer",
    "OptimizerConfig": "apophenic.optimizer",
    "LOGITS": "apophenic.perceiver",
    "Perceiver": "apophenic.perceiver",
    "PerceiverConfig": "apophenic.perceiver",
    "load_preset": "apophenic.runs",
    "run_preset": "apophenic.runs",
    "Compose": "apophenic.transform",
    "Transform": "apophenic.transform",
    "TransformConfig": "apophenic.transform",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'apophenic' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "LOGITS",
    "NonFiniteLoss",
    "ApophenicError",
    "BuildContext",
    "ComponentConfig",
    "Compose",
    "ConfigError",
    "Generator",
    "GeneratorConfig",
    "Objective",
    "ObjectiveConfig",
    "Optimizer",
    "OptimizerConfig",
    "Perception",
    "Perceiver",
    "PerceiverConfig",
    "Transform",
    "TransformConfig",
    "__version__",
    "hookimpl",
    "load_preset",
    "pick_device",
    "read_image",
    "run_preset",
]
