"""The static HTML gallery: ``out/gallery/index.html`` and ``out/gallery/thumbs/``.

One self-contained page (inline CSS and JS, no external assets, no server):
a grid of thumbnail cards; filters by preset and target; sort by held-out
score; a card opens a detail view with the full image, the SVG when the run
wrote one, the recipe and the per-perceiver scores (held-out marked). It is
rewritten after every finished run, so it is useful while a batch runs.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from apophenic.batch.journal import Entry

FOLDER = "gallery"
THUMB_SIDE = 256


def held_out_score(scores: list[dict[str, Any]]) -> float | None:
    """Mean target probability over the held-out perceivers (None when the run had none)."""
    values = [float(s["probability"]) for s in scores if s.get("held_out") and "probability" in s]
    return sum(values) / len(values) if values else None


def held_out_robust_rank(record: dict[str, Any]) -> int | None:
    """The worst rank any held-out classifier gives the target after a degradation (None without one)."""
    from apophenic.legibility import worst_robust_rank

    return worst_robust_rank(record.get("robust") or [], held_out=True)


def optimized_score(scores: list[dict[str, Any]]) -> float | None:
    """Mean target probability over the perceivers that were optimized against."""
    values = [float(s["probability"]) for s in scores if not s.get("held_out") and "probability" in s]
    return sum(values) / len(values) if values else None


def _thumbnail(source: Path, target: Path) -> None:
    from PIL import Image

    with Image.open(source) as im:
        im = im.convert("RGB")
        im.thumbnail((THUMB_SIDE, THUMB_SIDE))
        tmp = target.with_name(f".{target.name}.tmp")
        im.save(tmp, format="PNG")
    os.replace(tmp, target)


class Gallery:
    """Writes the gallery for a batch's output folder; caches what it has read."""

    def __init__(self, out: Path, title: str) -> None:
        self.out = out
        self.folder = out / FOLDER
        self.title = title
        self._records: dict[str, dict[str, Any]] = {}

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    def _record(self, name: str) -> dict[str, Any] | None:
        if name not in self._records:
            try:
                self._records[name] = json.loads((self.out / name / "run.json").read_text())
            except (OSError, ValueError):
                return None
        return self._records[name]

    def card(self, entry: Entry) -> dict[str, Any] | None:
        """What the page shows for one finished run (None if its folder is unreadable)."""
        assert entry.name is not None
        record = self._record(entry.name)
        if record is None:
            return None
        thumb = self.folder / "thumbs" / f"{entry.name}.png"
        if not thumb.exists():
            try:
                _thumbnail(self.out / entry.name / "final.png", thumb)
            except OSError:
                return None
        scores = record.get("scores") or []
        target = entry.target if entry.target is not None else (scores[0]["target"] if scores else None)
        files = record.get("files") or []
        run = f"../{quote(entry.name)}/"
        return {
            "name": entry.name,
            "cell": entry.cell,
            "preset": entry.preset or record.get("preset") or "",
            "target": "" if target is None else str(target),
            "seed": record.get("seed"),
            "overrides": entry.overrides,
            "held_out": held_out_score(scores),
            "robust_rank": held_out_robust_rank(record),
            "clipped": record.get("clipped"),
            "optimized": optimized_score(scores),
            "scores": scores,
            "robust": record.get("robust") or [],
            "objective": (record.get("objective") or {}).get("description", ""),
            "seconds": record.get("wall_seconds"),
            "device": record.get("device"),
            "thumb": f"thumbs/{quote(entry.name)}.png",
            "image": run + "final.png",
            "svg": run + "final.svg" if "final.svg" in files else None,
            "recipe": record.get("config", {}),
        }

    def write(self, entries: list[Entry]) -> Path:
        """Rewrite ``index.html`` (atomically) from the journal's entries."""
        (self.folder / "thumbs").mkdir(parents=True, exist_ok=True)
        cards = [c for e in entries if e.state == "done" and e.name for c in [self.card(e)] if c is not None]
        failed = [{"cell": e.cell, "error": e.error or ""} for e in entries if e.state == "failed"]
        pending = sum(e.state in ("pending", "running") for e in entries)
        page = render_page(self.title, cards, failed, pending)
        tmp = self.index.with_name(".index.html.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, self.index)
        return self.index


def _options(values: list[str]) -> str:
    return "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in sorted(set(values)))


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def render_page(title: str, cards: list[dict[str, Any]], failed: list[dict[str, str]], pending: int) -> str:
    """The whole page as one string."""
    e = html.escape
    card_html = []
    for i, c in enumerate(cards):
        held = "" if c["held_out"] is None else f"{c['held_out']:.6f}"
        robust = "" if c["robust_rank"] is None else str(c["robust_rank"])
        card_html.append(
            f'<button class="card" type="button" data-index="{i}" data-preset="{e(c["preset"])}" '
            f'data-target="{e(c["target"])}" data-held-out="{held}" data-robust-rank="{robust}">'
            f'<img src="{e(c["thumb"])}" alt="{e(c["cell"])}" loading="lazy">'
            f'<span class="caption"><b>{e(c["preset"])}</b> {e(c["target"])} · seed {e(str(c["seed"]))}</span>'
            + (f'<span class="set">{e(" ".join(c["overrides"]))}</span>' if c["overrides"] else "")
            + f'<span class="score">held-out {_fmt(c["held_out"])} · optimized {_fmt(c["optimized"])}'
            + (f' · robust rank {robust}' if robust else "") + "</span>"
            "</button>"
        )
    failed_html = "".join(f"<li><b>{e(f['cell'])}</b>: {e(f['error'])}</li>" for f in failed)
    status = f"{len(cards)} finished" + (f", {len(failed)} failed" if failed else "") + (f", {pending} to go" if pending else "")
    data = json.dumps(cards).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return PAGE.format(
        title=e(title),
        status=e(status),
        presets=_options([c["preset"] for c in cards]),
        targets=_options([c["target"] for c in cards]),
        cards="\n".join(card_html),
        failed=f'<section id="failed"><h2>Failed runs</h2><ul>{failed_html}</ul></section>' if failed else "",
        data=data,
        script=SCRIPT,
        style=STYLE,
    )


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#111;color:#eee}
header{padding:12px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap;background:#1b1b1b;position:sticky;top:0}
h1{font-size:18px;margin:0}select{background:#222;color:#eee;border:1px solid #444;padding:3px}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;padding:16px}
.card{display:flex;flex-direction:column;background:#1e1e1e;border:1px solid #333;border-radius:6px;padding:6px;color:inherit;
 text-align:left;cursor:pointer;font:inherit}
.card:hover{border-color:#888}.card img{width:100%;aspect-ratio:1;object-fit:contain;image-rendering:pixelated;background:#000}
.caption{margin-top:4px}.score,.set{color:#aaa;font-size:12px}.set{font-family:monospace}.hidden{display:none}
dialog{max-width:min(1100px,95vw);background:#1b1b1b;color:#eee;border:1px solid #555}
dialog img{width:100%;max-width:512px;image-rendering:pixelated;background:#000}.media{display:flex;gap:12px;flex-wrap:wrap}
.media figure{margin:0;flex:1 1 300px}pre{white-space:pre-wrap;background:#111;padding:8px;max-height:40vh;overflow:auto}
table{border-collapse:collapse}td,th{border-bottom:1px solid #333;padding:2px 8px;text-align:left}
tr.held-out{background:#2a2a10}.tag{background:#775;border-radius:3px;padding:0 4px;font-size:11px}
#failed{padding:0 16px 16px;color:#f99}
"""

SCRIPT = """
const runs = JSON.parse(document.getElementById('runs').textContent);
const grid = document.getElementById('grid');
const cards = Array.from(grid.querySelectorAll('.card'));
const presetSel = document.getElementById('preset'), targetSel = document.getElementById('target');
const sortSel = document.getElementById('sort'), count = document.getElementById('count');
function apply() {
  let shown = 0;
  for (const c of cards) {
    const ok = (!presetSel.value || c.dataset.preset === presetSel.value) &&
               (!targetSel.value || c.dataset.target === targetSel.value);
    c.classList.toggle('hidden', !ok);
    if (ok) shown++;
  }
  // held-out probability: higher is better; worst robust rank: lower is better
  const byRank = sortSel.value.startsWith('robust-rank');
  const field = byRank ? 'robustRank' : 'heldOut';
  const key = c => c.dataset[field] === '' ? null : parseFloat(c.dataset[field]);
  const order = cards.slice();
  if (sortSel.value !== 'manifest') {
    const sign = sortSel.value.endsWith('-desc') ? -1 : 1;
    order.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === null && y === null) return a.dataset.index - b.dataset.index;
      if (x === null) return 1;
      if (y === null) return -1;
      return sign * (x - y);
    });
  }
  for (const c of order) grid.appendChild(c);
  count.textContent = shown + ' of ' + cards.length + ' shown';
}
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function figure(src, caption) {
  const f = el('figure'), img = el('img'), cap = el('figcaption', caption);
  img.src = src; img.alt = caption; f.append(img, cap); return f;
}
function open(index) {
  const r = runs[index], body = document.getElementById('detail-body');
  body.replaceChildren();
  body.append(el('h2', r.preset + ' · ' + r.target + ' · seed ' + r.seed));
  body.append(el('p', r.cell));
  const media = el('div', null, 'media');
  media.append(figure(r.image, 'final.png'));
  if (r.svg) media.append(figure(r.svg, 'final.svg'));
  body.append(media);
  if (r.scores.length) {
    const table = el('table'), head = el('tr');
    for (const h of ['perceiver', 'target', 'probability', 'rank', 'worst robust rank', 'top class']) head.append(el('th', h));
    table.append(head);
    for (const s of r.scores) {
      const tr = el('tr', null, s.held_out ? 'held-out' : 'optimized');
      const who = el('td', s.perceiver + ' ');
      if (s.held_out) who.append(el('span', 'held-out', 'tag'));
      const rb = r.robust.find(x => x.perceiver === s.perceiver && x.target_index === s.target_index);
      const worst = rb ? rb.worst_rank + ' (' + rb.worst_degradation + ')' : '—';
      tr.append(who, el('td', s.target), el('td', Number(s.probability).toFixed(4)), el('td', s.rank),
                el('td', worst, 'robust'), el('td', s.top || ''));
      table.append(tr);
    }
    body.append(el('h3', 'Scores'), table);
    if (r.clipped !== null && r.clipped !== undefined)
      body.append(el('p', 'clipped: ' + (100 * r.clipped).toFixed(1) + ' % of channel values at 0–2 or 253–255'));
  } else {
    body.append(el('p', 'No class scores: this run had no classifier target.'));
  }
  body.append(el('p', 'objective: ' + r.objective));
  if (r.overrides.length) body.append(el('p', 'overrides: ' + r.overrides.join('  ')));
  body.append(el('h3', 'Recipe'), el('pre', JSON.stringify(r.recipe, null, 2)));
  document.getElementById('detail').showModal();
}
grid.addEventListener('click', ev => {
  const card = ev.target.closest('.card');
  if (card) open(Number(card.dataset.index));
});
document.getElementById('close').addEventListener('click', () => document.getElementById('detail').close());
for (const s of [presetSel, targetSel, sortSel]) s.addEventListener('change', apply);
apply();
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{style}</style></head>
<body>
<header><h1>{title}</h1><span id="status">{status}</span>
<label>preset <select id="preset"><option value="">all</option>{presets}</select></label>
<label>target <select id="target"><option value="">all</option>{targets}</select></label>
<label>sort <select id="sort"><option value="manifest">manifest order</option>
<option value="held-out-desc">held-out score, best first</option>
<option value="held-out-asc">held-out score, worst first</option>
<option value="robust-rank-asc">held-out worst robust rank, best first</option>
<option value="robust-rank-desc">held-out worst robust rank, worst first</option></select></label>
<span id="count"></span></header>
<main id="grid">
{cards}
</main>
{failed}
<dialog id="detail"><button id="close" type="button">close</button><div id="detail-body"></div></dialog>
<script type="application/json" id="runs">{data}</script>
<script>{script}</script>
</body></html>
"""
