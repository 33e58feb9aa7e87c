"""Perception Engines benchmark: held-out transfer of stroke drawings, Adam vs the evolution strategy.

For each target: optimize the ``perception-engine`` preset (64 strokes at 224², one seed) with
Adam for ``--steps`` steps on EfficientNet-Lite0 + Lite1, score on held-out Lite2; then give the
evolution strategy the same CPU time (one thread each: on an idle core that is the same wall
time) and score it the same way. Results go to ``--out`` as one JSON per (optimizer, target),
so a killed run resumes where it stopped; ``--report`` prints the table and writes the contact sheet.

    OMP_WAIT_POLICY=PASSIVE nohup python benchmarks/bench_abstraction.py --optimizer adam --out bench-pe &
    python benchmarks/bench_abstraction.py --optimizer evolution --out bench-pe   # uses Adam's times
    python benchmarks/bench_abstraction.py --report --out bench-pe --sheet docs/images/abstraction-contact-sheet.png

``--device`` (default cpu; auto, cpu, cuda or mps) is where both optimizers run. The evolution
strategy's budget is Adam's CPU seconds, which is the same work only when both ran on the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paired  # noqa: E402

TARGETS = ["electric fan", "tick", "hammerhead", "goldfish", "flamingo", "zebra", "banjo", "violin", "beacon", "strawberry"]
# The whole optimizer table: the preset's Adam keys (schedule) are not the evolution strategy's.
ES_DEFAULTS = ['optimizer={type="evolution", population=16, sigma=0.1, lr=0.05}']


def _pipeline(preset: str, target: str, sets: list[str], device: str):
    from apophenic.config import validate
    from apophenic.plugins.abstraction.ensemble import set_target
    from apophenic.preset_loader import apply_override, load_data
    from apophenic.registry import get_registry
    from apophenic.run import build
    from apophenic.runs import with_options

    registry = get_registry()
    data, source = load_data(preset, [], registry)
    for s in sets:
        data = apply_override(data, s)
    data = with_options(set_target(data, target, source), device=device)
    config = validate(data, registry, source)
    return build(config, source), config


def optimize(preset: str, target: str, sets: list[str], steps: int | None, cpu_budget: float | None, device: str) -> dict:
    """Run one target with the preset's optimizer for ``steps`` steps or until ``cpu_budget`` CPU seconds."""
    from apophenic.run import class_scores

    pipeline, config = _pipeline(preset, target, sets, device)
    gen = pipeline.generator

    from apophenic.loop import make_loss

    loss_fn = make_loss(pipeline)  # the same loss as apophenic.run.execute
    cpu0, wall0 = time.process_time(), time.perf_counter()
    done = 0
    total = steps or 10**9
    while done < total:
        cpu = time.process_time() - cpu0
        if cpu_budget is not None and cpu >= cpu_budget:
            break
        fraction = done / max(1, total - 1) if steps else cpu / cpu_budget
        gen.set_progress(min(1.0, fraction))
        if pipeline.optimizer.needs_grad:
            pipeline.optimizer.step(loss_fn)
        else:
            with torch.no_grad():
                pipeline.optimizer.step(loss_fn)
        gen.constrain()
        done += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    with torch.no_grad():
        final = gen.render().detach()
        scores = class_scores(pipeline, final)
    return {"target": target, "optimizer": config.optimizer.type, "steps": done, "cpu_seconds": cpu, "wall_seconds": wall,
            "scores": scores, "image": final.tolist()}


def _path(out: Path, optimizer: str, target: str) -> Path:
    return out / f"{optimizer}-{target.replace(' ', '_')}.json"


