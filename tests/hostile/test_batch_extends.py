"""A preset that works with ``apophenic run`` works in a batch: ``extends`` and ``[set]`` are resolved the same way."""

from __future__ import annotations

from pathlib import Path

from batch_presets import write_tiny

CHILD = """\
extends = "tiny.toml"
seed = 7

[set]
"objectives[0].target" = "tick"
"""


def test_batch_resolves_extends_like_run(hostile, tmp_path: Path) -> None:
    from apophenic.batch.manifest import load_manifest
    from apophenic.batch.plan import plan
    from apophenic.preset_loader import load
    from apophenic.registry import get_registry

    manifest = write_tiny(tmp_path, '[[runs]]\npreset = "child.toml"\n')
    (tmp_path / "child.toml").write_text(CHILD)
    (planned,) = plan(load_manifest(manifest), manifest, get_registry())
    assert planned.error is None, planned.error
    config, _ = load(str(tmp_path / "child.toml"))
    assert planned.config == config.model_dump(mode="json")  # the very config `apophenic run child.toml` renders
    assert planned.config["objectives"][0]["target"] == "tick" and planned.config["seed"] == 7
    # and the CLI agrees: the run is pending, not failed, and asking wrote nothing
    verdict = hostile("batch-extends-status", ["batch", str(manifest), "--out", str(tmp_path / "out"), "--status"],
                      watch=[tmp_path], expect_code=0)
    assert verdict.handled, verdict.explain()
    assert "0 failed" in verdict.out and "1 pending" in verdict.out, verdict.out
