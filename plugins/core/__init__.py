"""Built-in generators, perceivers, objectives, transforms, optimizers and presets.

Registered through the entry-point group ``apophenic`` like any third-party plugin.
"""

from __future__ import annotations

from pathlib import Path

from apophenic import hookimpl

# Each hook imports its modules itself: they import torch, and loading the plugin (as
# `apophenic --help` and the listing commands do) must not.


@hookimpl
def register_generators(register):
    from apophenic.plugins.core import generators

    register(generators.PixelsConfig)
    register(generators.FourierConfig)
    register(generators.ImageFileConfig)


@hookimpl
def register_perceivers(register):
    from apophenic.plugins.core import perceivers, resnet, vgg

    register(perceivers.EfficientNetLite0Config)
    register(perceivers.EfficientNetLite1Config)
    register(perceivers.EfficientNetLite2Config)
    register(perceivers.RandomCNNConfig)
    register(vgg.VGG19Config)
    register(resnet.ResNet50Config)


@hookimpl
def register_objectives(register):
    from apophenic.plugins.core import objectives

    register(objectives.ClassScoreConfig)
    register(objectives.ChannelConfig)
    register(objectives.LayerConfig)
    register(objectives.TotalVariationConfig)


@hookimpl
def register_transforms(register):
    from apophenic.plugins.core import transforms

    for config in (transforms.JitterConfig, transforms.ScaleConfig, transforms.RotateConfig, transforms.PadConfig, transforms.CropConfig):
        register(config)


@hookimpl
def register_optimizers(register):
    from apophenic.plugins.core import evolution, optimizers

    register(optimizers.AdamConfig)
    register(optimizers.LBFGSConfig)
    register(evolution.EvolutionConfig)


@hookimpl
def register_presets(register):
    # The presets that ship with apophenic itself (imagenet-class, draw-restyle-dream) sit in the
    # data package apophenic.presets; core, whose components they use, registers them. Its folder
    # is found without importing it: its __init__ loads the preset machinery (pydantic), which
    # `apophenic --help` never needs.
    from importlib.util import find_spec

    register(Path(find_spec("apophenic.presets").origin).parent)
