"""The architecture contracts in pyproject.toml hold, cover every module, and break when they should.

import-linter reads the package from one folder, but apophenic's import root is assembled
from four (``engine/ plugins/ renderers/ presets/``), so the test lays them out as the
installed package would be in a temporary folder and runs the real ``lint-imports`` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e .[test])")


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _layout(tmp: Path) -> Path:
    """``tmp/apophenic`` laid out as the installed package: the engine with the other folders inside."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "data")
    package = tmp / "apophenic"
    shutil.copytree(ROOT / "engine", package, ignore=ignore)
    for folder in ("plugins", "renderers", "presets"):
        shutil.copytree(ROOT / folder, package / folder, ignore=ignore)
    return package


def _lint(tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tmp)}
    return subprocess.run([str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=300)


def test_the_contracts_hold(tmp_path):
    _layout(tmp_path)
    done = _lint(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "4 kept, 0 broken" in done.stdout


def test_a_plugin_reaching_into_the_engine_or_another_plugin_breaks_them(tmp_path):
    package = _layout(tmp_path)
    (package / "plugins" / "dream" / "sneaky.py").write_text(
        "from apophenic.run import execute\nfrom apophenic.plugins.core.generators import FourierConfig\n")
    (package / "renderers" / "sneaky.py").write_text("import apophenic.plugins.core\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    for name in ("The built-in plugins use only the public API BROKEN", "No plugin imports another plugin BROKEN",
                 "The renderer never imports a plugin BROKEN"):
        assert name in done.stdout, done.stdout[-3000:]


def test_every_engine_module_is_either_public_or_forbidden_to_plugins():
    """A new engine module is private until it is listed in apophenic.api.MODULES (and so in API.txt)."""
    from apophenic import api

    engine = {f"apophenic.{p.stem}" for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__"}
    engine |= {f"apophenic.{p.name}" for p in (ROOT / "engine").iterdir() if (p / "__init__.py").exists()}
    interfaces = {dotted.rpartition(".")[0] for dotted in api.INTERFACES} | {"apophenic.errors", "apophenic.hookspecs"}
    public = set(api.MODULES) | interfaces
    by_name = {c["name"]: c for c in _contracts()}
    forbidden = set(by_name["The built-in plugins use only the public API"]["forbidden_modules"])
    assert engine - public <= forbidden
    assert not (forbidden & public)
    assert engine <= set(by_name["The engine never imports a plugin"]["source_modules"])
