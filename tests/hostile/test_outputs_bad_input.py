"""Bad input writes nothing: every command, given bad input and an output path that does not exist
yet, answers one line with exit 2 and leaves no folder or file behind (not even an empty ``--out``)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from contract import assert_handled

MISSING = "no-such-file"


def _wav(path: Path, rate: int = 8000, frames: int = 800) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * frames)
    return path


@pytest.fixture
def inputs(tmp_path: Path, tiny_preset: Path, photo: Path) -> dict[str, Path]:
    """Real, valid inputs beside the bad ones, so each case is bad in exactly one way."""
    inp = tmp_path / "in"
    inp.mkdir()
    text = inp / "notes.txt"
    text.write_text("not an image, not a sound, not a checkpoint\n")
    manifest = inp / "manifest.toml"
    manifest.write_text(f'[[runs]]\npreset = "{tiny_preset}"\n')
    bad_manifest = inp / "bad-manifest.toml"
    bad_manifest.write_text(f'[[runs]]\npreset = "{tiny_preset}"\nsede = 3\n')
    # Bad input found only late, inside the run folder being written (each left an empty --out once):
    # a drawing whose print PNG (4× the size) would be too large, found at export ...
    too_wide = inp / "too-wide.toml"
    too_wide.write_text('seed = 1\nsize = [5001, 8]\n[generator]\ntype = "strokes"\nstrokes = 2\n'
                        '[[perceivers]]\ntype = "efficientnet-lite0"\nresize = 32\n'
                        '[[objectives]]\ntype = "class"\ntarget = "goldfish"\n[optimizer]\ntype = "adam"\nsteps = 1\n')
    # ... a pipeline whose second stage cannot continue the first's picture ...
    pipeline = inp / "pipeline.toml"
    pipeline.write_text(f'[[stages]]\npreset = "{tiny_preset}"\n[[stages]]\npreset = "{too_wide}"\n')
    return {"preset": tiny_preset, "too_wide": too_wide, "pipeline": pipeline, "bad_manifest": bad_manifest, "photo": photo, "text": text, "wav": _wav(inp / "a.wav"),
            "wav_other_rate": _wav(inp / "b.wav", rate=16000), "manifest": manifest, "dir": inp}


# (case, argv with {OUT} for the fresh output path and {name} for an input)
CASES = [
    ("run-unknown-preset", ["run", "no-such-preset", "--out", "{OUT}"]),
    ("run-bad-override-value", ["run", "{preset}", "--set", "size=huge", "--out", "{OUT}"]),
    ("run-unknown-key", ["run", "{preset}", "--set", "generatr.type=pixels", "--out", "{OUT}"]),
    ("run-negative-steps", ["run", "{preset}", "--steps", "-3", "--out", "{OUT}"]),
    ("run-bad-device", ["run", "{preset}", "--device", "quantum", "--out", "{OUT}"]),
    ("run-print-too-large-found-at-export", ["run", "{too_wide}", "--out", "{OUT}"]),
    # (A pipeline whose later stage fails keeps its finished stages, as issue 19 asks:
    # tests/engine/test_stages.py checks that, so it is not a "writes nothing" case.)
    # ... and an objective that blows up at the first step.
    ("run-objective-becomes-infinite", ["run", "{preset}", "--set", "objectives[0].weight=1e300", "--set", "optimizer.lr=100",
                                        "--out", "{OUT}"]),
    ("run-from-missing", ["run", "--from", MISSING + ".png", "--out", "{OUT}"]),
    ("run-from-text", ["run", "--from", "{text}", "--out", "{OUT}"]),
    ("run-from-photo-without-recipe", ["run", "--from", "{photo}", "--out", "{OUT}"]),
    ("dream-missing-photo", ["dream", MISSING + ".png", "--out", "{OUT}"]),
    ("dream-text-photo", ["dream", "{text}", "--out", "{OUT}"]),
    ("dream-unknown-layer", ["dream", "{photo}", "--layer", "no-such-layer", "--out", "{OUT}"]),
    ("dream-bad-blend", ["dream", "{photo}", "--blend", "7", "--out", "{OUT}"]),
    ("dream-unknown-sample", ["dream", "skimage:no-such-sample", "--out", "{OUT}"]),
    ("style-missing-content", ["style", "transfer", MISSING + ".png", "{photo}", "--out", "{OUT}"]),
    ("style-missing-style", ["style", "transfer", "{photo}", MISSING + ".png", "--out", "{OUT}"]),
    ("style-text-style", ["style", "transfer", "{photo}", "{text}", "--out", "{OUT}"]),
    ("style-bad-colors", ["style", "transfer", "{photo}", "{photo}", "--colors", "plaid", "--out", "{OUT}"]),
    ("style-blend-count", ["style", "transfer", "{photo}", "{photo}", "--blend", "0.5,0.3,0.2", "--out", "{OUT}"]),
    ("audio-missing", ["style", "audio", MISSING + ".wav", "{wav}", "--out", "{OUT}"]),
    ("audio-text", ["style", "audio", "{text}", "{wav}", "--out", "{OUT}"]),
    ("audio-rate-mismatch", ["style", "audio", "{wav}", "{wav_other_rate}", "--out", "{OUT}"]),
    ("audio-bad-override", ["style", "audio", "{wav}", "{wav}", "--set", "filters=many", "--out", "{OUT}"]),
    ("sweep-unknown-class", ["abstraction", "sweep", "--targets", "no-such-class", "--out", "{OUT}"]),
    ("sweep-unknown-perceiver", ["abstraction", "sweep", "--targets", "tick", "--optimize", "no-such-net", "--out", "{OUT}"]),
    ("leave-one-out-unknown-class", ["abstraction", "leave-one-out", "--target", "no-such-class", "--out", "{OUT}"]),
    ("leave-one-out-one-perceiver", ["abstraction", "leave-one-out", "--perceivers", "efficientnet-lite0", "--out", "{OUT}"]),
    ("analogy-train-missing", ["analogy", "train", MISSING + ".txt", "--out", "{OUT}/v.bin"]),
    ("analogy-train-bad-suffix", ["analogy", "train", "{text}", "--out", "{OUT}/v.pickle"]),
    ("analogy-plot-unknown-word", ["analogy", "plot", "zzqxv", "king", "woman", "--out", "{OUT}/p.svg"]),
    ("analogy-plot-bad-suffix", ["analogy", "plot", "man", "king", "woman", "--out", "{OUT}/p.gif"]),
    ("analogy-draw-unknown-word", ["analogy", "draw", "zzqxv", "king", "woman", "--out", "{OUT}"]),
    ("analogy-image-missing", ["analogy", "image", MISSING + ".png", "{photo}", "{photo}", "--out", "{OUT}"]),
    ("analogy-scene-missing", ["analogy", "scene", MISSING + ".svg", MISSING + ".svg", MISSING + ".svg", "--out", "{OUT}/d.svg"]),
    ("analogy-scene-text", ["analogy", "scene", "{text}", "{text}", "{text}", "--out", "{OUT}/d.svg"]),
    ("sentiment-train-unknown-preset", ["sentiment", "train", "--preset", "no-such-preset", "--out", "{OUT}"]),
    ("sentiment-train-bad-override", ["sentiment", "train", "--set", "steps=many", "--out", "{OUT}"]),
    ("sentiment-probe-missing-model", ["sentiment", "probe", "--model", MISSING + ".pt", "--out", "{OUT}"]),
    ("sentiment-probe-text-model", ["sentiment", "probe", "--model", "{text}", "--out", "{OUT}"]),
    ("sentiment-generate-missing-model", ["sentiment", "generate", "--model", MISSING + ".pt", "--out", "{OUT}/r.jsonl"]),
    ("sentiment-generate-bad-sentiment", ["sentiment", "generate", "--sentiment", "giddy", "--out", "{OUT}/r.jsonl"]),
    ("sentiment-card-missing-model", ["sentiment", "card", "--model", MISSING + ".pt", "--out", "{OUT}/c.png"]),
    ("sentiment-card-bad-setting", ["sentiment", "card", "--set", "width=wide", "--out", "{OUT}/c.png"]),
    ("sentiment-export-missing", ["sentiment", "export", MISSING + ".pt", "--out", "{OUT}/m.pt"]),
    ("sentiment-export-text", ["sentiment", "export", "{text}", "--out", "{OUT}/m.pt"]),
    ("batch-missing-manifest", ["batch", MISSING + ".toml", "--out", "{OUT}"]),
    ("batch-preset-as-manifest", ["batch", "{preset}", "--out", "{OUT}"]),
    ("batch-bad-executor", ["batch", "{manifest}", "--executor", "slurm", "--out", "{OUT}"]),
    ("batch-zero-workers", ["batch", "{manifest}", "--workers", "0", "--out", "{OUT}"]),
    ("batch-bad-device", ["batch", "{manifest}", "--device", "quantum", "--out", "{OUT}"]),
    ("batch-manifest-unknown-key", ["batch", "{bad_manifest}", "--out", "{OUT}"]),
    ("batch-negative-workers", ["batch", "{manifest}", "--workers", "-2", "--out", "{OUT}"]),
]


@pytest.mark.parametrize(("case", "argv"), CASES, ids=[c for c, _ in CASES])
def test_outputs_bad_input_writes_nothing(hostile, inputs, tmp_path: Path, monkeypatch, case, argv):
    monkeypatch.chdir(tmp_path)  # a command that falls back to a default output path writes here: watched too
    out = tmp_path / "fresh" / "out"
    names = {k: str(v) for k, v in inputs.items()}
    filled = [a.replace("{OUT}", str(out)).format(**names) if "{" in a else a for a in argv]
    verdict = hostile(f"outputs-bad-{case}", filled, watch=[tmp_path])
    assert_handled(verdict)
    assert not (tmp_path / "fresh").exists()


def test_outputs_sentiment_generate_to_a_folder_is_one_line(hostile, tmp_path: Path):
    """`--out` naming an existing folder is refused before sampling, and the folder is untouched."""
    folder = tmp_path / "reviews"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me\n")
    verdict = hostile("outputs-sentiment-generate-out-is-folder",
                      ["sentiment", "generate", "--samples", "1", "--length", "4", "--out", str(folder)],
                      watch=[tmp_path], keep=[folder])
    assert_handled(verdict)
    assert "folder" in verdict.err
