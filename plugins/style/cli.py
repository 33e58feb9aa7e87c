"""``apophenic style``: style transfer with passes and tiles, and audio style transfer."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from apophenic.errors import ApophenicError

app = typer.Typer(help="Style transfer: images (passes, tiles, colour preservation) and audio spectrograms.", no_args_is_help=True)

DEFAULT_OUT = Path("apophenic-out")

# Layers that work for each built-in perceiver (Gatys et al. for VGG-19); a preset can name any others.
PERCEIVER_LAYERS: dict[str, tuple[list[str], list[str]]] = {
    "vgg19": (["relu4_2"], ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]),
    "random-cnn": (["conv3", "conv7"], ["conv3", "conv5", "conv7", "conv11", "conv15", "conv23"]),
    "efficientnet-lite0": (["blocks.5"], ["stem", "blocks.1", "blocks.3", "blocks.5", "blocks.8"]),
}


def _floats(text: str | None, what: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ApophenicError(f"{what} {text!r}: expected numbers separated by commas, e.g. 0.7,0.3") from None


@app.command("transfer")
def transfer_cmd(
    content: Path = typer.Argument(..., help="Content photo (PNG/JPEG)."),
    styles: list[Path] = typer.Argument(..., help="One or more style images; several are blended (or masked, with --mask)."),
    preset: str = typer.Option("style-random-net", "--preset", "-p", help="Preset the settings start from (name or .toml)."),
    perceiver: Optional[str] = typer.Option(None, "--perceiver", help="Swap the preset's network: random-cnn, efficientnet-lite0 or vgg19 (Gatys layers)."),
    weights: Optional[Path] = typer.Option(None, "--weights", help="torchvision vgg19-*.pth for --perceiver vgg19 (default: torch's cache folder)."),
    blend: Optional[str] = typer.Option(None, "--blend", help="Blend weight per style image, e.g. 0.7,0.3."),
    mask: list[Path] = typer.Option([], "--mask", help="Region mask per style image (white = this style); repeat once per style."),
    style_weight: Optional[float] = typer.Option(None, "--style-weight", help="Weight of the style term."),
    content_weight: Optional[float] = typer.Option(None, "--content-weight", help="Weight of the content term."),
    style_scale: Optional[float] = typer.Option(None, "--style-scale", help="Style image long side as a multiple of the output's."),
    colors: str = typer.Option("style", "--colors", help="style (the style's colours), luminance (keep the photo's colours) or content (recolour the style to the photo's)."),
    size: Optional[int] = typer.Option(None, "--size", help="Long side of the output in pixels (aspect from the content photo)."),
    passes: int = typer.Option(1, "--passes", min=1, max=8, help="Coarse-to-fine passes, each at twice the previous size."),
    tile: Optional[int] = typer.Option(None, "--tile", min=32, help="Optimize passes larger than this many pixels tile by tile, blended without seams."),
    overlap: int = typer.Option(32, "--overlap", min=0, help="Pixels neighbouring tiles share."),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help="lbfgs or adam."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate / step size."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Optimization steps per pass (and per tile)."),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override any preset key, as in `apophenic run`."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Output folder; the run writes a subfolder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Paint CONTENT in the style of STYLES: final.png and run.json in a new folder under --out."""
    from apophenic.plugins.style.recipe import transfer_recipe
    from apophenic.plugins.style.runner import transfer
    from apophenic.plugins.style.schedule import Schedule
    from apophenic.runs import apply_overrides, options_blamed, preset_data

    data, source = preset_data(preset)
    data = transfer_recipe(
        data, content=content, styles=styles, perceiver=perceiver, weights=weights, blend=_floats(blend, "--blend"),
        masks=mask, style_weight=style_weight, content_weight=content_weight, style_scale=style_scale, colors=colors,
        size=size, optimizer=optimizer, lr=lr, seed=seed, device=device,
    )
    data = apply_overrides(data, set_)
    schedule = Schedule(passes=passes, tile=tile, overlap=overlap, steps=[steps] if steps is not None else [])
    with options_blamed(set_):
        folder, record = transfer(data, source, schedule, out, name=Path(preset).stem, progress=not quiet)
    if not quiet:
        typer.echo(f"{folder}  ({record['wall_seconds']:.1f} s)")


@app.command("audio")
def audio_cmd(
    content: Path = typer.Argument(..., help="Content sound (WAV)."),
    style: Path = typer.Argument(..., help="Style sound (WAV) at the same sample rate."),
    preset: str = typer.Option("style-audio", "--preset", "-p", help="Audio preset name (in the style plugin) or .toml path."),
    set_: list[str] = typer.Option([], "--set", "-s", help="Override a preset key: --set filters=2048."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Optimization steps."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="Output folder; the run writes a subfolder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
) -> None:
    """Give CONTENT the sound texture of STYLE: result.wav, spectrogram PNGs and run.json under --out."""
    from apophenic.plugins.style.audio_run import load_audio_config, run_audio

    overrides = list(set_)
    for key, value in (("steps", steps), ("seed", seed), ("device", device)):
        if value is not None:
            overrides.append(f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}")
    config, name = load_audio_config(preset, overrides)
    folder, record = run_audio(content, style, config, out, name)
    if not quiet:
        losses = record["losses"]
        typer.echo(f"{folder}  style {losses['style_start']:.4f} → {losses['style_end']:.4f}, "
                   f"content {losses['content_start']:.4f} → {losses['content_end']:.4f}  ({record['wall_seconds']:.1f} s)")
