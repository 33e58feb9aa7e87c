"""The plugin docs cannot rot: every hook documented with its exact signature and tested, every snippet current."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys

import pytest
from kit_helpers import DOCS, ROOT

from apophenic import hookspecs
from apophenic.api import hook_signature


def snippets_tool():
    spec = importlib.util.spec_from_file_location("apophenic_docs_snippets", DOCS / "snippets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


HOOKS = hookspecs.hook_names()


def test_the_hook_list_is_what_plugins_can_implement():
    # hook_names() drives every check below; make sure it sees the real specs.
    assert "register_generators" in HOOKS and "on_finish" in HOOKS
    assert len(HOOKS) == len({n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "apophenic_spec")})


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_page_with_its_exact_signature(hook):
    page = DOCS / "hooks" / f"{hook}.md"
    assert page.is_file(), f"hook {hook!r} has no page {page.relative_to(ROOT)}"
    text = page.read_text()
    assert f"def {hook_signature(hook)}\n" in text, f"{page.name} does not show the signature def {hook_signature(hook)}"
    for param in re.findall(r":param (\w+):", hookspecs.__dict__[hook].__doc__ or ""):
        assert f"`{param}`" in text, f"{page.name} does not describe parameter {param!r}"
    assert f"<!-- include: docs/plugins/examples/{hook}.py:example -->" in text, f"{page.name} has no tested example"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test_named_after_it(hook):
    names = set()
    for path in (ROOT / "tests" / "plugins_kit").glob("test_*.py"):
        names |= {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
    assert f"test_{hook}" in names, f"no test named test_{hook} in tests/plugins_kit/"


def test_no_page_for_a_hook_that_does_not_exist():
    pages = {p.stem for p in (DOCS / "hooks").glob("*.md")}
    assert pages <= set(HOOKS), f"pages for unknown hooks: {sorted(pages - set(HOOKS))}"


def test_the_index_links_every_hook_page():
    index = (DOCS / "README.md").read_text()
    for hook in HOOKS:
        assert f"(hooks/{hook}.md)" in index, f"docs/plugins/README.md does not link hooks/{hook}.md"


def test_every_snippet_matches_the_tested_file_it_comes_from():
    tool = snippets_tool()
    stale = tool.sync(check=True)
    assert not stale, "stale doc snippets (run: python docs/plugins/snippets.py):\n" + "\n".join(stale)


def test_snippets_come_only_from_tested_files():
    tool = snippets_tool()
    found = [s for page in tool.pages() for s in tool.snippets(page)]
    assert len(found) >= 20  # the include regex really finds them
    tested_roots = ("examples/apophenic-spirograph/", "docs/plugins/examples/")
    for snip in found:
        assert snip.path.startswith(tested_roots), f"{snip.where}: snippets must come from tested example code"


def test_every_code_block_in_the_docs_is_an_include_or_not_python():
    # A hand-written Python block would not be tested; only includes (and console/toml sketches) are allowed.
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text()
        for m in re.finditer(r"^(.*)\n```python\n", text, re.M):
            prev = m.group(1)
            ok = prev.startswith("<!-- include:") or "## Signature" in text[max(0, m.start() - 40):m.start() + 1]
            assert ok, f"{page.relative_to(ROOT)}: a python block that is not included from a tested file"


def test_a_stale_snippet_is_detected(tmp_path, monkeypatch):
    tool = snippets_tool()
    page = tmp_path / "page.md"
    page.write_text("<!-- include: docs/plugins/examples/on_step.py:example -->\n```python\nold code\n```\n")
    monkeypatch.setattr(tool, "pages", lambda: [page])
    assert tool.sync(check=True) == [f"{page} <- docs/plugins/examples/on_step.py:example"]
    tool.sync()
    assert "@hookimpl" in page.read_text() and "old code" not in page.read_text()
    assert tool.sync(check=True) == []


def test_the_debugging_page_shows_the_real_trace_format(monkeypatch, capsys):
    from kit_helpers import doc_example

    from apophenic.registry import load

    monkeypatch.setenv("APOPHENIC_LOAD_PLUGINS", "")
    monkeypatch.setenv("APOPHENIC_TRACE_PLUGINS", "1")
    load(extra=[("mosaic", doc_example("register_generators"))]).collect_components()  # component hooks run lazily
    err = capsys.readouterr().err
    page = (DOCS / "debugging.md").read_text()
    for shown in ("[apophenic] call register_generators({'register': '<function ",
                  "[apophenic] done register_generators: []"):
        assert shown in page and shown in err
    assert "-> [mosaic]" in err