def report(out: Path, targets: list[str], sheet: Path | None) -> None:
    from apophenic.plugins.abstraction.contact_sheet import Cell, contact_sheet

    rows, cells = [], []
    print(f"{'target':14s} | {'Adam: lite0 p/rank':>18s} {'lite1 p/rank':>13s} {'HELD lite2 p/rank':>18s} {'steps':>5s} {'cpu s':>6s} {'wall s':>6s}"
          f" | {'ES: HELD lite2 p/rank':>21s} {'ens p (l0/l1)':>13s} {'steps':>5s} {'cpu s':>6s}")
    for t in targets:
        got = {}
        for opt in ("adam", "evolution"):
            p = _path(out, opt, t)
            if p.is_file():
                got[opt] = json.loads(p.read_text())
        if "adam" not in got:
            print(f"{t:14s} | not finished")
            continue

        def fmt(rec, who):
            s = next(s for s in rec["scores"] if s["perceiver"] == who)
            return f"{s['probability']:.3f}/{s['rank']}"

        a = got["adam"]
        line = (f"{t:14s} | {fmt(a, 'efficientnet-lite0'):>18s} {fmt(a, 'efficientnet-lite1'):>13s} {fmt(a, 'efficientnet-lite2'):>18s}"
                f" {a['steps']:5d} {a['cpu_seconds']:6.0f} {a['wall_seconds']:6.0f}")
        e = got.get("evolution")
        if e:
            ens = "/".join(fmt(e, w).split("/")[0] for w in ("efficientnet-lite0", "efficientnet-lite1"))
            line += f" | {fmt(e, 'efficientnet-lite2'):>21s} {ens:>13s} {e['steps']:5d} {e['cpu_seconds']:6.0f}"
        print(line)
        held = next(s for s in a["scores"] if s["perceiver"] == "efficientnet-lite2")
        rows.append((held["rank"], (next(s for s in e["scores"] if s["perceiver"] == "efficientnet-lite2")["rank"] if e else None)))
        cells.append(Cell(torch.tensor(a["image"]), t, [f"held-out lite2 p={held['probability']:.2f} rank {held['rank']}"]))
    if rows:
        print(f"held-out rank 1 (Adam): {sum(r == 1 for r, _ in rows)}/{len(rows)}"
              + (f"; evolution strategy: {sum(r == 1 for _, r in rows if r is not None)}/{sum(r is not None for _, r in rows)}"
                 if any(r is not None for _, r in rows) else ""))
    if sheet and cells:
        contact_sheet(cells, sheet, columns=5)
        print(f"contact sheet: {sheet}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--preset", default="perception-engine")
    ap.add_argument("--optimizer", choices=["adam", "evolution"], default="adam")
    ap.add_argument("--steps", type=int, default=300, help="Adam steps (the evolution strategy gets Adam's CPU time)")
    ap.add_argument("--set", action="append", default=[], help="extra preset override, e.g. optimizer.lr=0.1")
    ap.add_argument("--out", type=Path, default=Path("bench-perception-engine"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    ap.add_argument("--wait", action="store_true", help="evolution: wait for each target's Adam result instead of skipping it")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--sheet", type=Path, default=None)
    args = ap.parse_args()
    paired.check_run_device(args.device)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report:
        report(args.out, targets, args.sheet)
        return
    torch.set_num_threads(args.threads)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared), torch {torch.__version__}, "
          f"{args.threads} thread(s)", flush=True)
    for t in targets:
        path = _path(args.out, args.optimizer, t)
        if path.is_file():
            continue
        if args.optimizer == "adam":
            result = optimize(args.preset, t, args.set, args.steps, None, args.device)
        else:
            adam = _path(args.out, "adam", t)
            while args.wait and not adam.is_file():
                time.sleep(10)
            if not adam.is_file():
                print(f"{t}: no Adam result yet to match its time; skipped", flush=True)
                continue
            budget = json.loads(adam.read_text())["cpu_seconds"]
            result = optimize(args.preset, t, ES_DEFAULTS + args.set, None, budget, args.device)
        result["settings"] = args.set
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result))
        os.replace(tmp, path)
        held = next(s for s in result["scores"] if s["held_out"])
        print(f"{t}: {args.optimizer} {result['steps']} steps, cpu {result['cpu_seconds']:.0f}s wall {result['wall_seconds']:.0f}s, "
              f"held-out {held['perceiver']} p={held['probability']:.3f} rank {held['rank']}", flush=True)


if __name__ == "__main__":
    main()
