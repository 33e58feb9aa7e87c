"""Keep the code in the plugin docs identical to the tested files it comes from.

A snippet in a markdown page is an include comment followed by a fenced block::

    <!-- include: examples/apophenic-spirograph/apophenic_spirograph/__init__.py:config -->
    ```python
    ...copied text...
    ```

The part after ``:`` names a section marked in the source file by
``# --8<-- [start:config]`` and ``# --8<-- [end:config]`` lines (without it,
the whole file). Paths are relative to the repository root.

    python docs/plugins/snippets.py          # rewrite every block from its source
    python docs/plugins/snippets.py --check  # exit 1 and list the stale blocks
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = Path(__file__).resolve().parent
MARKER = re.compile(r"^\s*# --8<-- \[(start|end):([\w-]+)\]\s*$")
INCLUDE = re.compile(r"^<!-- include: (?P<path>[^:\s]+)(?::(?P<section>[\w-]+))? -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```$",
                     re.M | re.S)


@dataclass
class Snippet:
    page: Path
    path: str
    section: str | None
    body: str
    span: tuple[int, int]

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page} <- {self.path}" + (f":{self.section}" if self.section else "")


def section(path: str, name: str | None) -> str:
    """The text of section ``name`` of ``path`` (marker lines dropped, dedented); the whole file if ``name`` is None."""
    file = ROOT / path
    if not file.is_file():
        raise LookupError(f"no such file {path}")
    lines = file.read_text().splitlines()
    if name is None:
        kept = [line for line in lines if not MARKER.match(line)]
    else:
        starts = [i for i, line in enumerate(lines) if (m := MARKER.match(line)) and m.groups() == ("start", name)]
        ends = [i for i, line in enumerate(lines) if (m := MARKER.match(line)) and m.groups() == ("end", name)]
        if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
            raise LookupError(f"{path}: expected one '# --8<-- [start:{name}]' ... '[end:{name}]' pair")
        kept = [line for line in lines[starts[0] + 1:ends[0]] if not MARKER.match(line)]
    return textwrap.dedent("\n".join(kept)).strip("\n") + "\n"


def snippets(page: Path) -> list[Snippet]:
    """Every include block in a markdown page."""
    text = page.read_text()
    return [Snippet(page, m["path"], m["section"], m["body"], m.span("body")) for m in INCLUDE.finditer(text)]


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def sync(check: bool = False) -> list[str]:
    """Rewrite stale blocks (or, with ``check``, only report them); returns what was stale."""
    stale = []
    for page in pages():
        original = text = page.read_text()
        for snip in reversed(snippets(page)):  # from the end, so earlier spans stay valid
            want = section(snip.path, snip.section)
            if snip.body != want:
                stale.append(snip.where)
                text = text[:snip.span[0]] + want + text[snip.span[1]:]
        if not check and text != original:
            page.write_text(text)
    return stale


if __name__ == "__main__":
    check = "--check" in sys.argv[1:]
    stale = sync(check=check)
    for where in stale:
        print(("stale: " if check else "updated: ") + where)
    sys.exit(1 if check and stale else 0)
