"""``apophenic view``: a real run watched in a real headless Chromium (the Debian package) via Playwright."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from apophenic import hookimpl
from apophenic.errors import ApophenicError
from apophenic.preset_loader import load
from apophenic.registry import get_registry
from apophenic.run import execute
from apophenic.view import start

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
HELD_OUT = 'perceivers[1]={type="efficientnet-lite1", resize=64, held_out=true}'


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; CI runs .ci/install-chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as p:
        profile = tempfile.mkdtemp(prefix="apophenic-chromium-")
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield context
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


class Watcher:
    """A plugin that, during the run, opens the run's page and checks what it shows."""

    def __init__(self, browser, out: Path) -> None:
        self.browser = browser
        self.out = out
        self.server = None
        self.page = None
        self.problems: list[str] = []
        self.seen: dict[int, dict] = {}

    @hookimpl
    def on_step(self, state) -> None:
        if state.step == 2:
            (folder,) = [p for p in self.out.iterdir() if not p.name.startswith(".")]
            self.server, url = start(folder, every_seconds=0.2)
            self.page = self.browser.new_page()
            self.page.on("console", lambda m: self.problems.append(m.text) if m.type in ("error", "warning") else None)
            self.page.on("pageerror", lambda e: self.problems.append(str(e)))
            self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
            self.page.on("response", lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
            self.page.goto(url)
        if state.step in (2, 4):
            # the page refreshes itself: no reload between the steps
            self.page.wait_for_function(f"document.getElementById('status').textContent.includes('step {state.step}/4')",
                                        timeout=15_000)
            self.page.wait_for_function("document.getElementById('picture').naturalWidth > 0", timeout=15_000)
            self.seen[state.step] = {
                "status": self.page.text_content("#status"),
                "held_out": self.page.text_content("td.p[data-held-out='true']"),
                "optimized": self.page.text_content("td.p[data-held-out='false']"),
                "picture": self.page.evaluate("document.getElementById('picture').naturalWidth"),
            }


def test_view_shows_a_running_run_then_its_result(browser, tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=4", "output.preview_every=2", HELD_OUT])
    watcher = Watcher(browser, tmp_path / "out")
    get_registry().manager.register(watcher, name="watcher")
    try:
        result = execute(config, tmp_path / "out", source=source, progress=True, preset="tiny")
    finally:
        get_registry().manager.unregister(watcher)
    try:
        assert set(watcher.seen) == {2, 4}
        for step, shown in watcher.seen.items():
            assert shown["status"].startswith(f"running · step {step}/4 · ETA "), shown
            assert 0 <= float(shown["held_out"]) <= 1 and 0 <= float(shown["optimized"]) <= 1
            assert shown["picture"] == 32
        page = watcher.page
        page.wait_for_function("document.getElementById('status').textContent.startsWith('finished')", timeout=15_000)
        held = [s for s in result.record["scores"] if s["held_out"]]
        assert page.text_content("td.p[data-held-out='true']") == f"{held[0]['probability']:.3f}"
        assert page.evaluate("document.getElementById('picture').naturalWidth") == 32
        assert watcher.problems == []
    finally:
        watcher.server.shutdown()
        watcher.server.server_close()


def test_view_listens_on_loopback_only_and_refuses_other_hosts(tmp_path, tiny_preset):
    config, source = load(str(tiny_preset), ["size=32", "optimizer.steps=1"])
    folder = execute(config, tmp_path, source=source, progress=False).folder
    server, url = start(folder)
    try:
        assert server.server_address[0] == "127.0.0.1"
        status = json.loads(urllib.request.urlopen(url + "status.json").read())
        assert status["status"] == "finished" and status["picture"] == "final.png"
        assert urllib.request.urlopen(url + "picture.png").read() == (folder / "final.png").read_bytes()
        for path, headers, code in (("run.json", {}, 404), ("../", {}, 404), ("", {"Host": "evil.example:80"}, 403)):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(url + path, headers=headers))
            assert refused.value.code == code
    finally:
        server.shutdown()
        server.server_close()


def test_view_of_a_folder_that_is_not_a_run_is_one_line(tmp_path):
    with pytest.raises(ApophenicError, match="not a run folder") as refused:
        start(tmp_path)
    assert "\n" not in str(refused.value)
