"""One figure of several runs side by side, each captioned with its clipped share and held-out scores.

    python benchmarks/figure_panels.py OUT.png "label one=RUN_FOLDER" "label two=RUN_FOLDER" ... [--device cpu]

Used for ``docs/images/fourier-fix.png`` (the Fourier image before and after the spectrum
fix). Scores come from each folder's ``run.json``; a run written before ``run.json`` carried
``clipped`` and ``robust`` is measured again from its ``final.png``
(``benchmarks/legibility_table.py``) on ``--device`` (default cpu; auto, cpu, cuda or mps).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import paired  # noqa: E402
from legibility_table import measured  # noqa: E402


def main() -> None:
    from PIL import Image, ImageDraw, ImageFont

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("panels", nargs="+", metavar="LABEL=RUN_FOLDER")
    parser.add_argument("--device", default="cpu", help="auto, cpu, cuda or mps; default cpu")
    args = parser.parse_args()
    paired.check_run_device(args.device)
    out, panels = args.out, [a.split("=", 1) for a in args.panels]
    side, pad, caption = 256, 10, 64
    sheet = Image.new("RGB", (len(panels) * (side + pad) + pad, side + caption + 2 * pad), "white")
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=13)
    except TypeError:
        font = ImageFont.load_default()
    for i, (label, folder) in enumerate(panels):
        record = measured(Path(folder), args.device)
        x = pad + i * (side + pad)
        with Image.open(Path(folder) / "final.png") as im:
            sheet.paste(im.convert("RGB").resize((side, side), Image.LANCZOS), (x, pad))
        held = [s for s in record["scores"] if s["held_out"]]
        robust = [r for r in record["robust"] if r["held_out"]]
        lines = [label, f"clipped {100 * record['clipped']:.1f} %"]
        if held:
            lines.append(f"held-out {held[0]['perceiver'].removeprefix('efficientnet-')} p={held[0]['probability']:.2f} "
                         f"rank {held[0]['rank']}")
        if robust:
            lines.append(f"worst robust rank {robust[0]['worst_rank']} ({robust[0]['worst_degradation']})")
        for j, line in enumerate(lines):
            draw.text((x, side + pad + 4 + 15 * j), line, fill="black" if j == 0 else (60, 60, 60), font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    print(out)


if __name__ == "__main__":
    main()
