"""``apophenic abstraction sweep`` and ``apophenic abstraction leave-one-out``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

DEFAULT_PRESET = "perception-engine"

app = typer.Typer(help="Perception Engines: drawings an ensemble of classifiers recognises, scored on held-out ones.",
                  no_args_is_help=True)


def install(cli: typer.Typer) -> None:
    """Add the ``abstraction`` command group to the root CLI."""
    cli.add_typer(app, name="abstraction")


def _load(preset: str, set_: list[str], seed: Optional[int], steps: Optional[int], device: Optional[str],
          optimize: Optional[str], hold_out: Optional[str]) -> tuple[dict[str, Any], Path]:
    from apophenic.plugins.abstraction.ensemble import parse_list, split_perceivers
    from apophenic.runs import preset_data, with_options

    data, source = preset_data(preset, set_)
    data = with_options(data, seed=seed, device=device, steps=steps)
    return split_perceivers(data, parse_list(optimize), parse_list(hold_out)), source


_PRESET = typer.Option(DEFAULT_PRESET, "--preset", "-p", help="Preset to run (see `apophenic presets`) or a .toml path.")
_SET = typer.Option([], "--set", "-s", help="Override a preset key: --set optimizer.lr=0.02 (repeatable).")
_SEED = typer.Option(None, "--seed", help="Random seed (overrides the preset).")
_STEPS = typer.Option(None, "--steps", help="Optimization steps (overrides optimizer.steps).")
_DEVICE = typer.Option(None, "--device", help="auto, cpu, cuda or mps.")
_OUT = typer.Option(Path("apophenic-out"), "--out", "-o", help="Output folder; each run writes a subfolder.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars or tables.")


@app.command("sweep")
def sweep_command(
    targets: str = typer.Option(..., "--targets", "-t", help='Comma-separated ImageNet classes: "electric fan,tick,hammerhead".'),
    preset: str = _PRESET,
    optimize: Optional[str] = typer.Option(None, "--optimize", help="Comma-separated perceivers to optimize against (the preset's others are held out)."),
    hold_out: Optional[str] = typer.Option(None, "--hold-out", help="Comma-separated perceivers to hold out (the preset's others are optimized)."),
    sheet: Optional[Path] = typer.Option(None, "--sheet", help="Contact sheet path (default OUT/contact-sheet.png)."),
    set_: list[str] = _SET, seed: Optional[int] = _SEED, steps: Optional[int] = _STEPS, device: Optional[str] = _DEVICE,
    out: Path = _OUT, quiet: bool = _QUIET,
) -> None:
    """Draw several targets and write one contact sheet with each drawing and its held-out score."""
    from apophenic.plugins.abstraction.ensemble import parse_list
    from apophenic.plugins.abstraction.sweep import sweep

    data, source = _load(preset, set_, seed, steps, device, optimize, hold_out)
    drawings = sweep(data, parse_list(targets) or [], out, source=source, preset=source.stem,
                     progress=not quiet, sheet=sheet)
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sweep", title_justify="left")
    for col in ("target", "ensemble p / rank", "held-out p / rank", "seconds", "folder"):
        table.add_column(col)
    for d in drawings:
        def cell(held: bool) -> str:
            rows = [s for s in d.record["scores"] if s["held_out"] == held]
            return ", ".join(f"{s['perceiver'].removeprefix('efficientnet-')} {s['probability']:.2f}/{s['rank']}" for s in rows) or "none"
        table.add_row(d.target, cell(False), cell(True), f"{d.record['wall_seconds']:.0f}", d.result.folder.name)
    console = Console()
    console.print(table)
    if not any(s["held_out"] for d in drawings for s in d.record["scores"]):
        console.print("no held-out classifier: every perceiver was optimized against, so no held-out score exists")
    console.print(f"contact sheet: {sheet or out / 'contact-sheet.png'}")


@app.command("leave-one-out")
def leave_one_out_command(
    target: str = typer.Option("electric fan", "--target", "-t", help="ImageNet class to draw."),
    perceivers: Optional[str] = typer.Option(None, "--perceivers", help="Comma-separated classifiers (default: the preset's); each is held out once."),
    preset: str = _PRESET,
    set_: list[str] = _SET, seed: Optional[int] = _SEED, steps: Optional[int] = _STEPS, device: Optional[str] = _DEVICE,
    out: Path = _OUT, quiet: bool = _QUIET,
) -> None:
    """Run one target once per held-out classifier and print the transfer matrix (rank of the target)."""
    from apophenic.plugins.abstraction.ensemble import parse_list
    from apophenic.plugins.abstraction.sweep import leave_one_out

    data, source = _load(preset, set_, seed, steps, device, None, None)
    matrix = leave_one_out(data, target, parse_list(perceivers), out, source=source, preset=source.stem,
                           progress=not quiet)
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    names = matrix["perceivers"]
    table = Table(title=f"transfer matrix for {target!r}: probability / rank (held-out cell in bold)", title_justify="left")
    table.add_column("held out ↓ / scored by →")
    for n in names:
        table.add_column(n.removeprefix("efficientnet-"))
    for row in matrix["rows"]:
        cells = []
        for n in names:
            s = row["scores"].get(n)
            text = f"{s['probability']:.2f} / {s['rank']}" if s else "-"
            cells.append(f"[bold]{text}[/]" if n == row["held_out"] else text)
        table.add_row(row["held_out"], *cells)
    Console().print(table)
