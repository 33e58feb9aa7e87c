"""Presets that ship with apophenic: TOML run configs, one per file.

The loading functions live in :mod:`apophenic.preset_loader` and are re-exported
here, so ``apophenic.presets.load("imagenet-class")`` reads naturally.
"""

from pathlib import Path

from apophenic.preset_loader import apply_override, load, load_data, locate, parse_key, parse_value, read_toml

FOLDER = Path(__file__).parent

__all__ = ["FOLDER", "apply_override", "load", "load_data", "locate", "parse_key", "parse_value", "read_toml"]
