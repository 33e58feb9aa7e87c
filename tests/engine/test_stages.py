"""Inheritance, user preset folders and multi-stage pipelines."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from apophenic import stages
from apophenic.errors import ApophenicError, ConfigError
from apophenic.output import read_recipe
from apophenic.preset_loader import load, load_data
from apophenic.registry import load as load_registry


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_extends_deep_merges_and_set_overrides(tmp_path, tiny_preset):
    child = _write(tmp_path, "child.toml", """
extends = "tiny.toml"
description = "a tick instead"
seed = 9
[optimizer]
lr = 0.2
[set]
"objectives[0].target" = "tick"
""")
    config, _ = load(str(child))
    assert config.seed == 9 and config.description == "a tick instead"
    assert config.optimizer.lr == 0.2 and config.optimizer.steps == 4  # merged, not replaced
    assert config.objectives[0].target == "tick" and config.generator.type == "fourier"


def test_extends_a_shipped_preset_by_name(tmp_path):
    child = _write(tmp_path, "house.toml", 'extends = "imagenet-class"\n[set]\n"objectives[0].target" = "tick"\n')
    data, _ = load_data(str(child))
    assert data["objectives"][0]["target"] == "tick" and data["perceivers"][2]["held_out"] is True


def test_override_of_a_key_the_base_lacks_is_an_error(tmp_path, tiny_preset):
    child = _write(tmp_path, "child.toml", 'extends = "tiny.toml"\n[set]\n"objectives[3].target" = "tick"\n')
    with pytest.raises(ConfigError, match=r"set.objectives\[3\].target: the base preset 'tiny.toml' has no key"):
        load(str(child))


def test_inheritance_cycle_names_the_chain(tmp_path):
    _write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    _write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="inheritance cycle: a.toml -> b.toml -> a.toml"):
        load(str(tmp_path / "a.toml"))


def test_user_folder_presets_shadow_shipped_ones(tmp_path, monkeypatch, tiny_preset):
    folder = tmp_path / "house"
    folder.mkdir()
    _write(folder, "imagenet-class.toml", tiny_preset.read_text())
    _write(folder, "mine.toml", tiny_preset.read_text())
    monkeypatch.setenv("APOPHENIC_PRESETS_PATH", str(folder))
    registry = load_registry()
    assert registry.presets["mine"][1] == f"user: {folder}"
    assert registry.presets["imagenet-class"][0] == folder / "imagenet-class.toml"


def _pipeline(tmp_path: Path, tiny_preset: Path, extra: str = "") -> Path:
    return _write(tmp_path, "pipe.toml", f"""
