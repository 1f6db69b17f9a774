"""The run folder: every script with its output, the journal, and the best submission so far.

Layout::

    <run>/run.json            settings, task and status
    <run>/journal.jsonl       one line per attempt
    <run>/log.txt             the readable story of the run
    <run>/attempts/0007-s1-refine/   solution.py, stdout.txt, stderr.txt, submission/, artifacts/
    <run>/submission.csv      the best valid submission so far (replaced only by a better one)
    <run>/best/               the script behind it, its score, and `pipeline.py` that retrains it on any data folder
    <run>/report.md           written at the end
    <run>/errors.log          tracebacks of steps that failed (the run went on without them)
    <run>/.lock               held by the one process writing the run

One process at a time writes a run folder: it holds an exclusive lock on `.lock` for as long as it
has the folder open, and the operating system drops the lock when the process dies (kill -9
included), so a crashed run can be resumed at once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import time
import traceback
from pathlib import Path
from typing import IO, Any, Optional

from .journal import Attempt, Journal
from .pipeline import PipelineError, write_pipeline

logger = logging.getLogger("mle_star")

LOCK_NAME = ".lock"
RUN_RECORD = "run.json"


class RunFolderError(Exception):
    """The run folder cannot be used as asked (in use by another process, or holding an earlier run)."""


class RunFolder:
    """Creates and writes one run's folder; safe to use from many concurrent attempts.

    Raises:
        RunFolderError: another process has the folder open.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.attempts_dir = self.root / "attempts"
        self.best_dir = self.root / "best"
        self.attempts_dir.mkdir(parents=True, exist_ok=True)
        self._lock: Optional[IO[str]] = _lock(self.root)
        self.best_dir.mkdir(exist_ok=True)
        self.journal = Journal(self.root / "journal.jsonl", first_free_id=1 + _last_workspace_id(self.attempts_dir))
        self.submission_path = self.root / "submission.csv"

    @classmethod
    def create(cls, runs_dir: Path, task_name: str) -> "RunFolder":
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = runs_dir / f"{_slug(task_name)}-{stamp}"
        root, n = base, 1
        while root.exists():
            n += 1
            root = base.with_name(f"{base.name}-{n}")
        return cls(root)

    @staticmethod
    def check_new(root: Path) -> None:
        """Refuses a folder that already holds a run: a new run never writes into an old one.

        Raises:
            RunFolderError: `root` holds a run record or attempts.
        """
        if (root / RUN_RECORD).exists() or any((root / "attempts").glob("*")):
            raise RunFolderError(f"{root} holds an earlier run; continue it with `mle-star run --resume {root}` "
                                 "or choose another --output folder")

    def close(self) -> None:
        """Releases the folder for another process (a resume, say)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def new_workspace(self, attempt_id: int, solution_id: str, phase: str) -> Path:
        path = self.attempts_dir / f"{attempt_id:04d}-{_slug(solution_id)}-{_slug(phase)}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def workspace_of(self, attempt: Attempt) -> Path:
        return self.root / attempt.workspace

    def stdout_of(self, attempt: Attempt) -> str:
        """The attempt's whole standard output as its workspace kept it ("" when there is none)."""
        try:
            return (self.workspace_of(attempt) / "stdout.txt").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def write_json(self, name: str, data: Any) -> None:
        _atomic_write(self.root / name, json.dumps(data, indent=2, default=str))

    def read_json(self, name: str) -> Optional[Any]:
        path = self.root / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def log(self, message: str) -> None:
        """One line of the run's story, in log.txt and the console log."""
        line = f"{time.strftime('%H:%M:%S')} {message}"
        with (self.root / "log.txt").open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        logger.info(message)

    def record_error(self, where: str, error: BaseException) -> None:
        """Appends the traceback of a step's failure to errors.log (the log line says where to look)."""
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        with (self.root / "errors.log").open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%H:%M:%S')} {where}\n{text}\n")

    def promote(self, attempt: Attempt, code: str) -> None:
        """Makes this attempt's submission the run's submission (atomic replace), and `best/` its
        retraining pipeline (`record/pipeline.py`)."""
        workspace = self.workspace_of(attempt)
        tmp = self.submission_path.with_suffix(".csv.tmp")
        shutil.copyfile(workspace / "submission" / "submission.csv", tmp)
        os.replace(tmp, self.submission_path)
        try:
            write_pipeline(self, attempt, code, self.journal)
        except (PipelineError, OSError) as exc:
            # The submission stands; only the retraining pipeline is missing, and the log says why.
            shutil.rmtree(self.best_dir / "members", ignore_errors=True)
            for stale in ("pipeline.py", "README.md"):
                (self.best_dir / stale).unlink(missing_ok=True)
            _atomic_write(self.best_dir / "solution.py", code)
            self.record_error(f"best/ pipeline of attempt {attempt.id}", exc)
            self.log(f"best/pipeline.py not written for attempt {attempt.id}: {exc}")
        _atomic_write(self.best_dir / "score.json", json.dumps(
            {"attempt": attempt.id, "solution_id": attempt.solution_id, "phase": attempt.phase,
             "label": attempt.label, "score": attempt.score, "workspace": attempt.workspace}, indent=2))

    def best_record(self) -> Optional[dict[str, Any]]:
        path = self.best_dir / "score.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _lock(root: Path) -> IO[str]:
    handle = (root / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise RunFolderError(f"{root} is in use by another mle-star process{f' (pid {holder})' if holder else ''}; "
                             "wait for it to end, or stop it first") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _last_workspace_id(attempts_dir: Path) -> int:
    """The highest attempt number with a workspace, journaled or not (a run killed mid-script leaves
    one behind, and its number must not be given out again)."""
    numbers = [int(p.name.split("-", 1)[0]) for p in attempts_dir.iterdir() if p.name.split("-", 1)[0].isdigit()]
    return max(numbers, default=0)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "x"
