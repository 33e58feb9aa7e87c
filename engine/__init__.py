"""apophenic: a plugin-based generative art engine where networks make images by perceiving them.

The public API third-party plugins code against is listed in ``__all__`` and
documented in ``docs/plugins/``; it changes only with a version bump.
"""

from apophenic.component import BuildContext, ComponentConfig
from apophenic.device import pick_device
from apophenic.errors import ApophenicError, ConfigError, NonFiniteLoss
from apophenic.generator import Generator, GeneratorConfig
from apophenic.hookspecs import hookimpl
from apophenic.image_file import read_image
from apophenic.objective import Objective, ObjectiveConfig, Perception
from apophenic.optimizer import Optimizer, OptimizerConfig
from apophenic.perceiver import LOGITS, Perceiver, PerceiverConfig
from apophenic.runs import load_preset, run_preset
from apophenic.transform import Compose, Transform, TransformConfig

__version__ = "0.1.0"

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
