"""Plain helpers shared by tests in several folders (import by this unique name, never `from conftest`)."""

from __future__ import annotations

from pathlib import Path


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder`` (for 'nothing was written' checks)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
