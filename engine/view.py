"""``apophenic view FOLDER``: a small local page that watches a run.

It serves one folder on the loopback interface only — the page, the current picture
(``preview.png`` while the run works, ``final.png`` once it is written) and a status
(step, ETA, the target's probability on the optimized and the held-out classifiers) read
from ``progress.json`` or ``run.json``. The page asks for the status every two seconds
and swaps the picture when it changed. Nothing else in the folder, nor anything outside
it, is served; requests naming another host are refused (DNS rebinding).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError
from apophenic.live import PREVIEW, PROGRESS
from apophenic.output import MARKER

HOST = "127.0.0.1"


def is_watchable(folder: Path) -> bool:
    """A run folder, finished or still working (the live folder a run names in its first line)."""
    return folder.is_dir() and any((folder / name).is_file() for name in ("run.json", PROGRESS, MARKER, PREVIEW))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def status(folder: Path) -> dict[str, Any]:
    """What the page shows: ``status``, ``step``, ``steps``, ``eta_seconds``, ``scores``, ``picture``."""
    record = _read_json(folder / "run.json")
    if record is not None:
        picture = "final.png" if (folder / "final.png").is_file() else None
        scores = record.get("scores") or []
        if not scores and record.get("stages"):  # a failed or interrupted pipeline: its last stage
            scores = record["stages"][-1].get("scores") or []
        state = record.get("status") or "finished"
        steps = record.get("steps")
        return {"status": state, "step": record.get("stopped_at", steps), "steps": steps, "eta_seconds": None,
                "scores": [{k: s.get(k) for k in ("perceiver", "held_out", "target", "probability")} for s in scores],
                "picture": picture, "name": folder.name}
    progress = _read_json(folder / PROGRESS) or {}
    return {"status": "running" if progress else "starting", "step": progress.get("step"), "steps": progress.get("steps"),
            "eta_seconds": progress.get("eta_seconds"), "scores": progress.get("scores") or [],
            "picture": PREVIEW if (folder / PREVIEW).is_file() else None, "name": folder.name}


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>apophenic · {name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 44em; color: #222; }}
img {{ image-rendering: pixelated; width: 100%; max-width: 32em; border: 1px solid #ccc; background: #eee; }}
progress {{ width: 100%; }} .muted {{ color: #777; }} td {{ padding: 0 1em 0 0; }}
</style></head>
<body>
<h1 id="name">{name}</h1>
<p id="status" class="muted">starting…</p>
<progress id="bar" max="1" value="0"></progress>
<p><img id="picture" alt="the run's current picture"></p>
<table id="scores"></table>
<script>
"use strict";
let shown = "";
function clock(s) {{
  if (s === null || s === undefined) return "-:--:--";
  s = Math.round(s); const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
  return h + ":" + String(m).padStart(2, "0") + ":" + String(r).padStart(2, "0");
}}
function mean(rows) {{ return rows.reduce((a, r) => a + r.probability, 0) / rows.length; }}
async function refresh() {{
  let s;
  try {{ s = await (await fetch("status.json", {{cache: "no-store"}})).json(); }} catch (e) {{ return; }}
  const step = s.step === null || s.step === undefined ? "–" : s.step;
  const steps = s.steps || "–";
  let text = s.status + " · step " + step + "/" + steps;
  if (s.status === "running") text += " · ETA " + clock(s.eta_seconds);
  document.getElementById("status").textContent = text;
  const bar = document.getElementById("bar");
  bar.max = s.steps || 1; bar.value = s.step || 0;
  const rows = [];
  for (const held of [false, true]) {{
    const mine = s.scores.filter(r => r.held_out === held);
    if (!mine.length) continue;
    const target = mine[0].target;
    const same = mine.filter(r => r.target === target);
    rows.push("<tr><td>" + (held ? "held-out classifiers" : "optimized classifiers") + "</td><td>" +
              target + "</td><td class='p' data-held-out='" + held + "'>" + mean(same).toFixed(3) + "</td></tr>");
  }}
  document.getElementById("scores").innerHTML = rows.join("");
  const key = s.picture ? s.picture + ":" + s.version : "";
  if (key && key !== shown) {{
    // load the new picture aside and swap it in whole: the page never blanks between two pictures
    shown = key;
    const next = new Image();
    next.onload = () => {{
      const old = document.getElementById("picture");
      next.id = old.id;
      next.alt = old.alt;
      old.replaceWith(next);
    }};
    next.src = "picture.png?v=" + encodeURIComponent(s.version);
  }}
}}
refresh();
setInterval(refresh, {every});
</script>
</body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    folder: Path
    every_ms: int

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal belongs to the user
        pass

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in (HOST, "localhost"):
            self._send(403, b"only local requests\n", "text/plain")
            return
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            page = PAGE.format(name=_escape(self.folder.name), every=self.every_ms)
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif path == "/status.json":
            data = status(self.folder)
            picture = self.folder / data["picture"] if data["picture"] else None
            data["version"] = f"{picture.stat().st_mtime_ns}" if picture and picture.exists() else ""
            self._send(200, json.dumps(data).encode(), "application/json")
        elif path == "/picture.png":
            name = status(self.folder)["picture"]
            try:
                body = (self.folder / name).read_bytes() if name else None
            except OSError:  # replaced between the two reads: the next refresh gets it
                body = None
            if body is None:
                self._send(404, b"no picture yet\n", "text/plain")
            else:
                self._send(200, body, "image/png")
        else:
            self._send(404, b"not found\n", "text/plain")


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def serve(folder: Path, port: int = 0, every_seconds: float = 2.0) -> ThreadingHTTPServer:
    """A server for ``folder`` on 127.0.0.1 (``port`` 0: any free one); call ``serve_forever`` or use :func:`start`."""
    folder = Path(folder)
    if not is_watchable(folder):
        raise ApophenicError(f"{folder}: not a run folder (no run.json, progress.json or preview.png); "
                             "give the folder `apophenic run` names in its first line")
    handler = type("Handler", (_Handler,), {"folder": folder, "every_ms": int(every_seconds * 1000)})
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise ApophenicError(f"--port {port}: cannot listen on {HOST}:{port} ({exc.strerror or exc})") from None


def start(folder: Path, port: int = 0, every_seconds: float = 2.0) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``folder`` from a background thread; return the server and its URL."""
    server = serve(folder, port, every_seconds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url(server)


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
