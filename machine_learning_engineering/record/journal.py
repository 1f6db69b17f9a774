"""Every attempt of a run, appended to `journal.jsonl` as it finishes, so a crash loses nothing."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional


@dataclass
class Attempt:
    """One script the agent ran: where it lives, why it was written, and how it went.

    Attributes:
        id: sequence number within the run (1, 2, ...).
        solution_id: the solution it belongs to ("s1", ..., or "ensemble").
        phase: candidate, merge, ablation, refine, ensemble, submit or debug.
        label: the model, plan or strategy it implements (one line).
        workspace: folder of the script, its output and files, relative to the run folder.
        parent: the attempt it was derived from (a debug fix points at the failed attempt).
        score: validation score the script printed, None when it failed.
        host_score: the same score recomputed by the host from the script's out-of-fold predictions
            (None: not checked; see tools/score_check.py).
        failure: one-line reason when it failed.
        submission_ok: whether its submission passed the format check (None: not checked).
        exchange: the model exchange that wrote its code (a file under `exchanges/`), when a model did.
        code_key: what was run (`resume.execution_key`), so a resumed run need not run it again.
        time_limit_s: the time limit its script was told (None: none, or it did not run); a rerun is
            told the same, so that its time-bounded fits stop where they stopped.
    """

    id: int
    solution_id: str
    phase: str
    label: str
    workspace: str
    parent: Optional[int] = None
    score: Optional[float] = None
    failure: Optional[str] = None
    host_score: Optional[float] = None
    duration_s: float = 0.0
    timed_out: bool = False
    memory_exceeded: bool = False
    submission_ok: Optional[bool] = None
    submission_problems: list[str] = field(default_factory=list)
    exchange: Optional[str] = None
    code_key: Optional[str] = None
    finished_at: float = 0.0
    time_limit_s: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.score is not None


class Journal:
    """Append-only record of attempts (JSON lines, flushed and synced on every write). A later line
    for the same attempt id amends it (a check that ends after the script, say)."""

    def __init__(self, path: Path, first_free_id: int = 1) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._next_id = max(first_free_id, 1 + max((a.id for a in self.read()), default=0))

    def new_id(self) -> int:
        with self._lock:
            attempt_id = self._next_id
            self._next_id += 1
            return attempt_id

    def append(self, attempt: Attempt) -> None:
        attempt.finished_at = attempt.finished_at or time.time()
        line = json.dumps(asdict(attempt), default=str)
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> list[Attempt]:
        """Every attempt, in the order first recorded, each as last amended."""
        latest: dict[int, Attempt] = {}
        for attempt in self._iter():
            latest[attempt.id] = attempt
        return list(latest.values())

    def find(self, attempt_id: int) -> Optional[Attempt]:
        """The attempt with this id as last amended, or None."""
        return next((a for a in reversed(self.read()) if a.id == attempt_id), None)

    def _iter(self) -> Iterator[Attempt]:
        if not self.path.exists():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    yield Attempt(**json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    continue  # a line cut short by a crash; the rest of the journal still counts
