"""Built-in generators, perceivers, objectives, transforms, optimizers and presets.

Registered through the entry-point group ``apophenic`` like any third-party plugin.
"""

from __future__ import annotations

from pathlib import Path

from apophenic import hookimpl
from apophenic.plugins.core import evolution, generators, objectives, optimizers, perceivers, resnet, transforms, vgg


@hookimpl
def register_generators(register):
    register(generators.PixelsConfig)
    register(generators.FourierConfig)
    register(generators.ImageFileConfig)


@hookimpl
def register_perceivers(register):
    register(perceivers.EfficientNetLite0Config)
    register(perceivers.EfficientNetLite1Config)
    register(perceivers.EfficientNetLite2Config)
    register(perceivers.RandomCNNConfig)
    register(vgg.VGG19Config)
    register(resnet.ResNet50Config)


@hookimpl
def register_objectives(register):
    register(objectives.ClassScoreConfig)
    register(objectives.ChannelConfig)
    register(objectives.LayerConfig)
    register(objectives.TotalVariationConfig)


@hookimpl
def register_transforms(register):
    for config in (transforms.JitterConfig, transforms.ScaleConfig, transforms.RotateConfig, transforms.PadConfig, transforms.CropConfig):
        register(config)


@hookimpl
def register_optimizers(register):
    register(optimizers.AdamConfig)
    register(optimizers.LBFGSConfig)
    register(evolution.EvolutionConfig)


@hookimpl
def register_presets(register):
    # The presets that ship with apophenic itself (imagenet-class, draw-restyle-dream) sit in the
    # data package apophenic.presets; core, whose components they use, registers them.
    from importlib.resources import files

    register(Path(str(files("apophenic.presets"))))
