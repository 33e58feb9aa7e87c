"""``apophenic dream PHOTO --layer deep``: DeepDream on a photo in one command.

A shortcut over ``apophenic run dream-deep --set generator.path=PHOTO ...``:
the options rewrite keys of a preset, then the engine's run loop does the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

DEFAULT_OUT = Path("apophenic-out")


def install(cli: typer.Typer) -> None:
    cli.command("dream")(dream)


def dream(
    photo: str = typer.Argument(..., help="Photo to dream on (PNG/JPEG) or a scikit-image sample such as skimage:chelsea."),
    layer: str = typer.Option("deep", "--layer", "-l", help="Layer name or alias (shallow, mid, deep); list with `apophenic layers PERCEIVER`."),
    channel: Optional[int] = typer.Option(None, "--channel", "-c", help="Dream one channel of the layer instead of the whole layer."),
    perceiver: Optional[str] = typer.Option(None, "--perceiver", "-p", help="Perceiver type (default: the preset's, efficientnet-lite0)."),
    preset: str = typer.Option("dream-deep", "--preset", help="Preset whose settings the options change."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Steps in all, spread over the octaves."),
    octaves: Optional[int] = typer.Option(None, "--octaves", help="Number of octaves (scales)."),
    octave_scale: Optional[float] = typer.Option(None, "--octave-scale", help="Size ratio between octaves."),
    step_size: Optional[float] = typer.Option(None, "--step-size", help="Mean pixel change per step (0..1 scale)."),
    jitter: Optional[int] = typer.Option(None, "--jitter", help="Largest random shift in pixels per step."),
    tile: Optional[int] = typer.Option(None, "--tile", help="Tile side for the gradient; larger photos are tiled."),
    blend: Optional[float] = typer.Option(None, "--blend", help="Strength 0..1: 0 the original photo, 1 the full dream."),
    long_side: Optional[int] = typer.Option(None, "--long-side", help="Resize the photo so its longer side has this many pixels."),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override any preset key: --set optimizer.overlap=96 (repeatable)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Output folder; each run writes a subfolder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """DeepDream a photo: amplify what a layer of the network sees in it (writes final.png and run.json)."""
    from apophenic.runs import options_blamed, preset_data, run_data, validate_run

    data, source = preset_data(preset, set_)
    data = dream_data(data, photo=photo, layer=layer, channel=channel, perceiver=perceiver, steps=steps, octaves=octaves,
                      octave_scale=octave_scale, step_size=step_size, jitter=jitter, tile=tile, blend=blend,
                      long_side=long_side, seed=seed, device=device)
    with options_blamed(set_):
        check_layer(validate_run(data, source), layer)
        result = run_data(data, source, out, name=source.stem, progress=not quiet)
    if not quiet:
        record = result.record
        objective = record["objective"]
        typer.echo(f"{result.folder}  {objective['description']}: {objective['start']['total']:.4f} → "
                   f"{objective['end']['total']:.4f}  ({record['wall_seconds']:.1f} s on {record['device']})")


def dream_data(data: dict[str, Any], *, photo: str, layer: str, channel: int | None = None, perceiver: str | None = None,
               steps: int | None = None, octaves: int | None = None, octave_scale: float | None = None,
               step_size: float | None = None, jitter: int | None = None, tile: int | None = None,
               blend: float | None = None, long_side: int | None = None, seed: int | None = None,
               device: str | None = None) -> dict[str, Any]:
    """Preset data rewritten for one photo and the command's options (``None`` keeps the preset's value)."""
    from apophenic.plugins.dream.photo import SAMPLE_PREFIX

    data = dict(data)
    path = photo if photo.startswith(SAMPLE_PREFIX) else str(Path(photo).expanduser().resolve())
    generator = {**data.get("generator", {}), "type": "photo", "path": path}
    generator.pop("long_side", None)  # the user's photo keeps its own size unless --long-side says otherwise
    for key, value in (("long_side", long_side), ("blend", blend)):
        if value is not None:
            generator[key] = value
    data["generator"] = generator
    if perceiver is not None:
        data["perceivers"] = [{"type": perceiver, "resize": "none"}]
    if channel is None:
        data["objectives"] = [{"type": "layer", "layer": layer, "norm": "l2"}]
    else:
        data["objectives"] = [{"type": "channel", "layer": layer, "channel": channel}]
    if jitter is not None:
        transforms = [t for t in data.get("transforms", []) if t.get("type") != "jitter"]
        data["transforms"] = [{"type": "jitter", "pixels": jitter}, *transforms]
    optimizer = dict(data.get("optimizer", {"type": "deepdream"}))
    for key, value in (("steps", steps), ("octaves", octaves), ("octave_scale", octave_scale),
                       ("step_size", step_size), ("tile", tile)):
        if value is not None:
            optimizer[key] = value
    data["optimizer"] = optimizer
    for key, value in (("seed", seed), ("device", device)):
        if value is not None:
            data[key] = value
    return data


def check_layer(config, layer: str) -> None:
    """An unknown layer is an error listing every valid name compactly (``blocks.0``..``blocks.15``)."""
    from apophenic import BuildContext
    from apophenic.errors import ApophenicError

    for perceiver_config in config.perceivers:
        perceiver = perceiver_config.build(BuildContext())
        names = perceiver.layer_names()
        if layer in names or layer in perceiver.aliases:
            continue
        aliases = ", ".join(f"{a} ({t})" for a, t in perceiver.aliases.items())
        raise ApophenicError(f"--layer {layer!r}: {perceiver_config.label} has no such layer; expected an alias "
                             f"[{aliases}] or one of {compact(names)}")


def compact(names: list[str]) -> str:
    """``stem, blocks.0..blocks.15, head``: numbered runs of layer names shortened."""
    import re

    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > 2:
            parts.append(f"{run[0]}..{run[-1]}")
        else:
            parts.extend(run)
        run.clear()

    for name in names:
        match = re.fullmatch(r"(.*?)(\d+)", name)
        if run and match:
            prev = re.fullmatch(r"(.*?)(\d+)", run[-1])
            if prev and prev.group(1) == match.group(1) and int(match.group(2)) == int(prev.group(2)) + 1:
                run.append(name)
                continue
        flush()
        if match:
            run.append(name)
        else:
            parts.append(name)
    flush()
    return ", ".join(parts)
