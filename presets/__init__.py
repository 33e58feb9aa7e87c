"""Presets that ship with apophenic: TOML run configs, one per file."""

from pathlib import Path

FOLDER = Path(__file__).parent
