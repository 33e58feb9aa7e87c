"""Word-vector files are data: a pickle never runs, absurd headers never allocate."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from contract import assert_handled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

COMMANDS = [
    ["analogy", "query", "man", "king", "woman"],
    ["analogy", "evaluate"],
    ["analogy", "plot", "man", "king", "woman"],
    ["analogy", "classes", "dog"],
    ["analogy", "draw", "man", "king", "woman"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[1])
@pytest.mark.parametrize("name", ["evil.bin", "evil.model", "evil.txt"])
def test_a_pickle_given_as_vectors_never_runs(hostile, evil_pickle, tmp_path: Path, command, name):
    vectors = evil_pickle(tmp_path / name)
    out = tmp_path / "out"
    extra = {"plot": ["--out", str(out / "plot.png")], "draw": ["--out", str(out)]}.get(command[1], [])
    verdict = hostile(f"vectors-pickle-{command[1]}-{name}", [*command, "--vectors", str(vectors), *extra], watch=[tmp_path])
    assert_handled(verdict)
    assert "save_word2vec_format" in verdict.err


def test_a_gzipped_pickle_never_runs(hostile, evil_pickle, tmp_path: Path):
    import gzip

    raw = evil_pickle(tmp_path / "p").read_bytes()
    (tmp_path / "evil.bin.gz").write_bytes(gzip.compress(raw))
    assert_handled(hostile("vectors-pickle-gz", ["analogy", "query", "man", "king", "woman", "--vectors", str(tmp_path / "evil.bin.gz")]))


@pytest.mark.parametrize(("count", "dim"), [(10**12, 4), (3, 10**11), (10**6, 10**6)])
@pytest.mark.parametrize("binary", [True, False])
def test_a_header_promising_more_than_the_file_holds_is_one_line(hostile, tmp_path: Path, count, dim, binary):
    body = b"king " + (struct.pack("<4f", 1, 2, 3, 4) if binary else b"1 2 3 4") + b"\n"
    path = tmp_path / ("v.bin" if binary else "v.txt")
    path.write_bytes(f"{count} {dim}\n".encode() + body)
    assert_handled(hostile(f"vectors-header-{count}x{dim}-{binary}", ["analogy", "query", "man", "king", "woman", "--vectors", str(path)]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), header=st.sampled_from([b"", b"3 4\n", b"2 3\n", b"\x80\x02", b"PK\x03\x04", b"\x1f\x8b"]))
def test_fuzzed_vectors_files_meet_the_contract(hostile, tmp_path_factory, data, header):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "v.bin"
    path.write_bytes(header + data)
    verdict = hostile("vectors-fuzz", ["analogy", "query", "man", "king", "woman", "--vectors", str(path)], canary=folder / "PWNED")
    # A random file may happen to parse; what it must never do is crash, run code or leave files.
    assert not {"traceback", "code_executed", "files_left", "not_one_line"} & set(verdict.problems) or verdict.code == 0, verdict.explain()
