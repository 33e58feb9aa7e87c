"""Built-in generators, perceivers, objectives, transforms, optimizers and presets."""
