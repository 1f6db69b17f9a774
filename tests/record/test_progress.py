"""What `mle-star run` shows while it runs: the event listeners, the live panel, and the three console
modes (default, --quiet, --verbose) on real runs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rich.console import Console

from machine_learning_engineering.record.events import EventLog, subscribe, subscribed
from machine_learning_engineering.record.journal import Journal
from machine_learning_engineering.record.progress import ProgressView, summary
from machine_learning_engineering.task.metrics import format_score
from tests.graph_fixtures import make_binary_task
from tests.test_cli import BLANKED

MODES = ("default", "quiet", "verbose")
ANSI = "\x1b"
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (.*)$")

# A short run as its events file records it.
RECORDED = [
    {"event": "run_started", "t": 0.0, "budget_left_s": 60.0, "task": "task", "task_kind": "binary",
     "metric": "roc_auc", "direction": "higher", "budget_s": 60, "run_dir": "/runs/task", "resumed": False,
     "settings": {"num_candidates": 2}},
    {"event": "phase", "t": 0.2, "budget_left_s": 59.8, "phase": "retrieval", "solution_id": None},
    {"event": "phase", "t": 0.4, "budget_left_s": 59.6, "phase": "initialisation", "solution_id": "s1"},
    {"event": "attempt", "t": 6.0, "budget_left_s": 54.0, "id": 1, "solution_id": "s1", "phase": "candidate",
     "label": "xgboost", "parent": None, "score": 0.9746667, "host_score": None, "failure": None, "duration_s": 5.5,
     "timed_out": False, "submission_ok": True, "workspace": "attempts/0001-s1-candidate"},
    {"event": "best", "t": 6.0, "budget_left_s": 54.0, "attempt": 1, "solution_id": "s1", "score": 0.9746667},
    {"event": "phase", "t": 14.0, "budget_left_s": 46.0, "phase": "refinement", "solution_id": "s1"},
    {"event": "attempt", "t": 24.5, "budget_left_s": 35.5, "id": 2, "solution_id": "s1", "phase": "refine",
     "label": "model: cut the boosting learning rate to about 0.02 and raise the round cap", "parent": 1,
     "score": 0.9751111, "host_score": None, "failure": None, "duration_s": 2.6, "timed_out": False,
     "submission_ok": True, "workspace": "attempts/0002-s1-refine"},
    {"event": "best", "t": 24.5, "budget_left_s": 35.5, "attempt": 2, "solution_id": "s1", "score": 0.9751111},
]


class FixedClock:
    def elapsed(self) -> float:
        return 1.0

    def remaining(self) -> float:
        return 59.0


def test_the_live_panel_shows_phase_attempts_best_score_and_budget_left():
    console = Console(record=True, force_terminal=True, force_interactive=True, width=100)
    view = ProgressView(console, clock=lambda: 100.0)  # no time passes between the events
    assert view.live
    with view.follow():
        for event in RECORDED:
            view(event)

    text = console.export_text()
    assert "task: roc_auc, higher is better | phase: refinement" in text
    assert "0:24 used, 0:35 left of 1:00" in text
    assert "best so far: 0.975111 (attempt 2, s1)" in text
    assert "2 refine: model: cut the boosting learning rate… -> 0.975111" in text
    assert re.search(r"s1\s+refinement\s+2\s", text)


def test_the_panel_counts_candidates_while_initialising():
    console = Console(record=True, force_terminal=True, force_interactive=True, width=100)
    view = ProgressView(console, clock=lambda: 100.0)
    for event in RECORDED[:5]:
        view(event)
    console.print(view)
    assert "initialisation 1/2" in console.export_text()


def test_off_a_terminal_the_view_prints_plain_lines():
    out = io.StringIO()
    view = ProgressView(Console(file=out, width=40))  # narrower than the lines: they must not wrap
    assert not view.live
    for event in RECORDED:
        view(event)

    assert ANSI not in out.getvalue()
    assert out.getvalue().splitlines() == [
        "[0:00 | 1:00 left] run /runs/task: task task, roc_auc (higher is better), budget 1:00",
        "[0:00 | 0:59 left] phase retrieval",
        "[0:00 | 0:59 left] phase initialisation (s1)",
        "[0:06 | 0:54 left] attempt 1 s1 candidate: xgboost -> 0.974667",
        "[0:06 | 0:54 left] best so far 0.974667 (attempt 1, s1)",
        "[0:14 | 0:46 left] phase refinement (s1)",
        "[0:24 | 0:35 left] attempt 2 s1 refine: model: cut the boosting learning rate… -> 0.975111",
        "[0:24 | 0:35 left] best so far 0.975111 (attempt 2, s1)",
    ]


def test_a_raising_listener_is_dropped_and_the_events_go_on(tmp_path, caplog):
    calls: list[str] = []

    def broken(event: dict) -> None:
        calls.append("broken")
        raise RuntimeError("display gone")

    seen: list[dict] = []
    log = EventLog(tmp_path / "events.jsonl", FixedClock(), listeners=[broken, seen.append])
    with caplog.at_level(logging.WARNING, logger="mle_star"):
        log.phase("retrieval")
        log.phase("initialisation", "s1")
    log.close()

    assert calls == ["broken"]
    assert [e["phase"] for e in seen] == ["retrieval", "initialisation"]
    lines = (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == seen
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "RuntimeError: display gone" in warnings[0] and "phase event" in warnings[0]


def test_subscribe_reaches_runs_opened_inside_it_and_inside_its_asyncio_tasks():
    def listener(event: dict) -> None:
        pass

    async def in_a_task() -> tuple:
        async def read() -> tuple:
            return subscribed()
        return await asyncio.create_task(read())

    assert subscribed() == ()
    with subscribe(listener):
        assert subscribed() == (listener,)
        assert asyncio.run(in_a_task()) == (listener,)
    assert subscribed() == ()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path, Path]]:
    """One real offline run per console mode, its stdout and stderr piped; the three run side by
    side, each with its own task copy, run folder and events file."""
    root = tmp_path_factory.mktemp("modes")
    task_dir = make_binary_task(root / "task")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MLE_STAR_") and k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    # One pass of a 3-fold split, as `--solutions 1` and the rest, keeps the runs short.
    env.update({name: "" for name in BLANKED}, MLE_STAR_RUNS_DIR=str(root / "runs"), MLE_STAR_SMALL_DATA_REPEATS="1",
               MLE_STAR_N_FOLDS="3")

    def run(mode: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
        run_dir, events = root / f"run-{mode}", root / f"events-{mode}.jsonl"
        flags = [] if mode == "default" else [f"--{mode}"]
        done = subprocess.run(
            [sys.executable, "-m", "machine_learning_engineering.cli", "run", str(task_dir), "--time-budget", "60",
             "--solutions", "1", "--candidates", "2", "--outer-steps", "1", "--inner-steps", "1",
             "--ensemble-rounds", "0", "--isolation", "none", "--output", str(run_dir), "--events", str(events),
             *flags], cwd=root, env=env, capture_output=True, text=True, timeout=180)
        return done, run_dir, events

    started = time.monotonic()
    with ThreadPoolExecutor(len(MODES)) as pool:
        results = dict(zip(MODES, pool.map(run, MODES)))
    print(f"three runs side by side: {time.monotonic() - started:.1f} s")
    return results


def _final(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["final"]


def _log_messages(run_dir: Path) -> list[str]:
    lines = (run_dir / "log.txt").read_text(encoding="utf-8").splitlines()
    return [m.group(1) for line in lines if (m := LOG_LINE.match(line))]


def test_default_mode_prints_each_phase_attempt_and_best_then_the_summary(runs):
    done, run_dir, events_file = runs["default"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert ANSI not in done.stdout and ANSI not in done.stderr
    events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines()]
    lines = done.stdout.splitlines()
    progress = [line.split("] ", 1)[1] for line in lines if line.startswith("[")]

    phases = [f"phase {e['phase']}" + (f" ({e['solution_id']})" if e["solution_id"] else "")
              for e in events if e["event"] == "phase"]
    assert [line for line in progress if line.startswith("phase ")] == phases
    assert {"phase retrieval", "phase initialisation (s1)", "phase submission"} <= set(phases)

    journal = Journal(run_dir / "journal.jsonl").read()
    attempts = [line for line in progress if line.startswith("attempt ")]
    assert len(attempts) == len(journal) >= 3
    for line, attempt in zip(attempts, journal):
        assert line.startswith(f"attempt {attempt.id} {attempt.solution_id} {attempt.phase}: ")
        assert f"-> {format_score(attempt.score)}" in line if attempt.ok else "-> failed: " in line

    best = json.loads((run_dir / "best" / "score.json").read_text(encoding="utf-8"))
    bests = [line for line in progress if line.startswith("best so far ")]
    assert bests[-1].startswith(f"best so far {format_score(best['score'])} (attempt {best['attempt']}, ")

    final = _final(run_dir)
    closing = summary(final, "roc_auc")
    assert lines[-len(closing):] == closing
    assert closing[0].startswith("Run ended after") and closing[0] == final["ended"]
    assert closing[1].startswith(f"Best: validation roc_auc {format_score(best['score'])}, test ")
    assert closing[2:] == [f"Submission: {run_dir.resolve() / 'submission.csv'}",
                           f"Pipeline: {run_dir.resolve() / 'best' / 'pipeline.py'}"]
    assert not [m for m in _log_messages(run_dir) if m in done.stderr]  # the view stands in for the log


def test_quiet_prints_only_the_summary(runs):
    done, run_dir, _ = runs["quiet"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == summary(_final(run_dir), "roc_auc")
    assert len(done.stdout.splitlines()) == 4
    assert not [m for m in _log_messages(run_dir) if m in done.stderr]


def test_verbose_adds_every_line_of_the_log(runs):
    done, run_dir, _ = runs["verbose"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert ANSI not in done.stdout and ANSI not in done.stderr
    messages = _log_messages(run_dir)
    assert len(messages) >= 10
    assert [m for m in messages if m not in done.stderr] == []
    assert any(line.startswith("[") and "] attempt 1 " in line for line in done.stdout.splitlines())
    assert done.stdout.splitlines()[-4:] == summary(_final(run_dir), "roc_auc")
