"""The commands that only list or explain answer without importing torch (issue 17: a CLI that answers at once).

Each check runs a fresh Python process, so whatever this test session already
imported does not hide an import: the property is "torch is not in sys.modules
after the command", not a wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

# Runs `apophenic ARGS` in this process for each ARGS in argv[1] (a JSON list) and prints, per
# command, its exit code, whether torch (or numpy) was imported by then, and the head of its output.
PROBE = r"""
import contextlib, io, json, sys
from apophenic.cli import main

results = []
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    results.append({"args": args, "code": code, "torch": "torch" in sys.modules,
                    "numpy": "numpy" in sys.modules, "out": out.getvalue()[:4000]})
print(json.dumps(results))
"""

LIST_ALL_COMMANDS = r"""
import json, typer
from apophenic.cli import build_app

def walk(command, path):
    yield path
    for name, sub in getattr(command, "commands", {}).items():  # a group (typer ships its own click)
        yield from walk(sub, path + [name])

print(json.dumps(list(walk(typer.main.get_command(build_app()), []))))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Only the plugins apophenic ships: a third-party plugin installed here may import torch at import
    # time, and its component hooks are checked by `apophenic plugins` on purpose.
    shipped = metadata.distribution("apophenic").entry_points.select(group="apophenic")
    env["APOPHENIC_LOAD_PLUGINS"] = ",".join(ep.name for ep in shipped)
    env["COLUMNS"] = "200"  # rich tables unwrapped, so names can be found in the output
    return env


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def probe(*commands: list[str]) -> list[dict]:
    """Run the commands one after the other in one fresh process; what each printed and imported."""
    return json.loads(_python(PROBE, json.dumps(list(commands))).splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--help"], "presets"),
        (["presets"], "imagenet-class"),
        (["presets", "show", "imagenet-class"], "[generator]"),
        (["presets", "show", "imagenet-class", "--resolved"], "[generator]"),
        (["classes"], "goldfish"),
        (["classes", "electric fan"], "electric fan"),
        (["plugins"], "register_presets"),
        (["plugins", "--json"], '"error": null'),
        (["layers", "--help"], "Perceiver type"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_listing_commands_answer_without_torch(args, shown):
    (result,) = probe(args)
    assert result["code"] == 0, result
    assert shown in result["out"], result["out"]
    assert not result["torch"], f"apophenic {' '.join(args)} imported torch"
    assert not result["numpy"], f"apophenic {' '.join(args)} imported numpy"


def test_every_commands_help_answers_without_torch():
    paths = json.loads(_python(LIST_ALL_COMMANDS).splitlines()[-1])
    # The built-ins' commands and groups, so a plugin whose commands failed to register cannot pass unseen.
    for expected in (["run"], ["layers"], ["batch"], ["plugins", "new"], ["dream"], ["style", "transfer"],
                     ["sentiment", "train"], ["analogy", "query"], ["abstraction", "sweep"]):
        assert expected in paths
    results = probe(*([*path, "--help"] for path in paths))
    for result in results:
        assert result["code"] == 0 and "Usage" in result["out"], result
    for module in ("torch", "numpy"):
        first = next((r["args"] for r in results if r[module]), None)
        assert first is None, f"apophenic {' '.join(first)} imported {module}"


def test_the_console_script_itself_starts_without_torch():
    """The real entry point (`python -m apophenic.cli`), with Python's own import log as the witness."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "apophenic.cli", "--help"],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0 and "Usage" in done.stdout, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "apophenic.cli" in imported and "typer" in imported  # the log is real and complete
    assert "torch" not in imported


def test_the_probe_sees_torch_when_a_command_needs_it():
    """Listing a perceiver's layers builds the network: the probe must notice torch, or the tests above prove nothing."""
    (result,) = probe(["layers", "random-cnn"])
    assert result["code"] == 0, result
    assert result["torch"]


def test_a_third_party_plugin_broken_in_a_component_hook_is_still_listed_as_broken(monkeypatch):
    """The lazy listing checks the component hooks when a plugin that does not ship with apophenic has some."""
    from typing import Literal

    from typer.testing import CliRunner

    from apophenic import GeneratorConfig, hookimpl, registry
    from apophenic.cli import build_app

    class Fourier(GeneratorConfig):
        type: Literal["fourier"] = "fourier"

    class Clash:
        @hookimpl
        def register_generators(self, register):
            register(Fourier)

    class Boom:
        @hookimpl
        def register_objectives(self, register):
            raise RuntimeError("boom")

    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "core")
    loaded = registry.load(extra=[("clash", Clash()), ("boom", Boom())])
    assert loaded.components_pending and not loaded.loaded_plugins["clash"].broken  # nothing ran yet
    monkeypatch.setattr(registry, "_registry", loaded)
    done = CliRunner().invoke(build_app(), ["plugins", "--json"])
    assert done.exit_code == 0, done.output
    rows = {row["name"]: row for row in json.loads(done.output)}
    assert rows["clash"]["error"] == "ApophenicError: registers generator 'fourier', which plugin 'core' already registered"
    assert rows["boom"]["error"] == "RuntimeError: boom"
    assert rows["core"]["error"] is None


def test_check_runs_the_builtin_component_hooks(monkeypatch):
    """Only built-ins: the listing leaves their component hooks alone unless --check asks."""
    from typer.testing import CliRunner

    from apophenic import registry
    from apophenic.cli import build_app

    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "core")
    loaded = registry.load()
    monkeypatch.setattr(registry, "_registry", loaded)
    assert CliRunner().invoke(build_app(), ["plugins"]).exit_code == 0
    assert loaded.components_pending
    done = CliRunner().invoke(build_app(), ["plugins", "--check"])
    assert done.exit_code == 0, done.output
    assert not loaded.components_pending and "fourier" in loaded.components["generator"]
