"""`apophenic dream PHOTO`: the shortcut works, and bad input is one line, exit 2, nothing written."""

import json

import pytest
from apophenic.cli import main
from apophenic_test_support import files_under
from PIL import Image


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def small_photo(tmp_path):
    import skimage.data

    path = tmp_path / "astronaut.png"
    Image.fromarray(skimage.data.astronaut()).resize((96, 96)).save(path)
    return path


FAST = ["--steps", "2", "--octaves", "1", "--device", "cpu", "--quiet"]


def test_dream_shortcut_writes_a_dream_of_the_photo(small_photo, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli(["dream", str(small_photo), "--layer", "shallow", "--blend", "0.8", *FAST, "--out", str(out)], capsys)
    assert code == 0, err
    record = json.loads(next(out.glob("*/run.json")).read_text())
    assert record["config"]["generator"] == {"type": "photo", "path": str(small_photo.resolve()), "long_side": None, "blend": 0.8}
    assert record["config"]["objectives"][0]["layer"] == "shallow"
    assert record["objective"]["end"]["total"] > record["objective"]["start"]["total"]
    with Image.open(next(out.glob("*/final.png"))) as im:
        assert im.size == (96, 96)


def test_channel_option_dreams_one_channel(small_photo, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli(["dream", str(small_photo), "--layer", "mid", "--channel", "5", *FAST, "--out", str(out)], capsys)
    assert code == 0, err
    record = json.loads(next(out.glob("*/run.json")).read_text())
    assert record["objective"]["description"] == "channel mid:5"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--layer", "deeper"], "--layer 'deeper': efficientnet-lite0 has no such layer; expected an alias [shallow (blocks.2), mid (blocks.7), deep (blocks.10), embedding (pool)] or one of stem, blocks.0..blocks.15, head, pool, logits"),
        (["--layer", "deep", "--channel", "500"], "layer 'deep' has channels 0..111 (got 500)"),
        (["--layer", "mid", "--tile", "48", "--set", "optimizer.overlap=8"], "optimizer.tile: 48 px is smaller than the receptive field of efficientnet-lite0 layer 'blocks.7' (147 px)"),
    ],
)
def test_bad_options_are_one_line_errors_and_nothing_is_written(small_photo, tmp_path, capsys, extra, expected):
    out = tmp_path / "out"
    code, _, err = run_cli(["dream", str(small_photo), *extra, *FAST, "--out", str(out)], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert expected in " ".join(err.split())
    assert files_under(out) == []


def test_a_photo_that_is_not_an_image_is_refused(tmp_path, capsys):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\x00\x01 not a jpeg")
    out = tmp_path / "out"
    code, _, err = run_cli(["dream", str(bad), *FAST, "--out", str(out)], capsys)
    assert code == 2 and "photo.jpg: not a readable image" in err and len(err.strip().splitlines()) == 1
    assert files_under(out) == []
    code, _, err = run_cli(["dream", str(tmp_path / "missing.png"), *FAST, "--out", str(out)], capsys)
    assert code == 2 and "missing.png: no such image file" in err


def test_layers_command_shows_the_aliases(capsys):
    code, out, _ = run_cli(["layers", "efficientnet-lite0", "--size", "64"], capsys)
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 3}
    assert "shallow" in rows["blocks.2"] and "mid" in rows["blocks.7"] and "deep" in rows["blocks.10"]