description = "two stages"
seed = 5
[[stages]]
name = "draw"
preset = "tiny.toml"
[[stages]]
name = "refine"
preset = "tiny.toml"
init = "image"
set = {{ "objectives[0].target" = "tick" }}
{extra}
""")


def test_two_stage_pipeline_links_the_chain(tmp_path, tiny_preset):
    pipe = _pipeline(tmp_path, tiny_preset)
    data, source = load_data(str(pipe))
    record = stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe")
    folder = Path(record["folder"])
    saved = json.loads((folder / "run.json").read_text())
    assert (saved["format"], saved["kind"]) == (1, "pipeline") and "final.png" in saved["files"]
    assert [s["stage"] for s in saved["stages"]] == ["draw", "refine"]
    for stage in saved["stages"]:
        stage_run = json.loads((folder / stage["folder"] / "run.json").read_text())
        assert stage_run["seed"] == 5
        assert stage["clipped"] == stage_run["clipped"] and stage["robust"] == stage_run["robust"]  # legibility per stage
    assert saved["robust"] == saved["stages"][-1]["robust"] and saved["robust"]  # ... and of the pipeline's picture
    assert saved["clipped"] == saved["stages"][-1]["clipped"]
    second = json.loads((folder / saved["stages"][1]["folder"] / "run.json").read_text())
    assert second["config"]["generator"]["type"] == "image"
    assert second["config"]["generator"]["path"].endswith("final.png")
    assert read_recipe(folder / "final.png")["pipeline"] is True
    # the last stage's picture is the pipeline's picture
    last = np.asarray(Image.open(folder / saved["stages"][1]["folder"] / "final.png"))
    assert np.array_equal(np.asarray(Image.open(folder / "final.png")), last)


def test_fan_out_runs_every_variant_from_the_same_input(tmp_path, tiny_preset):
    pipe = _write(tmp_path, "fan.toml", """
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 2 }
[[stages]]
name = "restyle"
preset = "tiny.toml"
init = "image"
optimizer = { steps = 2 }
variants = [{ name = "tick", set = { "objectives[0].target" = "tick" } }, { name = "fan", set = { "objectives[0].target" = "electric fan" } }]
""")
    data, source = load_data(str(pipe))
    record = stages.execute(data, source, tmp_path / "out", progress=False, preset="fan")
    assert [s["variant"] for s in record["stages"]] == [None, "tick", "fan"]
    assert len(record["finals"]) == 2


@pytest.mark.parametrize(
    ("stage2", "message"),
    [
        ('preset = "no-such-preset"', "unknown preset 'no-such-preset'"),
        ('preset = "tiny.toml"\ninit = "previous"\ngenerator = { type = "fourier" }', "generator 'fourier' cannot start from the previous stage's output"),
        ('preset = "tiny.toml"\nset = { "objectives[7].target" = "tick" }', "has no key"),
        ('preset = "tiny.toml"\ninit = "sideways"', "expected 'previous', 'image' or 'none'"),
    ],
)
def test_bad_stage_fails_before_anything_runs(tmp_path, tiny_preset, stage2, message, files_under):
    pipe = _write(tmp_path, "bad.toml", f'[[stages]]\npreset = "tiny.toml"\n[[stages]]\n{stage2}\n')
    data, source = load_data(str(pipe))
    before = files_under(tmp_path)
    with pytest.raises(ApophenicError, match=message):
        stages.execute(data, source, tmp_path / "out", progress=False)
    assert files_under(tmp_path) == before


def test_cli_runs_a_pipeline_and_reruns_it_from_the_picture(tmp_path, tiny_preset, capsys):
    from apophenic.cli import main

    pipe = _pipeline(tmp_path, tiny_preset)
    with pytest.raises(SystemExit) as first:
        main(["run", str(pipe), "--out", str(tmp_path / "a"), "--quiet"])
    assert first.value.code in (0, None)
    (folder,) = (tmp_path / "a").iterdir()
    with pytest.raises(SystemExit) as again:
        # the pipeline's presets live in tmp_path: a recipe reads there only when the user says so
        main(["run", "--from", str(folder / "final.png"), "--read-from", str(tmp_path), "--out", str(tmp_path / "b"), "--quiet"])
    assert again.value.code in (0, None)
    (rerun,) = (tmp_path / "b").iterdir()
    assert np.array_equal(np.asarray(Image.open(folder / "final.png")), np.asarray(Image.open(rerun / "final.png")))


def test_presets_show_resolved(tmp_path, tiny_preset, capsys):
    from apophenic.cli import main

    child = _write(tmp_path, "child.toml", 'extends = "tiny.toml"\n[set]\n"objectives[0].target" = "tick"\n')
    with pytest.raises(SystemExit):
        main(["presets", "show", str(child), "--resolved"])
    out = capsys.readouterr().out
    assert 'target = "tick"' in out and "extends" not in out and 'type = "fourier"' in out


def test_previous_placeholder_points_at_the_previous_run(tmp_path, tiny_preset):
    pipe = _write(tmp_path, "ph.toml", """
[[stages]]
preset = "tiny.toml"
optimizer = { steps = 1 }
[[stages]]
preset = "tiny.toml"
init = "none"
optimizer = { steps = 1 }
generator = { type = "image", path = "${previous}/final.png" }
""")
    data, source = load_data(str(pipe))
    record = stages.execute(data, source, tmp_path / "out", progress=False)
    folder = Path(record["folder"])
    second = json.loads((folder / record["stages"][1]["folder"] / "run.json").read_text())
    assert second["config"]["generator"]["path"].endswith(f"{record['stages'][0]['folder'].split('/')[-1]}/final.png")


def test_pipeline_runs_from_a_relative_out_in_another_folder(tmp_path, tiny_preset, monkeypatch):
    """${previous} resolves to the stage's folder wherever the preset lives and whatever the working folder."""
    presets = tmp_path / "presets"
    presets.mkdir()
    shutil.copy(tiny_preset, presets / "tiny.toml")
    pipe = _write(presets, "pipe.toml", """
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 1 }
[[stages]]
name = "again"
preset = "tiny.toml"
init = "none"
optimizer = { steps = 1 }
score_targets = ["tick"]
generator = { type = "image", path = "${previous}/final.png" }
""")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    data, source = load_data(str(pipe))
    record = stages.execute(data, source, Path("rel-out"), progress=False, preset="pipe")
    folder = Path(record["folder"])
    assert folder.parent == Path("rel-out") and (work / folder / "final.png").is_file()
    assert [s["stage"] for s in record["stages"]] == ["draw", "again"]
    assert [p.name for p in (work / "rel-out").iterdir()] == [folder.name]


