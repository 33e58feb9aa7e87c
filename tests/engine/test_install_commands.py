"""The README's two commands are what CI runs: `.ci/run` reads them out of the README itself."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_command(name: str) -> str:
    """The command `.ci/run` extracts for ``name``, by running its own extraction on the README."""
    script = (ROOT / ".ci" / "run").read_text()
    function = re.search(r"^readme_command\(\) \{\n.*?^\}\n", script, re.M | re.S).group(0)
    done = subprocess.run(["bash", "-c", f"{function}\nreadme_command {name}"], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_ci_runs_the_readme_install_line_then_its_test_line():
    install, tests = readme_command("install"), readme_command("test")
    assert install.startswith("pip install torch==2.13.0 && ")  # torch first and pinned, always
    assert "apophenic run imagenet-class" in install
    assert tests.endswith("python -m pytest -q") and '".[test]"' in tests
    script = (ROOT / ".ci" / "run").read_text()
    assert 'bash -euo pipefail -c "$install"' in script and 'bash -euo pipefail -c "$tests"' in script
    assert script.index('-c "$install"') < script.index('-c "$tests"')
    readme = (ROOT / "README.md").read_text()
    assert f"```bash\n{install}\n```" in readme and f"```bash\n{tests}\n```" in readme


def test_the_first_picture_installs_no_test_or_batch_tool():
    install = readme_command("install")
    assert "[" not in install.split("pip install -e", 1)[1].split("&&")[0]  # the bare project, no extra
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"]).lower()
    for tool in ("pytest", "hypothesis", "dask", "playwright", "import-linter"):
        assert tool not in base, f"{tool} is a test or batch tool: it belongs in an extra"
        assert any(tool in r.lower() for r in project["optional-dependencies"]["test"]), f"the test extra lacks {tool}"
