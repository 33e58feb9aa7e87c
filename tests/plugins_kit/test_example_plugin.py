"""The example third-party plugin, pip-installed for real into a throwaway venv and driven through entry points."""

from __future__ import annotations

import json

import pytest
from kit_helpers import SPIROGRAPH, copy_project

DIST = "apophenic-spirograph"


def listed(venv, plugins: str | None = None) -> dict[str, dict]:
    env = {"APOPHENIC_LOAD_PLUGINS": plugins} if plugins is not None else None
    done = venv.apophenic("plugins", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def test_example_plugin_install_lists_it_and_uninstall_removes_it(plugin_venv, tmp_path):
    # A copy, so the build's egg-info and build/ never land in the repository.
    project = copy_project(SPIROGRAPH, tmp_path / "apophenic-spirograph")
    assert "spirograph" not in plugin_venv.entry_points()
    plugin_venv.install(project)
    try:
        assert "spirograph" in plugin_venv.entry_points()
        rows = listed(plugin_venv, "core,spirograph")
        assert rows["spirograph"] == {"name": "spirograph", "version": "0.1.0", "error": None,
                                      "hooks": ["register_generators", "register_presets"]}
        assert rows["core"]["error"] is None
    finally:
        plugin_venv.uninstall(DIST)
    assert "spirograph" not in plugin_venv.entry_points()


@pytest.mark.slow
def test_example_plugin_renders_with_builtin_perceivers_and_objectives(plugin_venv, tmp_path):
    project = copy_project(SPIROGRAPH, tmp_path / "apophenic-spirograph")
    preset = tmp_path / "tiny-spirograph.toml"
    preset.write_text(
        'seed = 2\nsize = 48\n'
        '[generator]\ntype = "spirograph"\ncurves = 4\npoints = 256\n'
        '[[perceivers]]\ntype = "efficientnet-lite0"\nresize = 64\n'
        '[[objectives]]\ntype = "class"\ntarget = "spider web"\n'
        '[[objectives]]\ntype = "total-variation"\nweight = 0.1\n'
        '[[transforms]]\ntype = "jitter"\npixels = 2\n'
        '[optimizer]\ntype = "adam"\nsteps = 2\n'
    )
    out = tmp_path / "out"
    plugin_venv.install(project)
    try:
        # Every installed plugin loads (no APOPHENIC_LOAD_PLUGINS): the new one lives beside the built-ins.
        rows = listed(plugin_venv)
        assert rows["spirograph"]["error"] is None and rows["core"]["error"] is None
        done = plugin_venv.apophenic("run", str(preset), "--out", str(out), "--quiet")
        assert done.returncode == 0, done.stderr
        (folder,) = out.iterdir()
        record = json.loads((folder / "run.json").read_text())
        assert record["versions"]["plugin:spirograph"] == "0.1.0"
        assert record["config"]["generator"]["type"] == "spirograph"
        assert sorted(record["files"]) == ["final.png", "final.svg"]
        assert (folder / "final.svg").read_text().count("<polyline") == 4
        # The packaged preset came with the wheel (package data) and runs by name.
        done = plugin_venv.apophenic("run", "spirograph", "--steps", "1", "--set", "size=32", "--set",
                                     "augmentations=1", "--set", "generator.points=128", "--out", str(out), "--quiet")
        assert done.returncode == 0, done.stderr
        # The package's own tests (the ones the docs quote) pass against the installed copy.
        done = plugin_venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=project)
        assert done.returncode == 0 and " passed" in done.stdout, done.stdout + done.stderr
    finally:
        plugin_venv.uninstall(DIST)
    assert "spirograph" not in listed(plugin_venv)
    done = plugin_venv.apophenic("run", "spirograph", "--out", str(out))
    assert done.returncode == 2 and "unknown preset 'spirograph'" in done.stderr