def test_steps_seed_and_device_apply_to_every_stage(tmp_path, tiny_preset):
    from apophenic.runs import with_options

    pipe = _pipeline(tmp_path, tiny_preset)
    data, source = load_data(str(pipe))
    data = with_options(data, steps=1, seed=9, device="cpu")
    record = stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe")
    folder = Path(record["folder"])
    for stage in record["stages"]:
        run = json.loads((folder / stage["folder"] / "run.json").read_text())
        assert (run["steps"], run["seed"], run["config"]["device"]) == (1, 9, "cpu")


def test_a_failed_stage_keeps_the_finished_ones_and_says_which_failed(tmp_path, tiny_preset):
    pipe = _write(tmp_path, "pipe.toml", """
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 1 }
[[stages]]
name = "broken"
preset = "tiny.toml"
init = "none"
optimizer = { steps = 1 }
generator = { type = "image", path = "no-such-picture.png" }
""")
    data, source = load_data(str(pipe))
    with pytest.raises(ApophenicError, match=r"^stage 2/2 broken failed: .*no-such-picture.png.* — "
                                             r"the finished stages are kept in .*/stages/$") as failed:
        stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe")
    assert "\n" not in str(failed.value)
    (folder,) = (tmp_path / "out").iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed" and record["failed"]["stage"] == "broken" and "no-such-picture" in record["failed"]["error"]
    assert [s["stage"] for s in record["stages"]] == ["draw"]
    assert (folder / record["stages"][0]["folder"] / "final.png").is_file()


def test_a_failing_first_stage_writes_nothing(tmp_path, tiny_preset, files_under):
    pipe = _write(tmp_path, "pipe.toml", '[[stages]]\npreset = "tiny.toml"\ngenerator = { type = "image", path = "gone.png" }\n'
                                         '[[stages]]\npreset = "tiny.toml"\ninit = "image"\n')
    data, source = load_data(str(pipe))
    for progress in (False, True):
        with pytest.raises(ApophenicError, match="gone.png"):
            stages.execute(data, source, tmp_path / "out", progress=progress, preset="pipe")
        assert not (tmp_path / "out").exists()


def _run_counting(at: int | None, fn):
    """``fn()`` with a plugin counting steps across a whole pipeline and asking to stop after step
    ``at`` (counted from 1); returns (fn's result or the interrupt, steps taken)."""
    from apophenic import hookimpl
    from apophenic.interrupt import request_stop
    from apophenic.registry import get_registry

    class StopAtStep:
        calls = 0

        @hookimpl
        def on_step(self, state) -> None:
            self.calls += 1
            if self.calls == at:
                request_stop("test")

    plugin = StopAtStep()
    get_registry().manager.register(plugin, name=f"count-{id(plugin)}")
    try:
        try:
            return fn(), plugin.calls
        except KeyboardInterrupt as exc:
            return exc, plugin.calls
    finally:
        get_registry().manager.unregister(plugin)


