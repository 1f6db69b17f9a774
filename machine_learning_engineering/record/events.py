"""The run's events: one stream with two sinks. For machines (`mle-star run --events FILE`) one JSON
object a line, flushed as each happens, so a dashboard or a supervising script can follow a run
without parsing log.txt; in the process, the listeners `subscribe` registers (the CLI's live view,
`record/progress.py`).

A run is opened deep inside the agent graph, where only JSON session state reaches, so a caller
cannot hand it a callback. Instead `with subscribe(listener):` puts the listener in a context
variable, and every run opened within that context (`run_context.open_run`, also from the asyncio
tasks it starts) feeds it; runs opened elsewhere in the process, say by another caller, do not.

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
import logging
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Optional, Protocol, Sequence

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

logger = logging.getLogger("mle_star")

Listener = Callable[[dict[str, Any]], None]
"""Called with each event (the dict the file gets a line of; read it, do not change it)."""

_LISTENERS: ContextVar[tuple[Listener, ...]] = ContextVar("mle_star_event_listeners", default=())


@contextmanager
def subscribe(listener: Listener) -> Iterator[None]:
    """Feeds `listener` the events of every run opened inside the `with` block (in this context)."""
    token = _LISTENERS.set((*_LISTENERS.get(), listener))
    try:
        yield
    finally:
        _LISTENERS.reset(token)


def subscribed() -> tuple[Listener, ...]:
    """The listeners a run opened here and now is to feed."""
    return _LISTENERS.get()


class Clock(Protocol):
    """What the events are timed by: the run's budget (`tools.code_execution.Budget`)."""

    def elapsed(self) -> float: ...

    def remaining(self) -> float: ...


class EventLog:
    """Appends a run's events to `path` (a resumed run continues the same file) and hands each to
    `listeners`; without either every method does nothing, so callers need not ask whether events
    are wanted. A listener that raises is logged once and dropped: watching a run never breaks it."""

    def __init__(self, path: Optional[Path], clock: Clock, listeners: Sequence[Listener] = ()) -> None:
        self.path = path
        self._clock = clock
        self._listeners = list(listeners)
        self._lock = threading.Lock()
        self._phases: dict[Optional[str], str] = {}
        self._file: Optional[IO[str]] = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def emit(self, event: str, **fields: Any) -> None:
        if self._file is None and not self._listeners:
            return
        record = {"event": event, "t": round(self._clock.elapsed(), 3),
                  "budget_left_s": round(max(0.0, self._clock.remaining()), 3), **fields}
        # One lock for both sinks, so listeners see the events in the file's order.
        with self._lock:
            if self._file is not None:
                self._file.write(json.dumps(record, default=str) + "\n")
                self._file.flush()
            for listener in list(self._listeners):
                try:
                    listener(record)
                except Exception as exc:  # noqa: BLE001 - a listener's failure must not reach the run
                    self._listeners.remove(listener)
                    logger.warning("the run's event listener %r failed on a %s event (%s: %s); it gets no "
                                   "further events", listener, event, type(exc).__name__, exc)

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
        with self._lock:
            self._listeners.clear()
            if self._file is not None:
                self._file.close()
                self._file = None
