"""Broken plugins installed for real are shown as broken with the reason; everything else keeps working."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

BROKEN = {
    # entry point: (module source, expected reason)
    "raises": ("raise RuntimeError('this plugin is broken on purpose')\n",
               "import failed: RuntimeError: this plugin is broken on purpose"),
    "typo": ("from apophenic import hookimpl\n\n@hookimpl\ndef register_generator(register):\n    pass\n",
             "implements unknown hook 'register_generator'; did you mean 'register_generators'?"),
    "clash": ("from typing import Literal\nfrom apophenic import GeneratorConfig, hookimpl\n\n"
              "class Fourier(GeneratorConfig):\n    type: Literal['fourier'] = 'fourier'\n\n"
              "@hookimpl\ndef register_generators(register):\n    register(Fourier)\n",
              "registers generator 'fourier', which plugin 'core' already registered"),
}


def broken_package(parent: Path, name: str, source: str) -> Path:
    folder = parent / f"apophenic-{name}"
    (folder / f"apophenic_{name}").mkdir(parents=True)
    (folder / f"apophenic_{name}" / "__init__.py").write_text(source)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "apophenic-{name}"\nversion = "0.0.1"\n'
        f'[project.entry-points.apophenic]\n{name} = "apophenic_{name}"\n'
    )
    return folder


@pytest.mark.slow
def test_installed_broken_plugins_are_listed_as_broken_and_runs_still_work(plugin_venv, tmp_path, tiny_preset):
    projects = [broken_package(tmp_path / "src", name, source) for name, (source, _) in BROKEN.items()]
    plugin_venv.pip("install", "--no-deps", "--no-build-isolation", "--no-index", *map(str, projects))
    try:
        done = plugin_venv.apophenic("plugins", "--json")
        assert done.returncode == 0, done.stderr
        rows = {r["name"]: r for r in json.loads(done.stdout)}
        for name, (_, reason) in BROKEN.items():
            assert reason in rows[name]["error"], rows[name]
        assert rows["core"]["error"] is None
        # The table says the same to a person.
        table = plugin_venv.apophenic("plugins", env={"COLUMNS": "400"}).stdout  # wide enough not to wrap
        for name, (_, reason) in BROKEN.items():
            line = next(line for line in table.splitlines() if f" {name} " in line)
            assert "broken: " in line and reason in line, line
        # A core preset runs as if nothing were wrong; the clash did not take 'fourier' from core.
        done = plugin_venv.apophenic("run", str(tiny_preset), "--out", str(tmp_path / "out"), "--quiet")
        assert done.returncode == 0, done.stderr
        (folder,) = (tmp_path / "out").iterdir()
        assert (folder / "final.png").is_file()
    finally:
        plugin_venv.uninstall(*(f"apophenic-{name}" for name in BROKEN))
    assert not set(BROKEN) & set(plugin_venv.entry_points())