def test_an_interrupted_pipeline_keeps_its_stages(tmp_path, tiny_preset):
    from apophenic.interrupt import RunInterrupted

    pipe = _write(tmp_path, "pipe.toml", """
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 2 }
[[stages]]
name = "refine"
preset = "tiny.toml"
init = "image"
optimizer = { steps = 3 }
""")
    data, source = load_data(str(pipe))
    # stage 1 has 2 steps: step 3 is stage 2's first
    stopped, _ = _run_counting(3, lambda: stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe"))
    assert isinstance(stopped, RunInterrupted)
    assert (stopped.step, stopped.steps, stopped.resumable) == (1, 3, True)
    (folder,) = (tmp_path / "out").iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "interrupted"
    assert [(s["stage"], s.get("status")) for s in record["stages"]] == [("draw", None), ("refine", "interrupted")]
    second = json.loads((folder / record["stages"][1]["folder"] / "run.json").read_text())
    assert (second["status"], second["stopped_at"]) == ("interrupted", 1)


_THREE_STAGES = """
seed = 2
[[stages]]
name = "draw"
preset = "tiny.toml"
optimizer = { steps = 2 }
[[stages]]
name = "refine"
preset = "tiny.toml"
init = "image"
optimizer = { steps = 3 }
[[stages]]
name = "again"
preset = "tiny.toml"
init = "none"
optimizer = { steps = 2 }
generator = { type = "image", path = "${previous}/final.png" }
"""


@pytest.mark.parametrize("stop_after", [3, 2], ids=["inside-stage-2", "between-stages"])
def test_an_interrupted_pipeline_resumes_to_the_pixels_of_an_uninterrupted_one(tmp_path, tiny_preset, stop_after):
    from apophenic.runs import resume_run

    pipe = _write(tmp_path, "pipe.toml", _THREE_STAGES)
    data, source = load_data(str(pipe))
    whole, steps = _run_counting(None, lambda: stages.execute(data, source, tmp_path / "whole", progress=False, preset="pipe"))
    assert steps == 7
    stopped, _ = _run_counting(stop_after, lambda: stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe"))
    assert stopped.resumable
    (folder,) = (tmp_path / "out").iterdir()
    first_stage = json.loads((folder / "stages" / json.loads((folder / "run.json").read_text())["stages"][0]["folder"].split("/")[-1] / "run.json").read_text())

    resumed, steps = _run_counting(None, lambda: resume_run(folder))
    assert steps == 7 - stop_after  # the finished stage is kept, the interrupted one continues: no step is taken twice
    assert resumed.folder == folder and [p.name for p in (tmp_path / "out").iterdir()] == [folder.name]
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "finished" and [s["stage"] for s in record["stages"]] == ["draw", "refine", "again"]
    kept = json.loads((folder / record["stages"][0]["folder"] / "run.json").read_text())
    assert kept == first_stage  # the first stage's folder is the one the interrupted run wrote
    for mine, theirs in zip(record["stages"], whole["stages"]):
        a = np.asarray(Image.open(folder / mine["folder"] / "final.png"))
        b = np.asarray(Image.open(Path(whole["folder"]) / theirs["folder"] / "final.png"))
        assert np.array_equal(a, b), mine["stage"]
    assert not list(folder.rglob("resume.pt")) and not list((tmp_path / "out").glob(".*"))


def test_pipeline_stages_record_where_the_previous_stage_was_published(tmp_path, tiny_preset):
    """Stage recipes name the published folder (not the staging one), so equal pipelines name their stages alike."""
    pipe = _write(tmp_path, "pipe.toml", _THREE_STAGES)
    data, source = load_data(str(pipe))
    first = stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe")
    names = [s["folder"] for s in first["stages"]]
    folder = Path(first["folder"])
    for stage in first["stages"][1:]:
        config = json.loads((folder / stage["folder"] / "run.json").read_text())["config"]
        path = Path(config["generator"]["path"])
        assert path.is_file() and path.is_relative_to(folder.absolute())  # still true after publishing
    again = stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe")
    assert [s["folder"] for s in again["stages"]] == names


def test_resume_refuses_a_stage_and_a_tampered_pipeline_in_one_line(tmp_path, tiny_preset, files_under):
    from apophenic.runs import resume_run

    pipe = _write(tmp_path, "pipe.toml", _THREE_STAGES)
    data, source = load_data(str(pipe))
    _run_counting(3, lambda: stages.execute(data, source, tmp_path / "out", progress=False, preset="pipe"))
    (folder,) = (tmp_path / "out").iterdir()
    record = json.loads((folder / "run.json").read_text())
    stage = folder / record["stages"][1]["folder"]
    with pytest.raises(ApophenicError, match=r"a stage of the pipeline in .*; resume the pipeline: apophenic run --resume "):
        resume_run(stage)
    before = files_under(tmp_path / "out")
    for bad in ("../../elsewhere", "/etc", "stages/../../x"):
        tampered = {**record, "stages": [{**record["stages"][0], "folder": bad}, *record["stages"][1:]]}
        (folder / "run.json").write_text(json.dumps(tampered))
        with pytest.raises(ApophenicError, match="is not inside the pipeline's folder") as refused:
            resume_run(folder)
        assert "\n" not in str(refused.value)
    (folder / "run.json").write_text(json.dumps(record))
    assert files_under(tmp_path / "out") == before  # a refusal writes nothing
