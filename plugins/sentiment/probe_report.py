"""``apophenic sentiment probe``: read labeled reviews, fit the probe per data set, write the report.

Outputs (all in one folder, each written to a temporary name and renamed):
``probe.json`` (every number), ``unit.json`` (the found unit and its clamp
values, ready for ``export``), ``histogram-<set>.png`` (the unit's values by
class on the test split), ``trace-<set>.html/.png`` (the unit over one test
review, character by character).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from apophenic.errors import ApophenicError
from apophenic.record import write_atomic as _write_atomic
from apophenic.plugins.sentiment import card, checkpoint
from apophenic.plugins.sentiment.configs import CardConfig, ProbeConfig
from apophenic.plugins.sentiment.corpus import binary_labels, split
from apophenic.plugins.sentiment.features import review_features, unit_trace
from apophenic.plugins.sentiment.histogram import histogram_png
from apophenic.plugins.sentiment.probe import clamp_values, fit
from apophenic.plugins.sentiment.training import read_source


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write via a fresh temporary file and rename (the engine's writer): never half a file,
    never over a folder, never touching a file of the user's on the way."""
    check_output_file(path)
    _write_atomic(Path(path), data)


def check_output_file(path: Path, flag: str = "--out") -> Path:
    """Refuse an output file path that cannot be a file (a folder, or under a file) before any work is done."""
    path = Path(path)
    if path.is_dir():
        raise ApophenicError(f"{flag} {path}: is a folder; give a file path (e.g. {path / 'out'}{path.suffix or ''})")
    probe = path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ApophenicError(f"{flag} {path}: {probe} is a file, not a folder")
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def run_probe(config: ProbeConfig, model_path: Path, out: Path, base: Path | None = None,
              device="cpu", progress: Callable[[str, int, int], None] | None = None,
              trace_chars: int = 700) -> dict:
    """Probe every data set of ``config``; returns the report (also written to ``out/probe.json``).

    Everything is read and validated before anything is written.
    """
    loaded = checkpoint.load(model_path, device)
    model = loaded.model
    sets = []
    for source in config.data:
        docs = read_source(source, base, labels=True)
        name = source.name or Path(source.path).stem
        y, classes = binary_labels(docs.labels, f"{docs.source}: column {source.label!r}", source.positive)
        tr, te = split(len(docs.texts), config.held_out, config.split_seed)
        if config.max_train is not None and len(tr) > config.max_train:
            tr = np.sort(np.random.default_rng([config.split_seed, 17]).choice(tr, config.max_train, replace=False))
        for part, idx in (("training", tr), ("test", te)):
            if len(set(y[idx].tolist())) < 2:
                raise ApophenicError(f"{docs.source}: the {part} split has only one class; add reviews or change held_out")
        sets.append((name, docs, y, classes, tr, te))
    names = [s[0] for s in sets]
    if len(set(names)) != len(names):
        raise ApophenicError(f"probe data: two data sets are both named {names!r}; give each a distinct name")
    fit_on = config.fit_on or names[0]
    if fit_on not in names:
        raise ApophenicError(f"fit_on: {fit_on!r} is not one of the data sets {names}")

    cache_dir = out / ".features"
    digest = file_digest(model_path)
    report = {"model": str(model_path), "model_sha256_16": digest, "parameters": sum(p.numel() for p in model.parameters()),
              "config": config.model_dump(mode="json"), "sets": {}}
    unit_info = None
    figures: dict[str, bytes | str] = {}
    for name, docs, y, classes, tr, te in sets:
        key = hashlib.sha256(json.dumps([digest, docs.source, len(docs.texts), config.features, config.max_chars,
                                                    config.max_train, config.split_seed, config.held_out]).encode()).hexdigest()[:16]
        cached = cache_dir / f"{name}-{key}.npy"
        if cached.is_file():
            feats = np.load(cached, allow_pickle=False)
        else:
            done = [0]

            def tick(n: int, name=name, total=len(tr) + len(te), done=done) -> None:
                done[0] += n
                if progress:
                    progress(name, done[0], total)

            needed = np.concatenate([tr, te])
            feats = np.zeros((len(docs.texts), model.spec.hidden), dtype=np.float32)
            feats[needed] = review_features(model, [docs.texts[i] for i in needed], config.features,
                                            config.max_chars, config.batch_size, device, tick)
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(cached.with_suffix(".tmp.npy"), feats)
            os.replace(cached.with_suffix(".tmp.npy"), cached)
        result, _ = fit(feats[tr], y[tr], feats[te], y[te], config.cs, config.unit_choice, config.seed)
        entry = result.to_dict()
        entry.update(classes=classes, documents=len(docs.texts), source=docs.source)
        report["sets"][name] = entry
        unit = result.single.unit
        values_test = feats[te, unit]
        figures[f"histogram-{name}.png"] = histogram_png(
            values_test, y[te], [f"negative ({classes[0]})", f"positive ({classes[1]})"],
            f"{name}: unit {unit} on held-out reviews (threshold acc {result.single_test_accuracy:.1%})",
            result.single.threshold,
            xlabel="unit value (cell state " + ("averaged over the review)" if config.features == "mean" else "after the last character)"))
        # The trace: a held-out review read by the model, shortest among those it classifies right.
        lengths = np.array([len(docs.texts[i]) for i in te])
        order = te[np.argsort(lengths)]
        pick = next((i for i in order if len(docs.texts[i]) >= 200 and result.single.predict(feats[[i], unit])[0] == y[i]), order[0])
        text = docs.texts[pick][:trace_chars]
        raw, trace = unit_trace(model, text, unit, device)
        text_chars, char_values = bytes_to_chars(raw, trace)
        spread = float(np.percentile(np.abs(feats[tr, unit] - result.single.threshold), 95)) or 1.0
        scale = card.Scale(result.single.threshold, spread, result.single.sign)
        cc = CardConfig(width=1100, font_size=22, margin=50)
        kind = "positive" if y[pick] == 1 else "negative"
        title = f"{name}: unit {unit} while reading a held-out {kind} review (label {classes[y[pick]]!r})"
        figures[f"trace-{name}.png"] = card.render(text_chars, char_values, scale, cc, title,
                                                   footer="green: the unit reads positive, red: negative")
        figures[f"trace-{name}.html"] = card.trace_html(text_chars, char_values, scale, cc, title)
        if name == fit_on:
            unit_info = {"unit": unit, "sign": result.single.sign, "threshold": result.single.threshold,
                         "spread": spread, "fitted_on": name, "features": config.features,
                         "single_test_accuracy": result.single_test_accuracy,
                         "full_probe_test_accuracy": result.test_accuracy,
                         **clamp_values(feats[tr, unit], y[tr], result.single)}
    report["unit"] = unit_info
    for fname, data in figures.items():
        write_atomic(out / fname, data)
    write_atomic(out / "unit.json", json.dumps(unit_info, indent=2))
    write_atomic(out / "probe.json", json.dumps(report, indent=2))
    return report


def bytes_to_chars(raw: bytes, values: np.ndarray) -> tuple[str, np.ndarray]:
    """Characters of UTF-8 ``raw`` with the unit value after each character's last byte."""
    chars, vals = [], []
    i = 0
    while i < len(raw):
        for n in (1, 2, 3, 4):  # a UTF-8 character is 1-4 bytes
            try:
                ch = raw[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                continue
        else:
            ch, n = "\ufffd", 1
        chars.append(ch)
        vals.append(values[min(i + n, len(raw)) - 1])
        i += n
    return "".join(chars), np.array(vals, dtype=np.float64)
