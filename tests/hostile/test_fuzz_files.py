"""Generated hostile files — TOML presets, JSON recipes, SVG drawings, WAV headers, sentiment
checkpoints — each run through the real CLI and held to the contract (fuzzing.py)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import torch
from fuzzing import FUZZ, assert_contract_or_success
from files_support import png_with_text, sentiment_checkpoint, svg, wav
from hypothesis import given
from hypothesis import strategies as st

# Numbers a careless or hostile file holds: huge, tiny, negative, non-finite spellings.
NUMBERS = st.sampled_from(["0", "-1", "1e400", "-1e400", "1e308", "nan", "inf", "3", "0.5", "99999999999999999999", "1e-400"])


def _nest(opening: str, closing: str):
    return st.integers(0, 20_000).map(lambda n: opening * n + closing * n)


TOML_FRAGMENTS = st.one_of(
    _nest("[", "]"),
    _nest("{a = ", "}").map(lambda t: t.replace("{a = }", "{a = 1}") if t else "1"),
    NUMBERS, st.sampled_from(['"x"', "true", "[1, 2]", '"imagenet-class"', "'''", '"\\u0000"', "[[", "]]"]),
    st.text(max_size=30),
)


@FUZZ
@given(key=st.sampled_from(["size", "extends", "seed", "steps", "optimizer", "objectives", "x.y.z", "set"]), value=TOML_FRAGMENTS,
       base=st.booleans())
def test_fuzz_toml_presets(hostile, tmp_path_factory, key, value, base):
    folder = tmp_path_factory.mktemp("toml")
    preset = folder / "p.toml"
    preset.write_text(('extends = "imagenet-class"\n' if base else "") + f"{key} = {value}\n")
    verdict = hostile("fuzz-toml", ["presets", "show", str(preset), "--resolved"], watch=[folder], canary=folder / "PWNED", tally=False)
    assert_contract_or_success(verdict)


@FUZZ
@given(value=TOML_FRAGMENTS)
def test_fuzz_set_values(hostile, tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("set")
    verdict = hostile("fuzz-set", ["run", "imagenet-class", "--set", f"size={value}", "--steps", "0", "--out", str(folder / "out"), "-q"],
                      canary=folder / "PWNED", tally=False)
    if verdict.code == 0:
        return  # a valid size ran zero steps
    assert "traceback" not in verdict.problems and "not_one_line" not in verdict.problems, verdict.explain()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(config=JSON_VALUES, wrap=st.booleans(), nest=st.integers(0, 30_000), source=st.sampled_from([None, "/etc/shadow", "../../x.toml", 7]))
def test_fuzz_json_recipes(hostile, tmp_path_factory, config, wrap, nest, source):
    folder = tmp_path_factory.mktemp("recipe")
    recipe = {"config": config, **({"source": source} if source is not None else {})} if wrap else config
    text = json.dumps(recipe)
    if nest:
        text = text.replace('"config": ', '"config": ' + "[" * nest, 1) + "]" * nest if wrap else "[" * nest + text + "]" * nest
    png = png_with_text(folder / "r.png", text)
    verdict = hostile("fuzz-recipe", ["run", "--from", str(png), "--steps", "0", "--out", str(folder / "out"), "-q"],
                      watch=[], canary=folder / "PWNED", tally=False)
    assert_contract_or_success(verdict)


SVG_ELEMENT = st.one_of(
    st.builds(lambda a, b, c: f'<path d="M{a} {b} L{c} {a} C{b} {c} {a} {b} {c} {c} Z" stroke="black"/>', NUMBERS, NUMBERS, NUMBERS),
    st.builds(lambda a, b, r: f'<circle cx="{a}" cy="{b}" r="{r}" fill="red"/>', NUMBERS, NUMBERS, NUMBERS),
    st.builds(lambda a, w: f'<rect x="{a}" y="1" width="{w}" height="5" fill="blue" stroke="red" stroke-width="{a}"/>', NUMBERS, NUMBERS),
    st.builds(lambda a: f'<polygon points="1 1 {a} 5 9 9" fill="green"/>', NUMBERS),
    st.builds(lambda t, a: f'<g transform="{t}({a})"><line x1="1" y1="1" x2="9" y2="9" stroke="black"/></g>',
              st.sampled_from(["scale", "translate", "rotate", "skewX", "matrix"]), NUMBERS),
    st.builds(lambda n: "M1 1 L2 2 " * n, st.integers(0, 30_000)).map(lambda d: f'<path d="{d}" stroke="black"/>'),
    st.integers(0, 6_000).map(lambda n: "<g>" * n + '<line x1="1" y1="1" x2="9" y2="9" stroke="black"/>' + "</g>" * n),
    st.text(max_size=40),
)


@FUZZ
@given(elements=st.lists(SVG_ELEMENT, min_size=1, max_size=4), view=st.sampled_from(["0 0 100 100", "1e400 0 10 10", "0 0 0 0", "0 0 1e7 5"]))
def test_fuzz_svg_drawings(hostile, tmp_path_factory, elements, view):
    folder = tmp_path_factory.mktemp("svg")
    bad = svg(folder / "bad.svg", "".join(elements), view)
    good = svg(folder / "good.svg", '<path d="M10 10 L90 90" stroke="black" stroke-width="2" fill="none"/>')
    verdict = hostile("fuzz-svg", ["analogy", "scene", str(bad), str(good), str(good), "--out", str(folder / "out" / "d.svg")],
                      watch=[], canary=folder / "PWNED", tally=False)
    assert_contract_or_success(verdict)


@FUZZ
@given(rate=st.sampled_from([0, 1, 8000, 10**6, 2**31 - 1]), channels=st.integers(0, 3), bits=st.sampled_from([0, 8, 16, 24, 32, 7]),
       cut=st.one_of(st.none(), st.integers(0, 200)), data_claim=st.one_of(st.none(), st.sampled_from([0, 1, 2**31, 2**32 - 1])))
def test_fuzz_wav_headers(hostile, tmp_path_factory, rate, channels, bits, cut, data_claim):
    folder = tmp_path_factory.mktemp("wav")
    block = max(1, channels * max(bits, 8) // 8)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) % 2**32, block % 2**16, bits)
    data = b"\x01\x02" * 2000
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data) if data_claim is None else data_claim) + data
    raw = b"RIFF" + struct.pack("<I", len(body)) + body
    bad = folder / "bad.wav"
    bad.write_bytes(raw if cut is None else raw[:cut])
    good = wav(folder / "good.wav")
    verdict = hostile("fuzz-wav", ["style", "audio", str(bad), str(good), "--steps", "0", "--set", "griffin_lim=1", "--set", "n_fft=64",
                                   "--set", "hop=16", "--set", "filters=8", "--out", str(folder / "out"), "-q"],
                      watch=[], canary=folder / "PWNED", tally=False)
    assert_contract_or_success(verdict)


SIZES = st.one_of(st.integers(-3, 40), st.sampled_from([10**9, 2**63 - 1, 16_384]), st.text(max_size=4), st.none(), st.floats(), st.booleans())


@FUZZ
@given(spec=st.one_of(st.fixed_dictionaries({"architecture": st.sampled_from(["lstm", "mlstm", "gru", 3]), "hidden": SIZES,
                                              "layers": SIZES, "embed": SIZES}), JSON_VALUES),
       state=st.sampled_from(["fit", "empty", "list", "strings", "wrong-shape"]), meta=st.sampled_from([{}, [1], "x", None]))
def test_fuzz_sentiment_checkpoints(hostile, tmp_path_factory, spec, state, meta):
    folder = tmp_path_factory.mktemp("ckpt")
    replace = {"spec": spec, "meta": meta}
    if state != "fit":
        replace["state_dict"] = {"empty": {}, "list": [torch.zeros(2)], "strings": {"a": "b"},
                                 "wrong-shape": {"embed.weight": torch.zeros(3, 3)}}[state]
    path = sentiment_checkpoint(folder / "c.pt", **replace)
    verdict = hostile("fuzz-checkpoint", ["sentiment", "generate", "--model", str(path), "-n", "2"],
                      watch=[folder], canary=folder / "PWNED", tally=False)
    assert_contract_or_success(verdict)
