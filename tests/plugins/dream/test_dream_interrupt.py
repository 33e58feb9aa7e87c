"""Ctrl-C on a real `apophenic dream` process keeps the dream so far."""

from __future__ import annotations

import json
import signal

from PIL import Image


def test_dream_command_keeps_its_work_on_sigterm(tmp_path, command_process):
    proc = command_process.start(tmp_path, "dream", "skimage:chelsea", "--long-side", "64", "--octaves", "1",
                                 "--steps", "100000", "--set", "output.preview_every=1", "--out", "out")
    command_process.wait(proc, lambda: any(command_process.progress_step(f) >= 2 for f in (tmp_path / "out").glob("[!.]*")))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    (folder,) = (tmp_path / "out").iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "interrupted" and record["stopped_at"] >= 2
    # DeepDream's octave schedule cannot resume, and the line says so
    assert command_process.last_line(err) == (f"interrupted at step {record['stopped_at']}/100000: the work so far is in "
                                              f"out/{folder.name}/ (it cannot be resumed; rerun to finish)")
    assert Image.open(folder / "final.png").size[0] == 64
