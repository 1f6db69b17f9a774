"""Resuming a run from its folder: the journal and the exchanges are the source of truth.

A resumed run replays the graph from the start. Every model question asked before is answered
from its saved exchange (`ExchangeLog` replays them), so the agents write the same code again, and
every script that completed before is not run again: `ExecutionCache` hands back its journaled
attempt. The replay is therefore fast and free, and the run picks up real work where the killed
process stopped; whatever the killed process was running when it died runs again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from .journal import Attempt
from .run_folder import RUN_RECORD, RunFolderError

# A resumed run always gets at least this long, to replay and submit even when the budget was spent.
MIN_RESUME_BUDGET_S = 60.0


@dataclass(frozen=True)
class ResumePoint:
    """Where an earlier run stopped: its task, settings and the part of its budget it used."""

    run_dir: Path
    task_dir: Path
    settings: dict[str, Any]
    budget_s: float
    used_s: float

    @property
    def remaining_s(self) -> float:
        """What the resumed run gets by default: the budget left (at least MIN_RESUME_BUDGET_S)."""
        return max(MIN_RESUME_BUDGET_S, self.budget_s - self.used_s)


def read_resume_point(run_dir: Path) -> ResumePoint:
    """Reads a run folder to resume.

    Raises:
        RunFolderError: `run_dir` is not a run folder, or its run finished.
    """
    record_path = run_dir / RUN_RECORD
    if not record_path.is_file():
        raise RunFolderError(f"{run_dir} is not a run folder (no {RUN_RECORD}); give the folder a run was "
                             "started in (--output, or runs/<task>-<time>)")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        settings, task_dir = record["settings"], Path(record["task"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise RunFolderError(f"{record_path} is damaged ({exc}); the run cannot be resumed") from None
    if record.get("status") not in (None, "running"):
        raise RunFolderError(f"the run in {run_dir} has ended ({record['status']}); start a new run instead")
    budget = float(record.get("budget_s", settings.get("time_budget_s", 0.0)))
    started = float(record.get("started_at", 0.0))
    activity = _last_activity(run_dir)
    used = float(record.get("used_before_s", 0.0)) + (max(0.0, activity - started) if started else budget)
    return ResumePoint(run_dir=run_dir, task_dir=task_dir, settings=settings, budget_s=budget, used_s=used)


def run_record(budget_s: float, used_before_s: float = 0.0) -> dict[str, Any]:
    """The run.json fields that let a later process measure how much of the budget this one used."""
    return {"status": "running", "budget_s": budget_s, "used_before_s": used_before_s, "started_at": time.time()}


def _last_activity(run_dir: Path) -> float:
    """When the run last did something: the newest write to its story, journal or exchanges."""
    times = [p.stat().st_mtime for p in (run_dir / "log.txt", run_dir / "journal.jsonl",
                                         run_dir / "exchanges.jsonl") if p.exists()]
    return max(times, default=0.0)


def execution_key(code: str, solution_id: str, phase: str, extra_files: Mapping[str, Path]) -> str:
    """What identifies an execution: its code, where it belongs, and the files handed to it."""
    digest = hashlib.sha256()
    for part in (solution_id, phase, code):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for name in sorted(extra_files):
        digest.update(name.encode("utf-8") + b"\0")
        path = Path(extra_files[name])
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"missing")
    return digest.hexdigest()[:32]


class ExecutionCache:
    """The completed executions of earlier processes on this run, by `execution_key`; each is
    handed back once, in the order it ran (the same script may have run twice on purpose)."""

    def __init__(self, attempts: Iterable[Attempt]) -> None:
        self._by_key: dict[str, deque[Attempt]] = {}
        for attempt in attempts:
            if attempt.code_key:
                self._by_key.setdefault(attempt.code_key, deque()).append(attempt)
        self.reused = 0

    def __len__(self) -> int:
        return sum(len(q) for q in self._by_key.values())

    def take(self, key: str) -> Optional[Attempt]:
        """The earlier attempt of this execution, or None when it must run."""
        queue = self._by_key.get(key)
        if not queue:
            return None
        self.reused += 1
        return queue.popleft()
