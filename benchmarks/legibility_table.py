"""Legibility of finished runs as one markdown table: clipped share, held-out score, worst robust rank, time.

    python benchmarks/legibility_table.py RUN_FOLDER_OR_PARENT ... [--times times.txt] [--device cpu]

Each argument is a run folder (it holds ``run.json``) or a folder of them. A run written
before ``run.json`` carried ``clipped`` and ``robust`` (an older apophenic) is measured
again from its ``final.png`` with the classifiers its own config names, exactly as a
run measures itself (the 8-bit picture). A pipeline's row is its last stage's picture.
``--times`` reads lines ``NAME cpu_user=U cpu_sys=S wall=W`` (``/usr/bin/time -f``) to
add CPU seconds by preset name. ``--device`` (default cpu; auto, cpu, cuda or mps) is where
the classifiers measure the older runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402


def _folders(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if (path / "run.json").exists():
            found.append(path)
        else:
            found += sorted(p.parent for p in path.glob("*/run.json"))
    return found


def measured(folder: Path, device: str = "cpu") -> dict:
    """``run.json`` of a folder, with ``clipped`` and ``robust`` filled in when the run predates them."""
    import numpy as np
    import torch
    from PIL import Image

    from apophenic import legibility
    from apophenic.config import validate
    from apophenic.device import pick_device
    from apophenic.registry import get_registry
    from apophenic.run import build

    record = json.loads((folder / "run.json").read_text())
    if record.get("pipeline"):
        last = folder / record["stages"][-1]["folder"]
        inner = measured(last, device)
        return {**inner, "wall_seconds": record["wall_seconds"], "preset": record.get("preset")}
    if "robust" in record and "clipped" in record:
        return record
    image = np.asarray(Image.open(folder / "final.png").convert("RGB"), dtype=np.float32) / 255
    picture = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()
    config = dict(record["config"])
    config["device"] = device
    pipeline = build(validate(config, get_registry(), None))
    picture = picture.to(pick_device(device))  # where build put the classifiers
    side = picture.shape[-1] // max(1, int(config.get("generator", {}).get("batch", 1)))
    if side != picture.shape[-2] and picture.shape[-1] % side == 0:  # a batch was saved as a horizontal strip
        picture = torch.cat(list(picture.split(side, dim=-1)))
    return {**record, **legibility.measure(picture, pipeline.ensemble.perceivers, pipeline.ensemble.held_out,
                                           pipeline.class_targets, None)}


def _times(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    cpu = {}
    for line in path.read_text().splitlines():
        m = re.match(r"(\S+) cpu_user=([\d.]+) cpu_sys=([\d.]+) wall=([\d.]+)", line)
        if m:
            cpu[Path(m.group(1)).stem] = float(m.group(2)) + float(m.group(3))
    return cpu


def row(record: dict, cpu: dict[str, float]) -> list[str]:
    """preset, clipped %, held-out p / rank, worst held-out robust rank (degradation), wall s, CPU s."""
    held = [s for s in record.get("scores", []) if s.get("held_out")]
    robust = [r for r in record.get("robust", []) if r.get("held_out")]
    score = "; ".join(f"{s['target']} {s['probability']:.3f} / {s['rank']}" for s in held) or "—"
    worst = "; ".join(f"{r['worst_rank']} ({r['worst_degradation']})" for r in robust) or "—"
    clipped = "—" if record.get("clipped") is None else f"{100 * record['clipped']:.1f}"
    name = record.get("preset") or record.get("name", "?")
    seconds = cpu.get(str(name))
    return [str(name), clipped, score, worst, f"{record.get('wall_seconds', 0):.0f}", "—" if seconds is None else f"{seconds:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--times", type=Path, help="/usr/bin/time lines: NAME cpu_user=U cpu_sys=S wall=W")
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    args = parser.parse_args()
    paired.check_run_device(args.device)
    import torch

    torch.set_num_threads(1)
    cpu = _times(args.times)
    header = ["preset", "clipped %", "held-out p / rank", "worst robust rank", "wall s", "CPU s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for folder in _folders(args.folders):
        print("| " + " | ".join(row(measured(folder, args.device), cpu)) + " |", flush=True)


if __name__ == "__main__":
    main()
