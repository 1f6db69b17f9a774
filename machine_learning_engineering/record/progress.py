"""What `mle-star run` shows while a run goes on, driven by the run's events (`record/events.py`),
and the summary it ends with.

On an interactive terminal it is one rich panel, redrawn at most `REFRESHES_PER_S` times a second:
the phase the run entered last, each solution's phase, attempts and last attempt, the best score so
far, and a bar of the time budget used (the phases are bound by the budget, not by counts; only the
initialisation's candidates show as n/N). Anywhere else (a pipe, CI, a test) it prints plain lines
with no escape codes instead: one per phase change, one per attempt, one per new best.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ..task.metrics import format_score
from .events import subscribe
from .show import shorten

REFRESHES_PER_S = 2
LABEL_WIDTH = 40
FAILURE_WIDTH = 60


@dataclass
class _Solution:
    """One row of the panel: a solution (or the ensemble) as its events tell it."""

    phase: str = ""
    attempts: int = 0
    candidates: int = 0
    last: Optional[dict[str, Any]] = None


class ProgressView:
    """Follows one run's events on `console`: call it with each event, or let `follow` subscribe it.

    `clock` (seconds, monotonic) moves the elapsed time and the budget left on between events.
    """

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.live = console.is_interactive
        self._clock = clock
        # Events come from the run's threads while the live display renders from its own.
        self._lock = threading.Lock()
        self._run: dict[str, Any] = {}
        self._phase = ""
        self._solutions: dict[str, _Solution] = {}
        self._attempts = 0
        self._best: Optional[dict[str, Any]] = None
        self._t, self._left, self._seen_at = 0.0, 0.0, clock()
        self._ended = False

    @contextmanager
    def follow(self) -> Iterator["ProgressView"]:
        """Subscribes the view to the runs opened inside the block; on a terminal the panel stays live
        meanwhile, with log lines printed above it."""
        with subscribe(self):
            if not self.live:
                yield self
                return
            with Live(self, console=self.console, refresh_per_second=REFRESHES_PER_S), _logs_above(self.console):
                yield self

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._t, self._left, self._seen_at = event["t"], event["budget_left_s"], self._clock()
            line = self._take(event)
            if line is not None and not self.live:
                self.console.out(f"[{_duration(self._t)} | {_duration(self._left)} left] {line}", highlight=False)

    def _take(self, event: dict[str, Any]) -> Optional[str]:
        """Updates the view with `event`; returns its plain line, if it has one."""
        kind = event["event"]
        if kind == "run_started":
            self._run = event
            return (f"run {event['run_dir']}: task {event['task']}, {event['metric']} ({event['direction']} is "
                    f"better), budget {_duration(event['budget_s'])}")
        if kind == "phase":
            self._phase, solution_id = event["phase"], event["solution_id"]
            if solution_id is not None:
                self._solutions.setdefault(solution_id, _Solution()).phase = event["phase"]
            return f"phase {event['phase']}" + (f" ({solution_id})" if solution_id else "")
        if kind == "attempt":
            self._attempts += 1
            row = self._solutions.setdefault(event["solution_id"], _Solution())
            row.attempts += 1
            row.candidates += event["phase"] == "candidate"
            row.last = event
            return (f"attempt {event['id']} {event['solution_id']} {event['phase']}: "
                    f"{shorten(event['label'], LABEL_WIDTH)} -> {_outcome(event)}")
        if kind == "best":
            self._best = event
            return f"best so far {format_score(event['score'])} (attempt {event['attempt']}, {event['solution_id']})"
        if kind == "run_ended":
            self._ended = True
        return None

    def __rich__(self) -> RenderableType:
        """The panel as it stands now (the live display renders it on each refresh)."""
        with self._lock:
            elapsed, left = self._times()
            budget = self._run.get("budget_s") or elapsed + left
            bar = Table.grid(expand=True, padding=(0, 1))
            bar.add_column(ratio=1)
            bar.add_column(no_wrap=True)
            bar.add_row(ProgressBar(total=budget, completed=min(elapsed, budget)),
                        f"{_duration(elapsed)} used, {_duration(left)} left of {_duration(budget)}")
            rows = Table(box=None, expand=True, pad_edge=False)
            for name in ("solution", "phase", "attempts", "last attempt"):
                rows.add_column(name, no_wrap=True, overflow="ellipsis", ratio=1 if name == "last attempt" else None)
            candidates = self._run.get("settings", {}).get("num_candidates")
            for solution_id, row in self._solutions.items():
                phase = row.phase
                if phase == "initialisation" and candidates:
                    phase += f" {row.candidates}/{candidates}"
                last = (f"{row.last['id']} {row.last['phase']}: {shorten(row.last['label'], LABEL_WIDTH)} -> "
                        f"{_outcome(row.last)}") if row.last else ""
                rows.add_row(solution_id, phase, str(row.attempts), last)
            best = (f"best so far: {format_score(self._best['score'])} (attempt {self._best['attempt']}, "
                    f"{self._best['solution_id']})") if self._best else "best so far: none yet"
            title = (f"{self._run['task']}: {self._run['metric']}, {self._run['direction']} is better"
                     if self._run else "mle-star")
            phase = "ended" if self._ended else self._phase or "starting"
            return Panel(Group(bar, rows, Text(f"{best}   attempts: {self._attempts}", style="bold")),
                         title=f"{title} | phase: {phase}", title_align="left")

    def _times(self) -> tuple[float, float]:
        """Seconds used and left now: the last event's, moved on by the time since (not after the end)."""
        since = 0.0 if self._ended else self._clock() - self._seen_at
        return self._t + since, max(0.0, self._left - since)


def summary(final: Optional[Mapping[str, Any]], metric: str) -> list[str]:
    """The lines every run ends with: why it ended, its best validation score (and test score when
    graded), and where the submission and the pipeline behind it are."""
    if not final:
        return ["The run ended before it had a result; see the run folder's log.txt."]
    lines = [final.get("ended") or "The run ended before its submitter ran."]
    if final.get("score") is not None:
        test = (f", test {format_score(final['test_score'])} on the private answers"
                if final.get("test_score") is not None else "")
        lines.append(f"Best: validation {metric} {format_score(final['score'])}{test} (from {final['source']})")
    if final.get("submission_path"):
        lines.append(f"Submission: {final['submission_path']}")
    if final.get("script_path"):
        script = Path(final["script_path"])
        pipeline = script.parent / "pipeline.py"
        lines.append(f"Pipeline: {pipeline if pipeline.exists() else script}")
    lines += [f"Problem: {problem}" for problem in final.get("problems") or []]
    return lines


def _outcome(attempt: Mapping[str, Any]) -> str:
    if attempt["failure"] is not None or attempt["score"] is None:
        return "failed: " + shorten(attempt["failure"] or "no score printed", FAILURE_WIDTH)
    rejected = " (submission rejected)" if attempt["submission_ok"] is False else ""
    return format_score(attempt["score"]) + rejected


def _duration(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _ConsoleHandler(logging.Handler):
    """Log records printed through the live console, as log.txt has them (no markup, no rewrapping)."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(self.format(record), markup=False, highlight=False, soft_wrap=True,
                               style="yellow" if record.levelno >= logging.WARNING else None)
        except Exception:  # noqa: BLE001 - logging's own convention: report, never raise
            self.handleError(record)


@contextmanager
def _logs_above(console: Console) -> Iterator[None]:
    """Routes the log through `console` while the panel is live: lines written straight to the
    terminal would tear the panel, the console prints them above it."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = _ConsoleHandler(console)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved
