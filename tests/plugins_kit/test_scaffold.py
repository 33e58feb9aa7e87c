"""``apophenic plugins new``: the package it writes is complete, installs, passes its own test and renders."""

from __future__ import annotations

import json
import sys

import pytest
from apophenic.errors import ApophenicError
from apophenic.scaffold import SCAFFOLD_KINDS, files, scaffold


@pytest.mark.parametrize("kind", SCAFFOLD_KINDS)
def test_scaffold_writes_a_package_that_loads_as_a_plugin(kind, tmp_path, core_and, monkeypatch):
    import importlib

    name, module_name = f"kit-{kind}", f"apophenic_kit_{kind}"
    folder = scaffold(name, kind, tmp_path)
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert written == sorted(files(name, kind))
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no staging folder left
    pyproject = (folder / "pyproject.toml").read_text()
    assert f'[project.entry-points.apophenic]\n{name} = "{module_name}"' in pyproject
    monkeypatch.syspath_prepend(str(folder))
    module = importlib.import_module(module_name)
    monkeypatch.setitem(sys.modules, module_name, module)  # so it is removed again after the test
    registry = core_and(**{name: module})
    assert registry.plugins[name].hooks == sorted([f"register_{kind}s", "register_presets"])
    assert name in registry.components[kind] and name in registry.presets
    for path in folder.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


@pytest.mark.parametrize("kind", SCAFFOLD_KINDS)
def test_a_scaffolded_plugin_keeps_help_and_presets_free_of_torch(kind, tmp_path):
    """Its package registers hooks without importing torch; the component comes in when a run needs it."""
    import subprocess

    name, module_name = f"kit-{kind}", f"apophenic_kit_{kind}"
    folder = scaffold(name, kind, tmp_path)
    # as `apophenic --help` and `apophenic presets` load plugins
    probe = (f"import sys; sys.path.insert(0, {str(folder)!r}); import {module_name}; "
             "from apophenic.registry import load; "
             f"registry = load(extra=[({name!r}, {module_name})]); assert {name!r} in registry.presets; "
             "print('torch' in sys.modules); "
             f"assert {name!r} in registry.components[{kind!r}]; print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]  # presets without torch; the component with it


def test_scaffold_refuses_bad_or_taken_names_and_writes_nothing(tmp_path, core_and):
    registry = core_and()
    for name, kind, message in [
        ("Bad_Name", "generator", "expected lowercase letters"),
        ("1up", "generator", "starting with a letter"),
        ("demo", "transform", "expected one of generator, perceiver, objective"),
        ("fourier", "generator", "already registered by plugin 'core'"),
        ("imagenet-class", "objective", "preset 'imagenet-class' is already registered"),
        ("core", "generator", "taken by an installed plugin"),
    ]:
        with pytest.raises(ApophenicError, match=message):
            scaffold(name, kind, tmp_path, registry=registry)
    (tmp_path / "demo").mkdir()
    with pytest.raises(ApophenicError, match="already exists"):
        scaffold("demo", "generator", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["demo"] and not any((tmp_path / "demo").iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("kind", SCAFFOLD_KINDS)
def test_newcomer_path_new_install_run_and_the_generated_test_passes(kind, plugin_venv, tmp_path):
    name = f"demo-{kind}"
    done = plugin_venv.apophenic("plugins", "new", name, "--kind", kind, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"pip install -e {name}" in done.stdout and f"apophenic run {name}" in done.stdout
    plugin_venv.install(tmp_path / name, editable=True)
    try:
        rows = {r["name"]: r for r in json.loads(plugin_venv.apophenic("plugins", "--json").stdout)}
        assert rows[name]["error"] is None
        # The newcomer's third command, shrunk to seconds: a picture made with the new plugin.
        done = plugin_venv.apophenic("run", name, "--steps", "2", "--set", "size=48", "--set", "augmentations=1",
                                     "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        (folder,) = (tmp_path / "out").iterdir()
        assert (folder / "final.png").is_file()
        assert json.loads((folder / "run.json").read_text())["versions"][f"plugin:{name}"] == "0.1.0"
        # Its own generated tests pass, out of the box.
        done = plugin_venv.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=tmp_path / name)
        assert done.returncode == 0, done.stdout + done.stderr
        assert " passed" in done.stdout and "failed" not in done.stdout
    finally:
        plugin_venv.uninstall(f"apophenic-{name}")
    assert name not in plugin_venv.entry_points()

