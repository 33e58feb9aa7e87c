"""The gallery page in a real headless Chromium (the Debian package) driven by Playwright."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from apophenic.batch.gallery import Gallery, held_out_score
from apophenic.batch.journal import Entry, Journal

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


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


def _open(browser, index: Path):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def test_gallery_cards_filter_sort_and_detail(browser, rendered) -> None:
    index = rendered.out / "gallery" / "index.html"
    page, problems = _open(browser, index)
    cards = page.locator(".card")
    assert cards.count() == 4
    assert page.locator("#failed li").count() == 2
    page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")  # thumbnails load

    page.select_option("#target", "tick")
    assert page.locator(".card:not(.hidden)").count() == 2
    assert page.locator("#count").inner_text() == "2 of 4 shown"
    page.select_option("#preset", "tiny")
    assert page.locator(".card:not(.hidden)").count() == 2
    page.select_option("#target", "")

    page.select_option("#sort", "held-out-desc")
    shown = [float(v) for v in page.eval_on_selector_all(".card", "cs => cs.map(c => c.dataset.heldOut)")]
    assert shown == sorted(shown, reverse=True) and len(shown) == 4

    # worst robust rank of the held-out classifier, as run.json records it; best (lowest) first
    expected = {}
    for e in Journal.read(rendered.out)["runs"]:
        if e["state"] == "done":
            record = json.loads((rendered.out / e["name"] / "run.json").read_text())
            expected[e["name"]] = max(r["worst_rank"] for r in record["robust"] if r["held_out"])
    page.select_option("#sort", "robust-rank-asc")
    ranks = [int(v) for v in page.eval_on_selector_all(".card", "cs => cs.map(c => c.dataset.robustRank)")]
    assert ranks == sorted(expected.values()) and len(set(ranks)) > 1, ranks
    page.select_option("#sort", "robust-rank-desc")
    ranks = [int(v) for v in page.eval_on_selector_all(".card", "cs => cs.map(c => c.dataset.robustRank)")]
    assert ranks == sorted(expected.values(), reverse=True)
    assert f"robust rank {ranks[0]}" in page.locator(".card").first.inner_text()

    page.locator(".card").first.click()
    detail = page.locator("#detail")
    assert detail.is_visible()
    page.wait_for_function("Array.from(document.querySelectorAll('#detail img')).every(i => i.complete && i.naturalWidth > 0)")
    assert detail.locator("figcaption").all_inner_texts() == ["final.png"]
    assert detail.locator("tr.held-out").count() == 1
    assert "held-out" in detail.locator("tr.held-out").inner_text()
    assert re.fullmatch(r"\d+ \((half-scale|blur|jpeg)\)", detail.locator("tr.held-out td.robust").inner_text())
    assert "clipped:" in detail.inner_text()
    assert '"seed"' in detail.locator("pre").inner_text()
    page.click("#close")
    assert not detail.is_visible()
    assert problems == []



def _svg_run(out: Path) -> Path:
    """A real run (the real loop) whose generator writes final.svg, through a throwaway plugin."""
    from typing import Literal

    import torch

    from apophenic import Generator, GeneratorConfig, hookimpl
    from apophenic.config import validate
    from apophenic.registry import load
    from apophenic.run import execute

    class Square(Generator):
        def __init__(self, size: tuple[int, int]) -> None:
            super().__init__()
            self.size = size
            self.colour = torch.nn.Parameter(torch.zeros(3))

        def render(self) -> torch.Tensor:
            return torch.sigmoid(self.colour).view(1, 3, 1, 1).expand(1, 3, *self.size)

        def export(self, folder: Path, stem: str = "final", print_size: int | None = None) -> list[Path]:
            r, g, b = (int(v * 255) for v in torch.sigmoid(self.colour).tolist())
            path = folder / f"{stem}.svg"
            path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
                            f'<rect width="32" height="32" fill="rgb({r},{g},{b})"/></svg>')
            return [path]

    class SquareConfig(GeneratorConfig):
        type: Literal["test-square"] = "test-square"

        def build(self, ctx) -> Generator:
            return Square(ctx.size)

    class Plugin:
        @hookimpl
        def register_generators(self, register):
            register(SquareConfig)

    registry = load(extra=[("test-square", Plugin())])
    config = validate({"size": 32, "device": "cpu", "generator": {"type": "test-square"},
                       "perceivers": [{"type": "efficientnet-lite0", "resize": "none"},
                                      {"type": "efficientnet-lite1", "resize": "none", "held_out": True}],
                       "objectives": [{"type": "class", "target": "lemon"}],
                       "optimizer": {"type": "adam", "steps": 2}}, registry, None)
    return execute(config, out, registry=registry, progress=False, preset="square").folder


def test_detail_shows_the_svg_when_the_run_wrote_one(browser, tmp_path: Path) -> None:
    folder = _svg_run(tmp_path)
    entry = Entry(folder.name, "runs[0] square", folder.name, "square", "lemon", 0, [], state="done")
    index = Gallery(tmp_path, "svg test").write([entry])
    page, problems = _open(browser, index)
    page.locator(".card").first.click()
    page.wait_for_function("Array.from(document.querySelectorAll('#detail img')).every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("#detail figcaption").all_inner_texts() == ["final.png", "final.svg"]
    assert problems == []


def test_held_out_score_is_the_mean_over_held_out_perceivers() -> None:
    scores = [{"perceiver": "a", "held_out": False, "probability": 0.9},
              {"perceiver": "b", "held_out": True, "probability": 0.2},
              {"perceiver": "c", "held_out": True, "probability": 0.4}]
    assert held_out_score(scores) == pytest.approx(0.3)
    assert held_out_score(scores[:1]) is None


def test_gallery_is_current_after_the_batch(rendered) -> None:
    """Written after each finished run: at the end it lists every done run of the journal."""
    html = (rendered.out / "gallery" / "index.html").read_text()
    done = [e["name"] for e in Journal.read(rendered.out)["runs"] if e["state"] == "done"]
    assert all(f"thumbs/{name}.png" in html for name in done)
    assert "http://" not in html and "https://" not in html  # no external assets
