"""A batch whose output disk fills up: one-line errors, no half-written run, and it resumes once there is room."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from apophenic.batch import run_batch
from apophenic.batch.journal import is_complete
from apophenic.errors import ApophenicError
from batch_support import write_tiny

MANIFEST = """\
[[grid]]
presets = ["tiny.toml"]
seeds = [0, 1, 2]
"""


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 96 KiB tmpfs (needs root, as CI has); skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_leaves_only_complete_runs_and_resumes(small_disk: Path, tmp_path: Path) -> None:
    manifest = write_tiny(tmp_path / "m", MANIFEST)
    out = small_disk / "out"
    out.mkdir()
    (small_disk / "ballast").write_bytes(b"\0" * 56 * 1024)  # leaves room for about one run
    try:
        report = run_batch(manifest, out, workers=1, progress=False)
        errors = [error for _, error in report.failures]
    except ApophenicError as exc:  # the journal itself could not be written
        errors = [str(exc)]
    assert errors and all("No space left on device" in e and "\n" not in e for e in errors)
    runs = [p for p in out.iterdir() if p.name.startswith("tiny-")]
    assert all(is_complete(p) for p in runs)
    assert not list(out.glob(".tmp-*"))

    (small_disk / "ballast").unlink()
    report = run_batch(manifest, out, workers=1, progress=False, retry_failed=True)
    assert report.counts["done"] == 3 and report.failures == []
