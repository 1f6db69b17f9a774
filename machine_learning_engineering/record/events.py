"""The run's events for machines (`mle-star run --events FILE`): one JSON object a line, flushed as
each happens, so a dashboard or a supervising script can follow a run without parsing log.txt.

Every event has `event` (its kind), `t` (seconds since the run's budget started) and `budget_left_s`:

- `run_started`: task, task_kind, metric, direction ("higher" or "lower"), budget_s, run_dir, resumed, settings
- `phase`: phase (retrieval, initialisation, refinement, ensemble, submission) and solution_id
  (None for the run-wide phases), when a solution (or the run) enters it
- `attempt`: an attempt as the journal records it (`ATTEMPT_FIELDS`), when it is journaled
- `best`: attempt and score of a new best submission
- `run_ended`: ended (why, one sentence), status, score (validation), test_score, source,
  submission_path, problems
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Optional, Protocol

from .journal import Attempt

if TYPE_CHECKING:
    from ..config import Settings
    from ..state import FinalResult
    from ..task import Task

ATTEMPT_FIELDS = ("id", "solution_id", "phase", "label", "parent", "score", "host_score", "failure", "duration_s",
                  "timed_out", "submission_ok", "workspace")
# The settings that shape a run; the rest (paths, limits) are in run.json.
SETTINGS_SUMMARY = ("model", "num_solutions", "num_candidates", "outer_steps", "extra_outer_steps", "inner_steps",
                    "ensemble_rounds", "script_timeout_s", "max_parallel", "isolation", "max_cost_usd")


class Clock(Protocol):
    """What the events are timed by: the run's budget (`tools.code_execution.Budget`)."""

    def elapsed(self) -> float: ...

    def remaining(self) -> float: ...


class EventLog:
    """Appends a run's events to `path` (a resumed run continues the same file); without a path
    every method does nothing, so callers need not ask whether events are wanted."""

    def __init__(self, path: Optional[Path], clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._phases: dict[Optional[str], str] = {}
        self._file: Optional[IO[str]] = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def emit(self, event: str, **fields: Any) -> None:
        if self._file is None:
            return
        record = {"event": event, "t": round(self._clock.elapsed(), 3),
                  "budget_left_s": round(max(0.0, self._clock.remaining()), 3), **fields}
        with self._lock:
            self._file.write(json.dumps(record, default=str) + "\n")
            self._file.flush()

    def run_started(self, task: "Task", settings: "Settings", run_dir: Path, resumed: bool) -> None:
        values = settings.to_dict()
        self.emit("run_started", task=task.name, task_kind=task.task_kind, metric=task.metric.name,
                  direction="higher" if task.metric.higher_is_better else "lower", budget_s=settings.time_budget_s,
                  run_dir=str(run_dir), resumed=resumed, settings={k: values[k] for k in SETTINGS_SUMMARY})

    def phase(self, phase: str, solution_id: Optional[str] = None) -> None:
        """A solution (or the run, for None) entering `phase`; a step of the phase it is already in
        (the next refinement step, say) is no event."""
        with self._lock:
            if self._phases.get(solution_id) == phase:
                return
            self._phases[solution_id] = phase
        self.emit("phase", phase=phase, solution_id=solution_id)

    def attempt(self, attempt: Attempt) -> None:
        self.emit("attempt", **{name: getattr(attempt, name) for name in ATTEMPT_FIELDS})

    def best(self, attempt: Attempt) -> None:
        self.emit("best", attempt=attempt.id, solution_id=attempt.solution_id, score=attempt.score)

    def run_ended(self, final: "FinalResult", status: str) -> None:
        self.emit("run_ended", ended=final.ended, status=status, score=final.score, test_score=final.test_score,
                  source=final.source, submission_path=final.submission_path, problems=final.problems)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
