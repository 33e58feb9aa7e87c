"""Drawing presets over a fixed target list: held-out rank and worst robust rank per target.

Runs a preset (``apophenic.run.execute``, the real run path, so ``run.json`` carries
``scores`` and ``robust``) for its own target and the ten targets of :data:`TARGETS`,
for each seed given, one run per folder under ``--out``; a finished run is skipped, so a
killed sweep resumes. ``--report`` picks, per target, the seed whose **optimized
ensemble** scored the target best (mean log-probability over the optimized classifiers;
the held-out score is never looked at) and prints held-out probability / rank and the
held-out worst robust rank, the rank-1 count and a contact sheet.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_drawing_presets.py ink --seeds 0 --out bench-drawings
    python benchmarks/bench_drawing_presets.py ink --report --out bench-drawings --sheet docs/images/ink-targets.png

``--shard i/n`` runs every n-th job starting at i, so two processes can share a sweep.
``--device`` (default cpu; auto, cpu, cuda or mps) is where the runs work.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

#: The ten targets every drawing preset is measured on besides its own, fixed before any
#: tuning: shapes and colours of many kinds (animals, instruments, objects, food, a landmark).
TARGETS = ["goldfish", "flamingo", "zebra", "hammerhead", "banjo", "violin", "beacon", "lemon", "umbrella", "volcano"]


def own_target(preset: str) -> str:
    from apophenic.preset_loader import load_data

    data, _ = load_data(preset)
    return next(o["target"] for o in data["objectives"] if o.get("type") == "class")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def run_one(preset: str, target: str, seed: int, sets: list[str], folder: Path, device: str = "cpu") -> dict:
    """One run into ``folder`` (its run.json's content, plus CPU seconds)."""
    import torch

    from apophenic.config import validate
    from apophenic.plugins.abstraction.ensemble import set_target
    from apophenic.preset_loader import apply_override, load_data
    from apophenic.registry import get_registry
    from apophenic.run import execute

    registry = get_registry()
    data, source = load_data(preset, [], registry)
    for s in sets:
        data = apply_override(data, s)
    data = set_target(data, target, source)
    data = {**data, "seed": seed, "device": device}
    config = validate(data, registry, source)
    cpu0 = time.process_time()
    result = execute(config, folder, source=source, registry=registry, progress=False, preset=preset)
    record = {**result.record, "cpu_seconds": time.process_time() - cpu0, "folder": str(result.folder)}
    (folder / "result.json").write_text(json.dumps({k: record[k] for k in (
        "scores", "robust", "clipped", "wall_seconds", "cpu_seconds", "folder", "seed")} | {"target": target}))
    del torch
    return record


def ensemble_score(result: dict) -> float:
    """Mean log-probability of the target over the optimized classifiers (what selection may look at)."""
    values = [math.log(max(s["probability"], 1e-12)) for s in result["scores"] if not s["held_out"]]
    return sum(values) / len(values)


def report(preset: str, out: Path, seeds: list[int], sheet: Path | None) -> None:
    import numpy as np
    import torch
    from PIL import Image

    targets = [own_target(preset)] + [t for t in TARGETS if t != own_target(preset)]
    rows, cells = [], []
    print(f"| target | seeds | chosen seed (ensemble log p) | held-out p / rank | held-out worst robust rank | clipped % | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for target in targets:
        found = []
        for seed in seeds:
            path = out / Path(preset).stem / f"{_slug(target)}-s{seed}" / "result.json"
            if path.is_file():
                found.append(json.loads(path.read_text()))
        if not found:
            print(f"| {target} | 0 | not run | | | | |")
            continue
        best = max(found, key=ensemble_score)
        held = [s for s in best["scores"] if s["held_out"]]
        robust = [r for r in best["robust"] if r["held_out"]]
        rank, worst = held[0]["rank"], max(r["worst_rank"] for r in robust)
        rows.append((target, rank, worst))
        cpu = sum(f["cpu_seconds"] for f in found)
        print(f"| {target} | {len(found)} | {best['seed']} ({ensemble_score(best):.2f}) | {held[0]['probability']:.3f} / {rank} | "
              f"{worst} ({robust[0]['worst_degradation']}) | {100 * best['clipped']:.1f} | {cpu:.0f} |")
        image = np.asarray(Image.open(Path(best["folder"]) / "final.png").convert("RGB"), dtype=np.float32) / 255
        from apophenic.plugins.abstraction.contact_sheet import Cell

        cells.append(Cell(torch.from_numpy(image).permute(2, 0, 1)[None], target,
                          [f"held out: p={held[0]['probability']:.2f} rank {rank}", f"worst robust rank {worst}"]))
    if rows:
        others = rows[1:]
        print(f"\n{preset}: own target {rows[0][0]!r} held-out rank {rows[0][1]} (worst robust {rows[0][2]}); "
              f"other targets held-out rank 1: {sum(r == 1 for _, r, _ in others)}/{len(others)}, "
              f"worst robust rank 1: {sum(w == 1 for _, _, w in others)}/{len(others)}, "
              f"worst robust rank <= 5: {sum(w <= 5 for _, _, w in others)}/{len(others)}")
    if sheet and cells:
        from apophenic.plugins.abstraction.contact_sheet import contact_sheet

        contact_sheet(cells, sheet, thumb=160, columns=6)
        print(f"contact sheet: {sheet}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("preset")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds")
    ap.add_argument("--targets", default=None, help="comma-separated targets (default: own + TARGETS)")
    ap.add_argument("--set", action="append", default=[], help="preset override, e.g. optimizer.lr=0.1")
    ap.add_argument("--out", type=Path, default=Path("bench-drawings"))
    ap.add_argument("--shard", default="0/1", help="i/n: run every n-th job starting at i")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--sheet", type=Path, default=None)
    args = ap.parse_args()
    paired.check_run_device(args.device)
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.report:
        report(args.preset, args.out, seeds, args.sheet)
        return
    import torch

    torch.set_num_threads(args.threads)
    own = own_target(args.preset)
    targets = [t.strip() for t in args.targets.split(",")] if args.targets else [own] + [t for t in TARGETS if t != own]
    jobs = [(t, s) for t in targets for s in seeds]
    i, n = (int(x) for x in args.shard.split("/"))
    for target, seed in jobs[i::n]:
        folder = args.out / Path(args.preset).stem / f"{_slug(target)}-s{seed}"
        if (folder / "result.json").is_file():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        rec = run_one(args.preset, target, seed, args.set, folder, args.device)
        held = [s for s in rec["scores"] if s["held_out"]]
        print(f"{args.preset} {target} seed {seed}: held-out {held[0]['probability']:.3f}/{held[0]['rank']}, "
              f"worst robust {max(r['worst_rank'] for r in rec['robust'] if r['held_out'])}, "
              f"cpu {rec['cpu_seconds']:.0f} s, wall {rec['wall_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
