"""The batch tests' tiny real preset, shared with the hostile batch cases (one source of truth)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "hostile_batch_support", Path(__file__).resolve().parent.parent / "batch" / "batch_support.py"
)
_support = sys.modules.setdefault("hostile_batch_support", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_support)

TINY_PRESET: str = _support.TINY_PRESET
write_tiny = _support.write_tiny
