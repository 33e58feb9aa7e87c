"""Manifest validation and planning: grids expand into cells; bad input is one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from apophenic.batch.manifest import load_manifest, parse_manifest
from apophenic.batch.plan import cells, plan
from apophenic.errors import ApophenicError
from apophenic.registry import get_registry
from batch_support import write_tiny


def test_grid_expands_into_every_combination(tmp_path: Path) -> None:
    manifest = parse_manifest({
        "grid": [{"presets": ["a", "b", "c"], "targets": ["fan", "tick"], "seeds": [0, 1],
                  "overrides": [[], ["size=40"]]}],
        "runs": [{"preset": "a", "seed": 9}],
    }, "m.toml")
    found = cells(manifest)
    assert len(found) == 3 * 2 * 2 * 2 + 1
    assert len({c.label for c in found}) == len(found)
    assert found[-1].where == "runs[0]" and found[-1].seed == 9


@pytest.mark.parametrize(("data", "expected"), [
    ({"grid": [{"presetz": ["a"]}]}, "m.toml: grid[0].presetz: unknown key; did you mean 'presets'"),
    ({"grid": [{"presets": []}]}, "m.toml: grid[0].presets: List should have at least 1 item"),
    ({"runs": [{"seed": 1}]}, "m.toml: runs[0].preset: required key is missing"),
    ({"out": "x"}, "m.toml: a manifest needs at least one [[grid]] or [[runs]] table"),
    ({"generator": {"type": "pixels"}, "objectives": []}, "this is a run preset"),
])
def test_bad_manifest_is_one_line_naming_the_key(data: dict, expected: str) -> None:
    with pytest.raises(ApophenicError) as err:
        parse_manifest(data, "m.toml")
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_preset_rejects_the_manifest_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[grid]]\npresets = ["imagenet-clas"]\n')
    with pytest.raises(ApophenicError) as err:
        plan(load_manifest(path), path, get_registry())
    assert f"{path}: grid[0].presets[0]: unknown preset 'imagenet-clas'; did you mean 'imagenet-class'" in str(err.value)


def test_missing_manifest_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ApophenicError, match="no such manifest file"):
        load_manifest(tmp_path / "nope.toml")


def test_shipped_demo_manifest_plans_24_distinct_runs() -> None:
    path = Path(__file__).parents[2] / "presets" / "manifests" / "gallery-demo.toml"
    planned = plan(load_manifest("gallery-demo"), path, get_registry())
    assert len(planned) == 24
    assert all(p.error is None for p in planned), [p.error for p in planned if p.error]
    assert len({p.name for p in planned}) == 24


def test_one_bad_cell_keeps_its_error_and_the_others_resolve(tiny: Path) -> None:
    planned = plan(load_manifest(tiny), tiny, get_registry())
    good = [p for p in planned if p.error is None]
    bad = [p for p in planned if p.error is not None]
    assert len(good) == 5 and len(bad) == 1  # the random-cnn cell validates; it fails only when built
    assert bad[0].cell.label == "runs[0] tiny.toml × set size=huge"
    assert "size" in bad[0].error and bad[0].name is None
    assert all(p.name.startswith("tiny-") for p in good)
    assert {(p.config["seed"], p.config["objectives"][0]["target"]) for p in good[:4]} == {
        (0, "goldfish"), (1, "goldfish"), (0, "tick"), (1, "tick")}


def test_folder_name_is_the_run_loops_name_for_the_same_recipe(tiny: Path) -> None:
    """The batch's folder for a cell is exactly what `apophenic run` would name it."""
    from apophenic.presets import load
    from apophenic.run import run_name

    planned = plan(load_manifest(tiny), tiny, get_registry())
    config, source = load(str(tiny.parent / "tiny.toml"), ["objectives[0].target=tick", "seed=1"])
    assert run_name(config, source.stem) in {p.name for p in planned}


def test_equal_recipes_collapse_into_one_run(tmp_path: Path) -> None:
    path = write_tiny(tmp_path, '[[grid]]\npresets = ["tiny.toml"]\nseeds = [0, 0]\n'
                                '[[runs]]\npreset = "tiny.toml"\nseed = 0\n')
    planned = plan(load_manifest(path), path, get_registry())
    assert len(planned) == 1
    assert len(planned[0].duplicates) == 2


def test_target_key_and_presets_without_a_target(tmp_path: Path) -> None:
    path = write_tiny(tmp_path, '[[runs]]\npreset = "tiny.toml"\ntarget = "tick"\ntarget_key = "objectives[0].target"\n'
                                '[[grid]]\npresets = ["tiny.toml"]\ntargets = [3]\nset = ["objectives=[]"]\n')
    second, first = plan(load_manifest(path), path, get_registry())  # grids come first
    assert first.config["objectives"][0]["target"] == "tick"
    assert second.error is not None and "target_key" in second.error
