"""The ``apophenic analogy`` command group: train, query, evaluate, plot, draw, image."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from apophenic.errors import ApophenicError

app = typer.Typer(
    name="analogy",
    help="Word vectors and analogies (A is to B as C is to ?; Mikolov et al. 2013), and the same arithmetic on images.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

VECTORS_HELP = (
    "Word vectors: word2vec binary or text, GloVe text, or an apophenic .npz "
    "(default: the shipped MiniLM-derived vectors)."
)
MAX_WORDS_HELP = "Read only the first N (most frequent) words of the vectors file."


def install(cli: typer.Typer) -> None:
    """Add the group to the root app."""
    cli.add_typer(app, name="analogy")


def _console():
    from rich.console import Console

    return Console(highlight=False)


def _vectors(path: Optional[Path], max_words: Optional[int] = None):
    from apophenic.plugins.analogy import shipped

    if max_words is not None and max_words < 1:
        raise ApophenicError(f"--max-words {max_words}: expected a positive number")
    return shipped.load(path, max_words)


def _method(method: str) -> str:
    from apophenic.plugins.analogy.vectors import METHODS

    method = method.lower()
    if method not in METHODS:
        raise ApophenicError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    return method


@app.command("train")
def train_command(
    corpus: Path = typer.Argument(..., help="Text file (plain or .gz), one sentence per line, words separated by spaces."),
    out: Path = typer.Option(Path("vectors.bin"), "--out", "-o", help="Where to save: .bin / .txt (word2vec), .glove, .npz; .model keeps gensim's native model for gensim (apophenic never reads it: it is a pickle)."),
    dim: int = typer.Option(100, "--dim", min=1, max=4096, help="Vector size."),
    window: int = typer.Option(5, "--window", min=1, help="Context words on each side."),
    epochs: int = typer.Option(5, "--epochs", min=1, help="Passes over the corpus."),
    min_count: int = typer.Option(5, "--min-count", min=1, help="Ignore words rarer than this."),
    seed: int = typer.Option(0, "--seed", help="Seed for initial vectors (one worker gives the same vectors every time)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Training threads (more is faster but not reproducible)."),
) -> None:
    """Train CBOW word vectors (word2vec) on your own corpus, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from apophenic.plugins.analogy.train import TrainSettings, check_corpus, save_model, train_cbow

    check_corpus(corpus)
    suffix = out.suffix.lower()
    if suffix not in (".model", ".bin", ".txt", ".vec", ".glove", ".npz"):
        raise ApophenicError(f"--out {out}: expected a .model, .bin, .txt, .vec, .glove or .npz file name")
    settings = TrainSettings(dim=dim, window=window, min_count=min_count, epochs=epochs, seed=seed, workers=workers)
    with Progress(TextColumn("[bold]training CBOW"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"),
                  TimeElapsedColumn()) as bar:
        task = bar.add_task("train", total=epochs)
        model = train_cbow(corpus, settings, on_epoch=lambda done, total: bar.update(task, completed=done))
    if suffix == ".model":
        written = save_model(model, out)
    else:
        from apophenic.plugins.analogy.formats import save_vectors
        from apophenic.plugins.analogy.vectors import WordVectors

        written = [save_vectors(WordVectors(list(model.wv.index_to_key), model.wv.vectors, str(out)), out)]
    _console().print(f"{len(model.wv.index_to_key)} words × {dim} -> {', '.join(map(str, written))}")


@app.command("query")
def query_command(
    words: list[str] = typer.Argument(..., help="A B C: answers D to 'A is to B as C is to D'."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", "-v", help=VECTORS_HELP),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1, max=1000, help="How many answers to show."),
    method: str = typer.Option("3cosadd", "--method", "-m", help="3cosadd (Mikolov) or 3cosmul (Levy & Goldberg)."),
    max_words: Optional[int] = typer.Option(None, "--max-words", help=MAX_WORDS_HELP),
) -> None:
    """Answer A : B :: C : ? with the top-k words and their scores."""
    from rich.table import Table

    from apophenic.plugins.analogy.vectors import require_three

    a, b, c = require_three(words)
    method = _method(method)
    wv = _vectors(vectors, max_words)
    answers = wv.analogy(a, b, c, k=top_k, method=method)  # type: ignore[arg-type]
    table = Table(title=f"{a} : {b} :: {c} : ?", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("answer")
    table.add_column("cosine" if method == "3cosadd" else "3cosmul", justify="right")
    for i, (word, score) in enumerate(answers, 1):
        table.add_row(str(i), word, f"{score:.3f}")
    _console().print(table)


@app.command("evaluate")
def evaluate_command(
    vectors: Optional[Path] = typer.Option(None, "--vectors", "-v", help=VECTORS_HELP),
    method: str = typer.Option("3cosadd", "--method", "-m", help="3cosadd or 3cosmul."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N questions per section (a quick check)."),
    max_words: Optional[int] = typer.Option(None, "--max-words", help=MAX_WORDS_HELP),
) -> None:
    """Accuracy on the Google analogy set (19,544 questions shipped with gensim), per section, with coverage."""
    from rich.table import Table

    from apophenic.plugins.analogy.evaluate import evaluate

    method = _method(method)
    wv = _vectors(vectors, max_words)
    result = evaluate(wv, method=method, limit=limit)  # type: ignore[arg-type]
    table = Table(title=f"Google analogies, {method}, {wv.source} ({len(wv)} words × {wv.dim})", title_justify="left")
    for name, justify in (("section", "left"), ("accuracy", "right"), ("covered", "right"), ("questions", "right"),
                          ("correct of all", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = result.sections + [result.total("semantic"), result.total("syntactic"), result.total("overall")]
    for i, s in enumerate(rows):
        style = "bold" if i >= len(result.sections) else None
        table.add_row(s.name, f"{100 * s.accuracy:.1f} %", f"{100 * s.coverage:.1f} %", str(s.total),
                      f"{100 * s.accuracy_all:.1f} %", style=style, end_section=i == len(result.sections) - 1)
    _console().print(table)
    _console().print("accuracy: correct / covered questions (all four words known); correct of all: correct / questions")


@app.command("plot")
def plot_command(
    words: list[str] = typer.Argument(..., help="A B C (the answer D is found) or A B C D."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="A .svg or .png file (default: analogy-A-B-C-D.svg and .png)."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", "-v", help=VECTORS_HELP),
    method: str = typer.Option("3cosadd", "--method", "-m", help="3cosadd or 3cosmul, to find D."),
    max_words: Optional[int] = typer.Option(None, "--max-words", help=MAX_WORDS_HELP),
) -> None:
    """Figure 6 of the seed: the analogy's four words in 2-D (PCA) with the difference vectors as arrows."""
    from apophenic.plugins.analogy.plot import analogy_svg, write_figure
    from apophenic.plugins.analogy.vectors import require_three

    if len(words) == 4:
        a, b, c, d = words
        require_three([a, b, c])
    else:
        a, b, c = require_three(words)
        d = None
    method = _method(method)
    if out is not None and out.suffix.lower() not in (".svg", ".png"):
        raise ApophenicError(f"--out {out}: expected a .svg or .png file name")
    wv = _vectors(vectors, max_words)
    if d is None:
        d = wv.analogy(a, b, c, k=1, method=method)[0][0]  # type: ignore[arg-type]
    quad = [a, b, c, d]
    import numpy as np

    svg = analogy_svg(quad, np.stack([wv.vector(w) for w in quad]))
    outs = [out] if out is not None else [Path(f"analogy-{'-'.join(quad)}{s}") for s in (".svg", ".png")]
    written = [p for o in outs for p in write_figure(svg, o)]
    _console().print(f"{a} : {b} :: {c} : {d} -> {', '.join(map(str, written))}")


@app.command("classes")
def classes_command(
    words: list[str] = typer.Argument(..., help="A word, or A B C (the analogy's answer is used)."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", "-v", help=VECTORS_HELP),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1, max=1000, help="How many classes to show."),
) -> None:
    """The ImageNet classes nearest to a word (or to an analogy's answer) in the word space."""
    from rich.table import Table

    from apophenic.plugins.analogy.pictures import nearest_classes
    from apophenic.plugins.analogy.vectors import require_three

    wv = _vectors(vectors)
    if len(words) == 1:
        word = words[0]
    else:
        a, b, c = require_three(words)
        word = wv.analogy(a, b, c, k=1)[0][0]
    table = Table(title=f"ImageNet classes nearest {word!r}", title_justify="left")
    for col in ("#", "class", "matched synonym", "cosine"):
        table.add_column(col)
    for i, m in enumerate(nearest_classes(wv, word, top_k), 1):
        table.add_row(str(i), f"{m.name} ({m.index})", m.synonym, f"{m.cosine:.3f}")
    _console().print(table)


def _run(preset: str, overrides: list[str], out: Path, name: str, progress: bool = True):
    """Load a preset with overrides and execute it; returns the run result."""
    from apophenic.runs import preset_data, run_data

    data, source = preset_data(preset, overrides)
    return run_data(data, source, out, name=name, progress=progress)


def _common_overrides(seed: Optional[int], device: Optional[str], steps: Optional[int], sets: Optional[list[str]]) -> list[str]:
    out = []
    if seed is not None:
        out.append(f"seed={seed}")
    if device is not None:
        out.append(f'device="{device}"')
    if steps is not None:
        out.append(f"optimizer.steps={steps}")
    return out + list(sets or [])


def _objective_index(preset: str, objective_type: str) -> int:
    """Index of the first objective of ``objective_type`` in a preset (for ``--set objectives[i]...``)."""
    from apophenic.runs import preset_data

    data, path = preset_data(preset)
    for i, objective in enumerate(data.get("objectives", [])):
        if isinstance(objective, dict) and objective.get("type") == objective_type:
            return i
    raise ApophenicError(f"{path}: objectives: no objective of type {objective_type!r} to set the target of")


def _generator_type(preset: str) -> str | None:
    from apophenic.runs import preset_data

    data, _ = preset_data(preset)
    generator = data.get("generator")
    return generator.get("type") if isinstance(generator, dict) else None


@app.command("draw")
def draw_command(
    words: list[str] = typer.Argument(..., help="A B C: the answer D, mapped to the nearest ImageNet class, becomes the picture's target."),
    preset: str = typer.Option("imagenet-class", "--preset", "-p", help="A preset with a `class` objective (e.g. imagenet-class, perception-engine)."),
    out: Path = typer.Option(Path("runs"), "--out", "-o", help="Folder that receives the run folder."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", "-v", help=VECTORS_HELP),
    seed: Optional[int] = typer.Option(None, "--seed", help="Run seed (overrides the preset)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    steps: Optional[int] = typer.Option(None, "--steps", min=1, help="Optimizer steps (overrides the preset)."),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="Override a preset key: --set key.path=value (repeatable)."),
) -> None:
    """Words to pictures: answer A : B :: C : ? in words, then draw the nearest ImageNet class."""
    from apophenic.plugins.analogy.pictures import nearest_classes
    from apophenic.plugins.analogy.vectors import require_three

    a, b, c = require_three(words)
    wv = _vectors(vectors)
    answer = wv.analogy(a, b, c, k=1)[0][0]
    match = nearest_classes(wv, answer, 1)[0]
    index = _objective_index(preset, "class")
    overrides = _common_overrides(seed, device, steps, sets) + [f"objectives[{index}].target={match.index}"]
    console = _console()
    console.print(f"{a} : {b} :: {c} : [bold]{answer}[/] -> ImageNet class [bold]{match.name}[/] "
                  f"(via {match.synonym!r}, cosine {match.cosine:.3f})")
    result = _run(preset, overrides, out, f"analogy-{a}-{b}-{c}")
    console.print(f"wrote {result.folder}")


@app.command("image")
def image_command(
    images: list[Path] = typer.Argument(..., help="Images A B C: the picture D relates to C as B relates to A."),
    preset: str = typer.Option("analogy-image", "--preset", "-p", help="A preset with an `embedding` objective (analogy-image: Fourier image; analogy-strokes: a drawing)."),
    out: Path = typer.Option(Path("runs"), "--out", "-o", help="Folder that receives the run folder."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Run seed (overrides the preset)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps."),
    steps: Optional[int] = typer.Option(None, "--steps", min=1, help="Optimizer steps (overrides the preset)."),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="Override a preset key: --set key.path=value (repeatable)."),
) -> None:
    """Image analogy: optimize a picture whose embedding is embed(B) − embed(A) + embed(C)."""
    import json

    from apophenic.plugins.analogy.objective import load_image

    if len(images) != 3:
        raise ApophenicError(f"an image analogy takes exactly three images A B C, got {len(images)}")
    for path in images:
        load_image(path, (8, 8))  # fail on an unreadable image before anything is built
    index = _objective_index(preset, "embedding")
    overrides = _common_overrides(seed, device, steps, sets)
    for key, path in zip("abc", images):
        overrides.append(f"objectives[{index}].{key}={json.dumps(str(path.resolve()))}")
    if _generator_type(preset) == "image":  # the answer starts as an edit of C
        overrides.append(f"generator.path={json.dumps(str(images[2].resolve()))}")
    result = _run(preset, overrides, out, "analogy-" + "-".join(p.stem for p in images))
    terms = result.record["objective"]
    key = next((k for k in terms["end"]["terms"] if k.startswith("embedding")), None)
    if key is not None:
        _console().print(f"cosine to B − A + C: {terms['start']['terms'][key]:.3f} -> {terms['end']['terms'][key]:.3f}")
    _console().print(f"wrote {result.folder}")


@app.command("scene")
def scene_command(
    scenes: list[Path] = typer.Argument(..., help="SVG drawings A B C of the same structure (e.g. runs of the strokes generator)."),
    out: Path = typer.Option(Path("analogy-scene.svg"), "--out", "-o", help="The SVG of D; a PNG is written beside it."),
    size: Optional[int] = typer.Option(None, "--size", min=8, max=8192, help="PNG side in pixels (default: the canvas size)."),
) -> None:
    """The direct form on drawing parameters: D = B − A + C for every stroke/blob/rectangle parameter, rendered."""
    from apophenic.plugins.analogy.scenes import scene_analogy
    from apophenic.renderers import read_svg, to_svg
    from apophenic.renderers.raster import render_svg, save_png

    from apophenic.plugins.analogy.files import write_atomic

    if len(scenes) != 3:
        raise ApophenicError(f"a scene analogy takes exactly three SVG files A B C, got {len(scenes)}")
    if out.suffix.lower() != ".svg":
        raise ApophenicError(f"--out {out}: expected an .svg file name")
    a, b, c = (read_svg(p) for p in scenes)
    d = scene_analogy(a, b, c)
    svg = to_svg(d)
    pixels = render_svg(svg, size)
    write_atomic(out, svg.encode("utf-8"))
    png = save_png(pixels, out.with_suffix(".png"))
    _console().print(f"wrote {out}, {png}")
