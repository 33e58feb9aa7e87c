"""Confined reads: inside the block only the allowed folders resolve, symlinks and '..' included."""

from __future__ import annotations

from pathlib import Path

import pytest

from apophenic.component import BuildContext
from apophenic.confinement import active, confined
from apophenic.errors import ApophenicError


def test_paths_outside_the_allowed_folders_are_refused_naming_the_picture(tmp_path: Path):
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir(), elsewhere.mkdir()
    (elsewhere / "secret.png").write_bytes(b"x")
    (allowed / "link.png").symlink_to(elsewhere / "secret.png")
    ctx = BuildContext(source=allowed / "preset.toml")
    with confined([allowed], tmp_path / "picture.png"):
        assert active()
        assert ctx.resolve("inside.png") == allowed / "inside.png"
        for path in (str(elsewhere / "secret.png"), "../elsewhere/secret.png", "link.png"):
            with pytest.raises(ApophenicError, match=r"picture.png: its recipe names .*--read-from"):
                ctx.resolve(path)
    assert not active()
    assert ctx.resolve(str(elsewhere / "secret.png")) == elsewhere / "secret.png"  # presets are not confined
