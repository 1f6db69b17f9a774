"""report.html: a real run's page has every section with its content, and opens in Debian's headless
Chromium with no console error, no failed request and every section and plot shown; the screenshot
is kept as test output (test-output/html-report.png)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.record.html_report import PLOTS_DIR, REPORT_NAME, SECTIONS, write_html_report
from machine_learning_engineering.record.journal import Attempt
from machine_learning_engineering.record.run_folder import RunFolder
from machine_learning_engineering.state import FinalResult
from machine_learning_engineering.task import load_task
from machine_learning_engineering.task.metrics import format_score
from tests.graph_fixtures import make_binary_task

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-output" / "html-report.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No network, no GPU, nothing the browser would fetch or sync on its own.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, dict]:
    """A real offline run with every phase the page tells: two solutions, an ablation and a refined
    block each, and an ensemble round."""
    root = tmp_path_factory.mktemp("html")
    task_dir = make_binary_task(root / "task")
    settings = Settings(num_solutions=2, num_candidates=1, outer_steps=1, extra_outer_steps=0, inner_steps=1,
                        ensemble_rounds=1, small_data_repeats=1, n_folds=3, time_budget_s=300, script_timeout_s=120,
                        runs_dir=root / "runs")
    final = asyncio.run(run_agent(task_dir, settings, root / "run"))
    assert final and not final["problems"]
    return root / "run", final


class _Page(HTMLParser):
    """The section ids, images and scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.scripts = 0
        self._section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self._section = values["id"]
            self.sections[self._section] = []
        elif tag == "script":
            self.scripts += 1
        elif self._section is not None:
            self.sections[self._section].append(tag if tag != "img" else f"img:{values['src'][:22]}")


def test_the_report_tells_every_phase_of_the_run(report):
    run_dir, final = report
    html = (run_dir / REPORT_NAME).read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)

    assert list(page.sections) == [sid for sid, _ in SECTIONS]
    assert page.scripts == 0
    for sid in ("score-over-time", "ablation", "ensemble"):
        assert "img:data:image/png;base64," in page.sections[sid], sid
    assert 'class="empty"' not in html  # this run had something for every section
    assert f'id="validation-score">{format_score(final["score"])}<' in html
    assert f'id="test-score">{format_score(final["test_score"])}<' in html
    attempts = [json.loads(line)["id"] for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert all(f'id="attempt-{a}"' in html for a in set(attempts))
    pngs = sorted(p.name for p in (run_dir / PLOTS_DIR).glob("*.png"))
    assert "score-over-time.png" in pngs and "ensemble.png" in pngs
    assert any(name.startswith("ablation-s1-") for name in pngs) and any(name.startswith("ablation-s2-")
                                                                           for name in pngs)


def test_the_report_opens_in_headless_chromium_with_every_section_shown(report):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/test.sh installs Debian's package when run as root")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    run_dir, final = report
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.goto((run_dir / REPORT_NAME).as_uri(), wait_until="load")

            assert page.title() == f"MLE-STAR run on {run_dir.parent.joinpath('task').name}"
            for sid, title in SECTIONS:
                section = page.locator(f"section#{sid}")
                assert section.is_visible(), sid
                assert section.locator("h2").inner_text() == title
            widths = page.eval_on_selector_all("img", "images => images.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) >= 4 and min(widths) > 0, widths
            assert page.locator("#validation-score").inner_text() == format_score(final["score"])
            assert page.locator("#test-score").inner_text() == format_score(final["test_score"])
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_run_without_attempts_gets_every_section_and_model_text_stays_text(tmp_path):
    task = load_task(make_binary_task(tmp_path / "task"))
    folder = RunFolder(tmp_path / "run")
    final = FinalResult(source="none", problems=["no script wrote a valid submission <b>at all</b>"])
    empty = write_html_report(folder, {}, task, final).read_text(encoding="utf-8")
    page = _Page()
    page.feed(empty)
    assert list(page.sections) == [sid for sid, _ in SECTIONS]
    assert "no script wrote a valid submission &lt;b&gt;at all&lt;/b&gt;" in empty

    folder.journal.append(Attempt(id=1, solution_id="s1", phase="candidate", label="<script>alert(1)</script>",
                                  workspace="attempts/0001", failure="boom </li><script>x</script>"))
    text = write_html_report(folder, {}, task, final).read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.scripts == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert re.search(r'<li id="attempt-1" class="attempt failed">', text)
