import json

import pytest
import torch
from apophenic.plugins.sentiment import checkpoint
from apophenic.plugins.sentiment.generate import sample
from apophenic.plugins.sentiment.model import clamp_unit
from apophenic.plugins.sentiment.steering import SHIPPED, resolve
from PIL import Image
from sentiment_support import run_cli


def test_same_seed_same_text_other_seed_other_text(tiny_model):
    model = checkpoint.load(tiny_model).model
    a = sample(model, prime="The film", length=40, seed=5, samples=2)
    assert a == sample(model, prime="The film", length=40, seed=5, samples=2)
    assert a != sample(model, prime="The film", length=40, seed=6, samples=2)
    assert all(t.startswith("The film") for t in a)


def test_top_k_one_is_greedy(tiny_model):
    model = checkpoint.load(tiny_model).model
    texts = sample(model, length=30, top_k=1, seed=0, samples=1) + sample(model, length=30, top_k=1, seed=99, samples=1)
    assert texts[0] == texts[1]  # no randomness left


def test_clamped_sampling_holds_the_unit(tiny_model):
    model = checkpoint.load(tiny_model).model
    free = sample(model, length=40, seed=1, samples=3, stop_at_end=False)
    assert free != sample(model, length=40, seed=1, samples=3, stop_at_end=False, steer=clamp_unit(3, 5.0))
    assert free != sample(model, length=40, seed=1, samples=3, stop_at_end=False, steer=clamp_unit(3, -5.0))


def test_unit_out_of_range_is_exit_2_and_writes_nothing(tmp_path, tiny_model, capsys):
    out = tmp_path / "reviews.jsonl"
    code = run_cli(["sentiment", "generate", "-m", str(tiny_model), "--unit", "12", "--sentiment", "1.5", "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "unit 12 is out of range; this model has units 0..11" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_sentiment_words_need_a_found_unit(tiny_model, capsys):
    code = run_cli(["sentiment", "generate", "-m", str(tiny_model), "--sentiment", "positive"])
    assert code == 2 and "has no found sentiment unit" in capsys.readouterr().err


shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason="the shipped checkpoint is not built yet")


@shipped
def test_shipped_model_is_small_and_plain_weights():
    assert SHIPPED.stat().st_size < 5_000_000
    payload = torch.load(SHIPPED, weights_only=True)
    assert payload["unit"]["unit"] < payload["spec"]["hidden"]
    assert payload["meta"]["held_out_bpc"] < 2.5
    assert payload["steering"]["default"] in ("clamp", "direction", "fudge", "words")
    assert payload["steering"]["direction"]["weights"].shape == (payload["spec"]["hidden"],)


@shipped
def test_generate_positive_from_the_shipped_model(tmp_path, capsys):
    out = tmp_path / "pos.jsonl"
    code = run_cli(["sentiment", "generate", "--sentiment", "positive", "-n", "60", "--seed", "3", "-o", str(out)])
    printed = capsys.readouterr().out
    row = json.loads(out.read_text().splitlines()[0])
    assert code == 0 and row["text"] in printed and len(row["text"]) > 20
    loaded = checkpoint.load(SHIPPED)
    assert row["steering"] == resolve(loaded, "positive").record
    assert row["steering"]["method"] == loaded.steering["default"]


@shipped
def test_card_is_a_png_of_the_configured_width(tmp_path):
    out = tmp_path / "card.png"
    assert run_cli(["sentiment", "card", "-n", "80", "--seed", "2", "-o", str(out), "--set", "width=640"]) == 0
    image = Image.open(out)
    assert image.size[0] == 640 and image.size[1] > 100
    colours = {c for _, c in image.convert("RGB").getcolors(1 << 20)}
    assert len(colours) > 20  # coloured text on the background, not a blank card


def test_printable_sampling_writes_only_ascii_text(tiny_model):
    model = checkpoint.load(tiny_model).model  # barely trained: raw sampling emits any byte
    text = "".join(sample(model, length=200, seed=0, samples=3, stop_at_end=False))
    assert all(ch == "\n" or 32 <= ord(ch) < 127 for ch in text)


@shipped
@pytest.mark.slow
def test_shipped_model_reaches_its_documented_held_out_bits_per_byte():
    """docs/sentiment.md: 2.170 bits per byte on 64 KB of held-out documents of the training preset."""
    from pathlib import Path

    from apophenic.plugins.sentiment import presets
    from apophenic.plugins.sentiment.configs import TrainConfig
    from apophenic.plugins.sentiment.streams import held_out_bytes
    from apophenic.plugins.sentiment.training import bits_per_byte, eval_streams, make_sources
    from sentiment_support import SHARED

    config, _ = presets.load(TrainConfig, "sentiment-train")
    sources = make_sources(config, Path(SHARED))
    if not all(s.path.is_file() for s in sources):
        pytest.skip("the shared review data is not available")
    held = eval_streams(held_out_bytes(sources, config.held_out, config.split_seed, config.eval_chars))
    bpb = bits_per_byte(checkpoint.load(SHIPPED).model, held, config.seq_len, torch.device("cpu"))
    assert bpb == pytest.approx(2.17, abs=0.01)  # float16 weights: within a hundredth of the float32 model
