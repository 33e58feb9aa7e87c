"""A third-party plugin can do what the built-ins do with the public API alone.

``every_kind/`` is a real plugin project — a generator with a progress schedule and a
``continue_from``, a classifier, an objective with class targets and checked perceivers and
layers, a transform, an optimizer with its own schedule over the default loop, presets
(one a pipeline) and a command that runs a preset from code and writes its own run
folder. It is pip-installed into a throwaway venv and driven through the real CLI.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from kit_helpers import copy_project

PROJECT = Path(__file__).parent / "every_kind"
HOOKS = ["register_commands", "register_generators", "register_objectives", "register_optimizers",
         "register_perceivers", "register_presets", "register_transforms"]


def test_the_plugin_imports_only_the_public_api():
    from apophenic import api

    public = {"apophenic", *api.MODULES, *(d.rpartition(".")[0] for d in api.INTERFACES)}
    tree = ast.parse((PROJECT / "apophenic_every_kind" / "__init__.py").read_text())
    used = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = {m for m in used if m.split(".")[0] == "apophenic"}
    assert ours and ours <= public, ours - public
    assert {"apophenic.imagenet", "apophenic.record"} <= ours


def test_every_kind_of_component_runs_from_an_installed_plugin(plugin_venv, tmp_path):
    project = copy_project(PROJECT, tmp_path / "every-kind")
    plugin_venv.install(project)
    env = {"APOPHENIC_LOAD_PLUGINS": "core,every-kind"}
    try:
        listed = plugin_venv.apophenic("plugins", "--json", env=env)
        rows = {r["name"]: r for r in json.loads(listed.stdout)}
        assert rows["every-kind"]["error"] is None and rows["every-kind"]["hooks"] == HOOKS

        out = tmp_path / "out"
        done = plugin_venv.apophenic("run", "every-kind-demo", "--out", str(out), "--quiet", env=env)
        assert done.returncode == 0, done.stderr
        (folder,) = out.iterdir()
        record = json.loads((folder / "run.json").read_text())
        assert record["format"] == 1 and record["kind"] == "run"
        # class_targets() put the objective's class on every classifier's score card, held-out one included
        assert {(s["perceiver"], s["target"]) for s in record["scores"]} == {("optimized", "goldfish"), ("held", "goldfish")}
        # the engine applied the weight (2.0) once: the described objective carries it
        assert record["objective"]["description"].startswith("2 × goldfish over the mean")
        assert record["objective"]["end"]["total"] > record["objective"]["start"]["total"]

        # a pipeline whose second stage continues the first through the generator's continue_from
        pipe = tmp_path / "pipe"
        done = plugin_venv.apophenic("run", "every-kind-twice", "--out", str(pipe), "--quiet", env=env)
        assert done.returncode == 0, done.stderr
        (folder,) = pipe.iterdir()
        chain = json.loads((folder / "run.json").read_text())
        assert chain["kind"] == "pipeline" and [s["stage"] for s in chain["stages"]] == ["first", "second"]
        second = json.loads((folder / chain["stages"][1]["folder"] / "run.json").read_text())
        assert second["config"]["generator"]["start"].endswith("final.png")

        # the plugin's own command runs a preset from code and writes a folder with the public writer
        cmd_out = tmp_path / "cmd"
        done = plugin_venv.apophenic("every-kind", "draw", "tick", "--out", str(cmd_out), env=env)
        assert done.returncode == 0, done.stderr
        summary = next(p for p in cmd_out.iterdir() if p.name.startswith("every-kind-summary-"))
        written = json.loads((summary / "run.json").read_text())
        assert written["kind"] == "every-kind-summary" and written["files"] == ["final.png"]
        assert written["scores"][0]["target"] == "tick" and written["scores"][0]["held_out"] is True

        # bad input in the plugin's objective is the engine's one-line error
        done = plugin_venv.apophenic("run", "every-kind-demo", "--set", "objectives[0].perceivers=[\"held\"]",
                                     "--out", str(tmp_path / "bad"), env=env)
        assert done.returncode == 2 and "'held' is held out" in done.stderr and "Traceback" not in done.stderr
        assert not (tmp_path / "bad").exists()
    finally:
        plugin_venv.uninstall("apophenic-every-kind")
