"""Helpers of the plugin authors' kit tests: doc example plugins, a tiny config, a temporary venv."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins"
DOC_EXAMPLES = DOCS / "examples"
SPIROGRAPH = ROOT / "examples" / "apophenic-spirograph"


def doc_example(name: str) -> ModuleType:
    """The example plugin module ``docs/plugins/examples/<name>.py``, imported fresh."""
    path = DOC_EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"apophenic_doc_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_config(registry, **parts):
    """A validated 32-pixel config: Fourier image, a 2-layer random CNN, layer objective, 2 Adam steps."""
    from apophenic.config import validate

    data = {
        "seed": 1,
        "size": 32,
        "generator": {"type": "fourier"},
        "perceivers": [{"type": "random-cnn", "kernels": [3, 5], "channels": 8}],
        "objectives": [{"type": "layer", "layer": "deep"}],
        "optimizer": {"type": "adam", "steps": 2},
    }
    data.update(parts)
    return validate(data, registry, None)


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APOPHENIC_")}
    env.update(OMP_WAIT_POLICY="PASSIVE", COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


class Venv:
    """A throwaway virtual environment that sees the installed apophenic (system site-packages).

    Installing plugins here, instead of into the shared environment, keeps a
    half-finished test from changing what other test runs see.
    """

    def __init__(self, folder: Path) -> None:
        venv.EnvBuilder(system_site_packages=True, with_pip=False).create(folder)
        self.folder = folder
        self.python = folder / ("Scripts" if os.name == "nt" else "bin") / "python"
        self._see_outer_environment()

    def _see_outer_environment(self) -> None:
        """Let the venv see the packages of the environment running the tests.

        ``system_site_packages`` only reaches the *base* interpreter's packages: when the
        tests run inside a virtualenv (as the README's install makes), apophenic, pip and a
        current setuptools live in that virtualenv, not in the base. ``site.addsitedir``
        (unlike a bare path line) also runs the ``.pth`` files there, so an editable
        apophenic is found too.
        """
        import site
        import sysconfig

        inner = Path(subprocess.run([str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
        outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
        lines = [f"import site; site.addsitedir({p!r})" for p in sorted(outer) if Path(p).is_dir()]
        (inner / "_apophenic_outer_env.pth").write_text("\n".join(lines) + "\n")

    def run(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.python), *args], capture_output=True, text=True, cwd=cwd,
                              env=subprocess_env(**(env or {})), timeout=timeout)

    def pip(self, *args: str) -> subprocess.CompletedProcess:
        """pip of the outer environment acting on this venv, offline: no index, no build isolation."""
        done = self.run("-m", "pip", *args, "--no-input", "--disable-pip-version-check", "-q")
        assert done.returncode == 0, done.stderr
        return done

    def install(self, project: Path, editable: bool = False) -> None:
        self.pip("install", "--no-deps", "--no-build-isolation", "--no-index", *(["-e"] if editable else []),
                 str(project.resolve()))

    def uninstall(self, *dists: str) -> None:
        self.pip("uninstall", "-y", *dists)

    def apophenic(self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
                  ) -> subprocess.CompletedProcess:
        """The real command line, as ``python -m apophenic.cli`` inside the venv."""
        return self.run("-m", "apophenic.cli", *args, env=env, cwd=cwd)

    def entry_points(self) -> list[str]:
        """Names in the ``apophenic`` entry-point group, as a fresh interpreter sees them (no torch import)."""
        code = "import importlib.metadata as m; print(*sorted(e.name for e in m.entry_points(group='apophenic')))"
        return self.run("-c", code).stdout.split()


def copy_project(source: Path, dest: Path) -> Path:
    """Copy a plugin project without build leftovers, so builds never write into the repository."""
    import shutil

    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    return dest


