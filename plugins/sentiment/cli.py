"""The ``apophenic sentiment`` command group: train, probe, generate, card, export."""

from __future__ import annotations

from pathlib import Path

import typer
from apophenic.errors import ApophenicError

app = typer.Typer(
    name="sentiment",
    help="A byte-level review model that discovers sentiment (Radford et al. 2017), and generation steered by it.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PRESET_HELP = "A shipped preset name (see `apophenic sentiment presets`) or a path to a TOML file."
SET_HELP = "Override a preset key: --set key.path=value (repeatable)."


def _overrides(sets: list[str] | None, **flags) -> list[str]:
    """``--set`` values plus the explicit flags that were given, as overrides."""
    out = list(sets or [])
    for key, value in flags.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, (int, float)):
            out.append(f"{key}={value}")
        else:
            out.append(f"{key}={_toml_string(str(value))}")
    return out


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a valid TOML basic string


@app.command("presets")
def presets_command() -> None:
    """List the shipped sentiment presets."""
    from apophenic.plugins.sentiment import presets

    for name in presets.available():
        typer.echo(name)


@app.command("train")
def train_command(
    preset: str = typer.Option("sentiment-train", "--preset", "-p", help=PRESET_HELP),
    out: Path = typer.Option(Path("runs/sentiment-lm"), "--out", "-o", help="Folder for checkpoints and the log; an existing checkpoint there is resumed."),
    sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    steps: int | None = typer.Option(None, help="Optimizer updates in total (overrides the preset)."),
    seed: int | None = typer.Option(None, help="Seed for weights and data order."),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N."),
    fresh: bool = typer.Option(False, "--fresh", help="Start over even if --out holds a checkpoint."),
) -> None:
    """Train a byte-level LSTM / mLSTM language model on reviews (resumes after a kill)."""
    from apophenic.plugins.sentiment import presets
    from apophenic.plugins.sentiment.configs import TrainConfig
    from apophenic.plugins.sentiment.training import train
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    config, path = presets.load(TrainConfig, preset, _overrides(sets, steps=steps, seed=seed, device=device))
    base = presets.data_base(config.data_root, path)
    console = Console(stderr=True)
    last_bpc = ["-"]
    # The bar starts with the first step, so input errors (found while loading) stay one line.
    progress = Progress(TextColumn("[bold]train"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TextColumn("{task.description}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, transient=False)
    task = progress.add_task("", total=config.steps)

    def report(entry: dict) -> None:
        if not progress.live.is_started:
            progress.start()
        if "bpc" in entry:
            last_bpc[0] = f"{entry['bpc']:.3f}"
            progress.console.log(f"step {entry['step']}: train {entry['loss_bpc']:.3f} bpc, "
                                 f"held-out {entry['bpc']:.3f} bpc, lr {entry['lr']:.2e}, {entry['elapsed_s']:.0f} s")
        progress.update(task, completed=entry["step"],
                        description=f"loss {entry['loss_bpc']:.3f} bpc  held-out {last_bpc[0]} bpc")

    try:
        final = train(config, out, base, report=report, fresh=fresh)
    finally:
        progress.stop()
    typer.echo(f"wrote {final}")


def install(cli: typer.Typer) -> None:
    """Add the group to the root app."""
    cli.add_typer(app, name="sentiment")


def _model_path(model: Path | None) -> Path:
    from apophenic.plugins.sentiment.steering import default_model

    return model if model is not None else default_model()


@app.command("probe")
def probe_command(
    model: Path | None = typer.Option(None, "--model", "-m", help="Checkpoint to probe (default: the shipped model)."),
    preset: str = typer.Option("sentiment-probe", "--preset", "-p", help=PRESET_HELP),
    out: Path = typer.Option(Path("runs/sentiment-probe"), "--out", "-o", help="Folder for probe.json, unit.json and the figures."),
    sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    seed: int | None = typer.Option(None, help="Seed for the logistic regression."),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N."),
) -> None:
    """Find the sentiment unit: an L1 logistic probe on the model's cell states, scored on held-out reviews."""
    from apophenic.plugins.sentiment import presets
    from apophenic.plugins.sentiment.configs import ProbeConfig
    from apophenic import pick_device
    from apophenic.plugins.sentiment.probe_report import run_probe
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    config, path = presets.load(ProbeConfig, preset, _overrides(sets, seed=seed, device=device))
    if config.threads:
        import torch

        torch.set_num_threads(config.threads)
    dev = pick_device(config.device)
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]reading {task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def tick(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=done)

        report = run_probe(config, _model_path(model), out, presets.data_base(config.data_root, path), dev, tick)
    table = Table(title=f"probe of {report['model']} (held-out test splits)")
    for col in ("data", "full probe", "units used", "C", "unit", "single-unit", "best single unit"):
        table.add_column(col)
    for name, r in report["sets"].items():
        table.add_row(name, f"{r['test_accuracy']:.3f}", str(r["units_used"]), f"{r['c']:g}", str(r["single"]["unit"]),
                      f"{r['single_test_accuracy']:.3f}", f"{r['best_single_unit']}: {r['best_single_test_accuracy']:.3f}")
    Console().print(table)
    typer.echo(f"wrote {out}/probe.json, unit.json and figures")


def _generate_config(preset: str | None, sets, **flags):
    from apophenic.plugins.sentiment import presets
    from apophenic.plugins.sentiment.configs import GenerateConfig

    config, _ = presets.load(GenerateConfig, preset, _overrides(sets, **flags))
    return config


def _sample(config, model: Path | None, unit_file: Path | None):
    from apophenic.plugins.sentiment import checkpoint
    from apophenic import pick_device
    from apophenic.plugins.sentiment.generate import sample
    from apophenic.plugins.sentiment.steering import read_unit, resolve

    dev = pick_device(config.device)
    loaded = checkpoint.load(_model_path(model), dev)
    info = read_unit(unit_file) if unit_file is not None else None
    steering = resolve(loaded, config.sentiment, config.method, config.unit, config.strength, info)
    texts = sample(loaded.model, config.prime, config.length, config.temperature, config.top_k, steering.steer,
                   config.samples, config.seed, dev, printable=config.printable, guide=steering.guide)
    return loaded, info, steering.record, texts


@app.command("generate")
def generate_command(
    sentiment: str | None = typer.Option(None, "--sentiment", "-s", help="positive, negative, a number to clamp the unit to, or none (free sampling). Default: the preset's (positive)."),
    method: str | None = typer.Option(None, "--method", help="How to steer: auto (the method stored with the model as measuring best), clamp, direction, fudge or words."),
    unit: int | None = typer.Option(None, "--unit", help="Cell unit to clamp (default: the model's sentiment unit)."),
    strength: float | None = typer.Option(None, help="Multiplier on the stored steering strength (clamp value, direction alpha, discriminator weight or word-classifier exponent)."),
    prime: str | None = typer.Option(None, help="Text the review starts with."),
    length: int | None = typer.Option(None, "--length", "-n", help="Bytes to write after the prime."),
    temperature: float | None = typer.Option(None, "--temperature", "-t", help="Sampling temperature."),
    top_k: int | None = typer.Option(None, "--top-k", help="Sample among the k most likely bytes (0: all)."),
    samples: int | None = typer.Option(None, help="How many reviews."),
    seed: int | None = typer.Option(None, help="Seed; the same seed reproduces the text."),
    device: str | None = typer.Option(None, help="auto, cpu, cuda or cuda:N."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Checkpoint (default: the shipped model)."),
    unit_file: Path | None = typer.Option(None, "--unit-file", help="unit.json from `sentiment probe` (default: the unit stored in the checkpoint)."),
    preset: str = typer.Option("sentiment-generate", "--preset", "-p", help=PRESET_HELP),
    sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the reviews as JSON lines to this file."),
) -> None:
    """Sample reviews from the model, free or steered toward a sentiment."""
    import json

    if out is not None:
        from apophenic.plugins.sentiment.probe_report import check_output_file

        check_output_file(out)  # before sampling: a folder given as --out fails in one line, not after the work
    config = _generate_config(preset, sets, sentiment=sentiment, method=method, unit=unit, strength=strength, prime=prime, length=length,
                              temperature=temperature, top_k=top_k, samples=samples, seed=seed, device=device)
    _, _, record, texts = _sample(config, model, unit_file)
    if out is not None:
        from apophenic.plugins.sentiment.probe_report import write_atomic

        rows = [json.dumps({"text": t, "seed": config.seed, "index": i, "steering": record})
                for i, t in enumerate(texts)]
        write_atomic(out, "\n".join(rows) + "\n")
    for i, text in enumerate(texts):
        if len(texts) > 1:
            typer.echo(f"--- {i + 1}")
        typer.echo(text)


@app.command("card")
def card_command(
    out: Path = typer.Option(Path("sentiment-card.png"), "--out", "-o", help="PNG file to write."),
    text: str | None = typer.Option(None, "--text", help="Typeset this text instead of generating a review."),
    sentiment: str | None = typer.Option("positive", "--sentiment", "-s", help="positive, negative, a number, or 'none'."),
    method: str | None = typer.Option(None, "--method", help="auto, clamp, direction, fudge or words (see generate)."),
    unit: int | None = typer.Option(None, "--unit", help="Cell unit to clamp and colour by (default: the sentiment unit)."),
    prime: str | None = typer.Option(None, help="Text the review starts with."),
    length: int | None = typer.Option(None, "--length", "-n", help="Bytes to write after the prime."),
    temperature: float | None = typer.Option(None, "--temperature", "-t", help="Sampling temperature."),
    seed: int | None = typer.Option(None, help="Seed; the same seed reproduces the card."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Checkpoint (default: the shipped model)."),
    unit_file: Path | None = typer.Option(None, "--unit-file", help="unit.json from `sentiment probe`."),
    preset: str = typer.Option("sentiment-card", "--preset", "-p", help="Card preset (name or TOML path)."),
    sets: list[str] | None = typer.Option(None, "--set", help="Override a card setting, e.g. --set width=800."),
) -> None:
    """A review typeset as a PNG card, each character coloured by the sentiment unit as the model reads it."""
    from apophenic.plugins.sentiment.probe_report import check_output_file

    check_output_file(out)  # before sampling: a folder given as --out fails in one line, not after the work
    from apophenic.plugins.sentiment import card, checkpoint, presets
    from apophenic.plugins.sentiment.configs import CardConfig, GenerateConfig
    from apophenic.plugins.sentiment.features import unit_trace
    from apophenic.plugins.sentiment.probe_report import bytes_to_chars, write_atomic
    from apophenic.plugins.sentiment.steering import read_unit

    card_config, _ = presets.load(CardConfig, preset, list(sets or []))
    gen = GenerateConfig.model_validate({k: v for k, v in dict(
        sentiment=sentiment, method=method, unit=unit, prime=prime, length=length, temperature=temperature, seed=seed).items()
        if v is not None})
    if text is not None:
        loaded = checkpoint.load(_model_path(model))
        info = read_unit(unit_file) if unit_file is not None else loaded.unit
        record = None
        if not text.strip():
            raise ApophenicError("--text: empty text; give some words to typeset")
    else:
        loaded, info, record, texts = _sample(gen, model, unit_file)
        text = texts[0]
        info = info or loaded.unit
    colour_unit = unit if unit is not None else (info or {}).get("unit")
    if colour_unit is None:
        raise ApophenicError(f"{loaded.path}: has no found sentiment unit to colour by; pass --unit or --unit-file")
    from apophenic.plugins.sentiment.generate import check_unit

    check_unit(loaded.model, colour_unit)
    # Colour by the unit as the model reads the finished text freely (unclamped):
    # with the clamp on, the unit would be one constant colour.
    raw, values = unit_trace(loaded.model, text, colour_unit)
    chars, char_values = bytes_to_chars(raw, values)
    if info is not None and info.get("unit") == colour_unit:
        scale = card.Scale(info["threshold"], info.get("spread", 1.0), info["sign"])
    else:
        centre = float(values.mean())
        scale = card.Scale(centre, float(abs(values - centre).max()) or 1.0, 1)
    if card_config.title is not None:
        title = card_config.title
    elif record is not None:
        word = gen.sentiment if gen.sentiment in ("positive", "negative") else "clamped"
        how = {"clamp": lambda r: f"unit {r['unit']} held at {r['value']:+.2f}",
               "direction": lambda r: f"direction added x{r['alpha']:+.2f}",
               "fudge": lambda r: f"discriminator-guided x{r['strength']:.2f}",
               "words": lambda r: f"classifier-chosen words x{r['strength']:.2f}"}[record["method"]](record)
        title = f"{word}: {how}  ·  seed {gen.seed}"
    else:
        title = f"unit {colour_unit}"
    png = card.render(chars, char_values, scale, card_config, title,
                      footer=f"colour: unit {colour_unit} as the model reads the text (green positive, red negative)")
    write_atomic(out, png)
    typer.echo(f"wrote {out}")


@app.command("export")
def export_command(
    model: Path = typer.Argument(..., help="A training checkpoint (last.pt or model.pt)."),
    out: Path = typer.Option(..., "--out", "-o", help="The checkpoint to write."),
    unit_file: Path | None = typer.Option(None, "--unit-file", help="unit.json from `sentiment probe`, stored inside."),
    steering_file: Path | None = typer.Option(None, "--steering-file", help="steering.json from benchmarks/sentiment_steering.py (the direction, tuned strengths and the default method), stored inside."),
    discriminator: Path | None = typer.Option(None, "--discriminator", help="A future-discriminator checkpoint for --method fudge; written beside --out as <out>-discriminator.pt."),
    half: bool = typer.Option(True, "--half/--full", help="Store float16 weights (half the size)."),
) -> None:
    """Write a small inference checkpoint (no optimizer state), with the found unit and steering inside."""
    from apophenic.plugins.sentiment.probe_report import check_output_file

    check_output_file(out)  # before loading anything: a folder given as --out fails in one line
    from apophenic.plugins.sentiment import checkpoint
    from apophenic.plugins.sentiment.steering import read_steering, read_unit

    loaded = checkpoint.load(model)
    info = read_unit(unit_file) if unit_file is not None else loaded.unit
    if info is not None:
        from apophenic.plugins.sentiment.generate import check_unit

        check_unit(loaded.model, int(info["unit"]), f"{unit_file}: unit")
    steering = read_steering(steering_file, loaded.model.spec.hidden) if steering_file is not None else loaded.steering
    judge = None
    if discriminator is not None:
        judge = checkpoint.load(discriminator)
        if not (judge.steering or {}).get("direction"):
            raise ApophenicError(f"{discriminator}: not a discriminator (no head in steering.direction)")
        steering = dict(steering or {})
        steering["fudge"] = {**steering.get("fudge", {"strength": 1.0, "candidates": 8}),
                             "discriminator": f"{out.stem}-discriminator.pt"}
    meta = {k: v for k, v in loaded.meta.items() if k != "history"}
    meta["history"] = [h for h in loaded.meta.get("history", []) if "bpc" in h]
    if judge is not None:
        judge_out = out.with_name(f"{out.stem}-discriminator.pt")
        checkpoint.save(judge_out, judge.model, judge.meta, half=half, steering=judge.steering)
        typer.echo(f"wrote {judge_out} ({judge_out.stat().st_size / 1e6:.2f} MB)")
    checkpoint.save(out, loaded.model, meta, unit=info, half=half, steering=steering)
    typer.echo(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


@app.command("classify")
def classify_command(
    inputs: list[str] = typer.Argument(..., help="Review texts, or files holding one review each (or one per line with --lines)."),
    lines: bool = typer.Option(False, "--lines", help="Each non-empty line of a file is one review."),
    classifier_file: Path | None = typer.Option(None, "--classifier", help="A classifier .npz (default: the shipped bag of words)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per review."),
) -> None:
    """Positive or negative: the most accurate offline review classifier measured here (word and word-pair TF-IDF)."""
    import json

    from apophenic.plugins.sentiment import classifier

    reviews: list[tuple[str, str]] = []  # (where it came from, text)
    for item in inputs:
        if not item.strip():
            raise ApophenicError("classify: an empty text; give some words or a file")
        path = Path(item)
        if path.is_dir():
            raise ApophenicError(f"{item}: is a folder; give a text or a file")
        if path.is_file():
            try:
                body = path.read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                raise ApophenicError(f"{item}: cannot read ({exc.strerror or exc})") from None
            parts = [line for line in body.splitlines() if line.strip()] if lines else [body]
            if not any(p.strip() for p in parts):
                raise ApophenicError(f"{item}: the file has no text")
            reviews += [(f"{item}:{n}" if lines else item, p) for n, p in enumerate(parts, 1)]
        else:
            reviews.append(("text", item))
    model = classifier.load(classifier_file)
    probs = model.positive_probability([t for _, t in reviews])
    for (source, text), p in zip(reviews, probs):
        label = "positive" if p > 0.5 else "negative"
        if as_json:
            typer.echo(json.dumps({"source": source, "label": label, "positive_probability": round(float(p), 4)}))
        else:
            preview = " ".join(text.split())[:70]
            typer.echo(f"{label}\t{p:.3f}\t{preview if source == 'text' else source}")
