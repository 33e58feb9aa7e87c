"""``apophenic run``: run a preset (or the recipe embedded in a picture)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from apophenic.errors import ApophenicError

DEFAULT_OUT = Path("apophenic-out")


def install(app: typer.Typer) -> None:
    from apophenic.cli import keeping_work_on_signals

    app.command("run")(keeping_work_on_signals(run))


def run(
    preset: Optional[str] = typer.Argument(None, help="Preset name (see `apophenic presets`) or path to a .toml file."),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a key: --set objectives[0].target=tick (repeatable)."),
    seed: Optional[str] = typer.Option(None, "--seed", help="Random seed (overrides the preset), or `random`: pick one, print it and record it."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Optimization steps (overrides optimizer.steps)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Output folder; each run writes a subfolder."),
    from_: Optional[Path] = typer.Option(None, "--from", help="Re-run the recipe embedded in a PNG written by apophenic."),
    read_from: list[Path] = typer.Option([], "--read-from", help="A folder a --from recipe may read files from (repeatable); besides it only the PNG's folder, --out and the installed presets' folders."),
    print_size: Optional[int] = typer.Option(None, "--print-size", help="Long side of the print PNG for vector output."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, preview or summary."),
    force: bool = typer.Option(False, "--force", help="Run again even when an identical run already finished in --out (its folder is replaced)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue a run folder that Ctrl-C or SIGTERM interrupted."),
) -> None:
    """Optimize an image from a preset and write final.png, run.json (and final.svg for drawings).

    Ctrl-C (or SIGTERM) finishes the current step and writes the run folder with the picture
    so far (run.json status "interrupted"); `--resume FOLDER` continues it. A second Ctrl-C
    quits at once, keeping nothing.
    """
    _run(preset, set_, seed, steps, device, out, from_, read_from, print_size, quiet, force, resume)


def _run(preset, set_, seed, steps, device, out, from_, read_from, print_size, quiet, force, resume) -> None:
    from apophenic.confinement import confined
    from apophenic.inputs import findable
    from apophenic.output import read_recipe
    from apophenic.registry import get_registry
    from apophenic.runs import apply_overrides, given_options, options_blamed, preset_data, with_options

    registry = get_registry()
    if resume is not None:
        if preset is not None or from_ is not None or set_ or seed is not None or steps is not None or device is not None:
            raise ApophenicError("--resume FOLDER continues that run as it was: give no preset, --from, --set, --seed, --steps or --device")
        _resume(resume, quiet)
        return
    if (preset is None) == (from_ is None):
        raise ApophenicError("give a preset, --from PICTURE.png or --resume FOLDER (one of them)")
    if from_ is not None:
        recipe = read_recipe(from_)
        data, name = recipe["config"], recipe.get("preset")
        source = Path(recipe["source"]) if recipe.get("source") else from_  # relative paths resolve as they first did
        data = apply_overrides(data, set_)
    else:
        data, source = preset_data(preset, set_)
        name = source.stem
    seed = parse_seed(seed)
    data = with_options(data, seed=seed, device=device, steps=steps, print_size=print_size)
    blamed = options_blamed(set_, given_options(seed=seed, device=device, steps=steps, print_size=print_size))
    if from_ is None:
        with blamed:
            _execute(data, source, out, name, quiet, force)
        return
    # A recipe is data anyone can edit: it reads only under folders the user named, and its
    # errors name the PNG the user gave, not a preset path written inside the recipe.
    folders = [from_.parent, out, *read_from, *{path.parent for path, _ in registry.presets.values()}]
    try:
        with confined(folders, from_), findable(recipe.get("inputs"), [from_.parent, *read_from]), blamed:
            _execute(data, source, out, name, quiet, force)
    except ApophenicError as exc:
        if str(exc).startswith(str(from_)):
            raise
        raise ApophenicError(f"{from_}: its recipe: {exc}") from None


def _resume(folder: Path, quiet: bool) -> None:
    from apophenic.runs import resume_run

    result = resume_run(folder, progress=not quiet)
    if quiet:
        return
    if result.record.get("kind") == "pipeline":
        _pipeline_summary({**result.record, "folder": str(result.folder)})
    else:
        _summary(result.folder, result.record)


SEED_LIMIT = 2**32
"""Seeds are 0 .. 2**32 - 1 (what every random generator in a run accepts)."""


def parse_seed(value: str | None) -> int | None:
    """``--seed``: a number, or ``random`` (a fresh seed, printed even with ``--quiet`` so the run
    can be repeated; run.json, the folder name and the recipe record it like any seed)."""
    if value is None:
        return None
    if value.strip().lower() == "random":
        import secrets

        seed = secrets.randbelow(SEED_LIMIT)
        print(f"seed {seed} (random; --seed {seed} repeats this run)")
        return seed
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not 0 <= seed < SEED_LIMIT:
        raise ApophenicError(f"--seed {value}: expected a whole number 0..{SEED_LIMIT - 1} or `random`")
    return seed


def _execute(data: dict, source: Path, out: Path, name: str | None, quiet: bool, force: bool = False) -> None:
    from apophenic.runs import is_pipeline, run_data

    result = run_data(data, source, out, name=name, progress=not quiet, reuse=not force)
    if result.reused:
        # Same recipe, same folder: say so instead of silently rewriting the same picture.
        print(f"{result.folder}: an identical run already finished here; reusing it (--force runs it again)")
    if quiet:
        return
    if is_pipeline(data):
        _pipeline_summary(result.record)
    else:
        _summary(result.folder, result.record)


def _robust_cell(robust: list[dict], score: dict) -> str:
    """``3 (jpeg)``: the worst rank of this classifier and target over the degradations, and which one."""
    for r in robust:
        if r["perceiver"] == score["perceiver"] and r["target_index"] == score["target_index"]:
            return f"{r['worst_rank']} ({r['worst_degradation']})"
    return "—"


def _clipped(rec: dict) -> str:
    return "" if rec.get("clipped") is None else f"clipped {100 * rec['clipped']:.1f} %"


def _pipeline_summary(record: dict) -> None:
    from rich.console import Console

    console = Console()
    for stage in record["stages"]:
        held = [s for s in stage["scores"] if s["held_out"]]
        score = ", ".join(f"{s['perceiver']} {s['target']} p={s['probability']:.3f} rank {s['rank']}, "
                          f"worst robust rank {_robust_cell(stage.get('robust', []), s)}" for s in held)
        console.print(f"{stage['folder']}: {stage['wall_seconds']:.1f} s, {_clipped(stage)}" + (f"; held-out {score}" if score else ""))
    console.print(f"[bold]{record['folder']}[/]  {len(record['stages'])} stage runs in {record['wall_seconds']:.1f} s")


def _summary(folder, rec: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    obj = rec["objective"]
    console.print(f"[bold]{folder}[/]  objective {obj['start']['total']:.4f} → {obj['end']['total']:.4f}  "
                  f"({rec['wall_seconds']:.1f} s on {rec['device']}; {_clipped(rec)})")
    if rec["scores"]:
        robust = rec.get("robust", [])
        for held in (False, True):
            rows = [s for s in rec["scores"] if s["held_out"] == held]
            if not rows:
                continue
            table = Table(title="held-out classifiers" if held else "optimized ensemble", title_justify="left")
            for col in ("perceiver", "target", "probability", "rank", "worst robust rank", "top class"):
                table.add_column(col)
            for s in rows:
                table.add_row(s["perceiver"], s["target"], f"{s['probability']:.3f}", str(s["rank"]), _robust_cell(robust, s), s["top"])
            console.print(table)
        if not any(s["held_out"] for s in rec["scores"]):
            console.print("no held-out classifier: every perceiver was optimized against, so no held-out score exists")
        if robust:
            views = ", ".join(robust[0]["degradations"])
            console.print(f"worst robust rank: the target's worst rank on the picture after each of {views} "
                          "(legibility.degradations); 1 means a print or a glance still shows it")
