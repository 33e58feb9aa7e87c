"""Ctrl-C on a real `apophenic style transfer` process keeps the picture so far."""

from __future__ import annotations

import json
import signal
import time

import numpy as np
from PIL import Image


def test_style_transfer_keeps_the_picture_so_far_on_sigint(tmp_path, tiny_style_preset, content_png, style_png, command_process):
    """Stopped inside a tile: the picture is the tiles so far over the pass's start, at the output's size."""
    out = tmp_path / "out"
    proc = command_process.start(tmp_path, "style", "transfer", str(content_png), str(style_png), "--preset",
                                 str(tiny_style_preset), "--size", "72", "--tile", "40", "--overlap", "8",
                                 "--steps", "100000", "--out", "out", "--quiet")
    command_process.wait(proc, lambda: out.is_dir() and any(out.glob(".tmp-*")))
    time.sleep(1.0)  # a signal while a tile is being built waits for its first step
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    (folder,) = out.iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert (record["kind"], record["status"]) == ("style", "interrupted") and record["stopped_at"] >= 1
    assert record["stopped_in"].startswith("pass 1/1 at 72×48, tile 1/")
    assert command_process.last_line(err) == (f"interrupted at step {record['stopped_at']}/100000: the work so far is in "
                                              f"out/{folder.name}/ (it cannot be resumed; rerun to finish)")
    picture = np.asarray(Image.open(folder / "final.png")).astype(np.float32)
    assert picture.shape == (48, 72, 3)
    content = np.asarray(Image.open(content_png).convert("RGB")).astype(np.float32)
    # the first tile is 40 px wide: the rest is the photo the pass starts from
    assert np.abs(picture[:, 45:] - content[:, 45:]).mean() < 3
    assert np.abs(picture[:, :30] - content[:, :30]).mean() > 3  # ... and the tile was being painted
