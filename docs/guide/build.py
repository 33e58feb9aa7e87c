"""Rebuild the artists' guide gallery: run every shipped image preset and write its picture.

    python docs/guide/build.py [--quick] [--only NAME ...] [--rows DIR] [--table-only]

Writes ``docs/guide/images/<preset>.png`` and ``docs/guide/presets.md`` (a table of
every preset with its description, the command that made the picture, its wall
time, the picture's clipped share and, for class targets, the held-out score and
the held-out worst robust rank: ``run.json``'s legibility measures). ``--quick``
cuts steps to a fifth so the whole guide rebuilds in minutes on a laptop CPU; the
page says so. ``--rows DIR`` keeps each preset's row as ``DIR/<preset>.json`` and
fills the rows of presets not built this time from there, so several processes can
each build some presets (``--only``) and ``--table-only`` writes the page from all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from apophenic import stages  # noqa: E402
from apophenic.config import validate  # noqa: E402
from apophenic.preset_loader import apply_override, load_data  # noqa: E402
from apophenic.registry import get_registry  # noqa: E402
from apophenic.run import execute  # noqa: E402

HERE = Path(__file__).parent
SKIP = {"style-transfer": "needs VGG-19 ImageNet weights, which are not shipped"}


def build_one(name: str, quick: bool, out: Path) -> tuple[Path, dict, float, str]:
    data, source = load_data(name)
    overrides = []
    if quick and not stages.is_pipeline(data):
        steps = max(1, int(data.get("optimizer", {}).get("steps", 200)) // 5)
        overrides.append(f"optimizer.steps={steps}")
    for assignment in overrides:
        data = apply_override(data, assignment)
    started = time.perf_counter()
    if stages.is_pipeline(data):
        record = stages.execute(data, source, out, progress=False, preset=name)
        folder = Path(record["folder"])
    else:
        result = execute(validate(data, get_registry(), source), out, source=source, progress=False, preset=name)
        folder, record = result.folder, result.record
    command = f"apophenic run {name}" + "".join(f" --set {o}" for o in overrides)
    return folder, record, time.perf_counter() - started, command


def legibility_cells(record: dict | None) -> tuple[str, str, str]:
    """Clipped share, held-out scores and held-out worst robust ranks of a run.json, as table cells."""
    if record is None:
        return "—", "—", "—"
    held = [s for s in record.get("scores", []) if s["held_out"]]
    score = "; ".join(f"{s['perceiver']}: {s['target']} p={s['probability']:.2f}, rank {s['rank']}" for s in held)
    robust = [r for r in record.get("robust", []) if r["held_out"]]
    worst = "; ".join(f"{r['worst_rank']} ({r['worst_degradation']})" for r in robust)
    clipped = "—" if record.get("clipped") is None else f"{100 * record['clipped']:.1f} %"
    return clipped, score or "—", worst or "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="A fifth of each preset's steps.")
    parser.add_argument("--only", nargs="*", help="Only these presets.")
    parser.add_argument("--rows", type=Path, help="Keep each row as DIR/<preset>.json; fill rows not built now from there.")
    parser.add_argument("--table-only", action="store_true", help="Build nothing: write the page from --rows.")
    parser.add_argument("--keep", type=Path, help="Keep the run folders here (default: a temporary folder, deleted).")
    args = parser.parse_args()
    if args.table_only and args.rows is None:
        parser.error("--table-only needs --rows DIR")
    registry = get_registry()
    images = HERE / "images"
    images.mkdir(exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = args.keep or tmp
        for name, (path, plugin) in sorted(registry.presets.items()):
            data, _ = load_data(name)
            description = data.get("description", "")
            if name in SKIP:
                rows.append((name, plugin, description, None, SKIP[name], None, None))
                continue
            kept = args.rows / f"{name}.json" if args.rows else None
            if args.table_only or (args.only and name not in args.only):
                if kept is not None and kept.is_file():
                    rows.append(tuple(json.loads(kept.read_text())))
                continue
            if args.quick and stages.is_pipeline(data):
                full = HERE.parent / "images" / f"pipeline-{name}.png"  # from a full run, kept in docs/images
                image = f"../images/{full.name}" if full.exists() else None
                rows.append((name, plugin, description, image, "a full multi-stage run (picture from `apophenic run "
                             f"{name}`); not rebuilt with --quick", None, None))
                continue
            print(f"building {name} ...", flush=True)
            try:
                folder, record, seconds, command = build_one(name, args.quick, Path(tmp))
            except Exception as exc:  # one broken preset must not stop the guide
                rows.append((name, plugin, description, None, f"failed: {exc}", None, None))
                continue
            shutil.copy2(folder / "final.png", images / f"{name}.png")
            rows.append((name, plugin, description, f"images/{name}.png", command, seconds, record))
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_text(json.dumps(rows[-1]))
    lines = [
        "# Every preset, with the picture it makes",
        "",
        "Generated by `python docs/guide/build.py"+(" --quick" if args.quick else "")+"`; do not edit by hand."
        + (" Built with `--quick`: a fifth of each preset's steps, so pictures are rougher than a full run." if args.quick else ""),
        "",
        "Clipped: share of the picture's 8-bit channel values at 0–2 or 253–255 (photos sit under 1 %; a drawing on a white "
        "ground reports its ground). Worst robust rank: the held-out classifier's worst rank of the target after half-scale, "
        "blur (σ 1 px at 224²) and JPEG-50 views of the picture (`run.json` `robust`; see the README). Times are wall "
        "seconds on a 2-core CPU shared with other jobs; they vary with its load.",
        "",
        "| preset | from | what it does | picture | made with | clipped | held-out score | worst robust rank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, plugin, description, image, command, seconds, record in rows:
        picture = f"![{name}]({image})" if image else "—"
        made = f"`{command}`" + (f" ({seconds:.0f} s)" if seconds else "") if seconds else command
        clipped, score, robust = legibility_cells(record)
        lines.append(f"| `{name}` | {plugin} | {description} | {picture} | {made} | {clipped} | {score} | {robust} |")
    (HERE / "presets.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'presets.md'}")


if __name__ == "__main__":
    main()
