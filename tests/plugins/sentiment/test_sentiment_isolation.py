"""The sentiment plugin imports no other plugin's modules (the MiniLM reader is the engine's ``apophenic.minilm``)."""

import ast
from pathlib import Path

import apophenic.plugins.sentiment as sentiment


def test_sentiment_imports_only_itself_and_the_engine():
    crossings = []
    for path in sorted(Path(sentiment.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            crossings += [f"{path.name}:{node.lineno} imports {n}" for n in names
                          if n.startswith("apophenic.plugins.") and not n.startswith("apophenic.plugins.sentiment")]
    assert not crossings, "\n".join(crossings)
