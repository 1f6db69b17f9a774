"""Crash and resume: a run killed with SIGKILL in the middle of refinement continues from its folder
without running a completed script again and without losing its best submission."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from machine_learning_engineering.record.exchanges import Exchange, ExchangeLog
from machine_learning_engineering.record.journal import Attempt, Journal
from machine_learning_engineering.record.resume import ExecutionCache, execution_key
from machine_learning_engineering.record.run_folder import RunFolder, RunFolderError
from machine_learning_engineering.task import check_submission, load_task
from tests.graph_fixtures import make_binary_task

CLI = [sys.executable, "-m", "machine_learning_engineering.cli", "run"]
SETTINGS = ["--solutions", "1", "--candidates", "2", "--outer-steps", "2", "--inner-steps", "3",
            "--ensemble-rounds", "0", "--isolation", "none"]


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (read from /proc, so the test needs no extra package)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _kill_all(pid: int) -> None:
    """SIGKILL to the run and its scripts at once, as a machine that loses power would."""
    for victim in [pid, *_descendants(pid)]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _journal(run_dir: Path) -> list[Attempt]:
    return Journal(run_dir / "journal.jsonl").read()


def test_a_run_killed_in_refinement_resumes_without_redoing_completed_work(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    run_dir = tmp_path / "run"
    # One pass of a 3-fold split (the run's settings, which the resumed run reads back): quick scripts.
    env = {**os.environ, "MLE_STAR_RUNS_DIR": str(tmp_path / "runs"), "MLE_STAR_SMALL_DATA_REPEATS": "1",
           "MLE_STAR_N_FOLDS": "3"}
    process = subprocess.Popen([*CLI, str(task_dir), "--output", str(run_dir), "--time-budget", "150", *SETTINGS],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and process.poll() is None:
        if any(a.phase == "refine" for a in _journal(run_dir)) if (run_dir / "journal.jsonl").exists() else False:
            break
        time.sleep(0.1)
    assert process.poll() is None, "the run ended before refinement; nothing to kill"
    _kill_all(process.pid)
    process.wait()
    before = _journal(run_dir)
    assert any(a.phase == "refine" for a in before)
    # The submission when killed (the keep rule may have kept it over a script scoring a little higher).
    best_before = json.loads((run_dir / "best" / "score.json").read_text(encoding="utf-8"))["score"]

    resumed = subprocess.run([*CLI, "--resume", str(run_dir), "--time-budget", "90"], capture_output=True,
                             text=True, env=env, timeout=240)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Run ended after" in resumed.stdout and f"Pipeline: {run_dir.resolve() / 'best'}" in resumed.stdout
    after = _journal(run_dir)
    new = [a for a in after if a.id > max(a.id for a in before)]
    done_before = {a.code_key for a in before}
    assert new, "the resumed run did no new work"
    assert not [a for a in new if a.code_key in done_before], "a completed execution ran again"
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    assert log.count("(reused: it completed before the resume)") >= len(before)
    assert f"resumed run {run_dir.resolve()}: {len(before)} completed executions" in log
    record = json.loads((run_dir / "best" / "score.json").read_text(encoding="utf-8"))
    assert record["score"] >= best_before
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "finished"


def test_a_second_process_on_a_run_folder_is_refused(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"task": str(task_dir), "status": "running", "settings": {},
                                                  "budget_s": 60, "started_at": time.time()}))
    holder = RunFolder(run_dir)
    try:
        busy = subprocess.run([*CLI, "--resume", str(run_dir)], capture_output=True, text=True, timeout=60)
        assert busy.returncode == 2
        assert "in use by another mle-star process" in busy.stderr and "Traceback" not in busy.stderr
        with pytest.raises(RunFolderError, match="in use"):
            RunFolder(run_dir)
    finally:
        holder.close()
    RunFolder(run_dir).close()  # released: the folder can be opened again

    fresh = subprocess.run([*CLI, str(task_dir), "--output", str(run_dir)], capture_output=True, text=True,
                           timeout=60)
    assert fresh.returncode == 2 and "holds an earlier run" in fresh.stderr and "--resume" in fresh.stderr


def test_the_cache_hands_back_each_completed_execution_once_in_order(tmp_path):
    key = execution_key("print(1)", "s1", "refine", {})
    other = execution_key("print(1)", "s2", "refine", {})
    assert key != other  # where an execution belongs is part of what it is
    attempts = [Attempt(id=i, solution_id="s1", phase="refine", label="x", workspace=f"attempts/{i}", code_key=key)
                for i in (3, 7)]
    cache = ExecutionCache(attempts)
    assert [cache.take(key).id, cache.take(key).id, cache.take(key)] == [3, 7, None]
    assert cache.take(other) is None and cache.reused == 2


def test_extra_files_are_part_of_the_key(tmp_path):
    member = tmp_path / "oof.npy"
    member.write_bytes(b"one")
    first = execution_key("code", "ensemble", "ensemble", {"members/m1/oof.npy": member})
    member.write_bytes(b"two")
    assert execution_key("code", "ensemble", "ensemble", {"members/m1/oof.npy": member}) != first


def test_a_workspace_left_by_a_killed_script_keeps_its_number(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.journal.append(Attempt(id=1, solution_id="s1", phase="candidate", label="a", workspace="attempts/1"))
    (folder.attempts_dir / "0002-s1-candidate").mkdir()  # started, never journaled
    folder.close()
    reopened = RunFolder(tmp_path / "run")
    assert reopened.journal.new_id() == 3
    reopened.close()


def test_a_later_journal_line_amends_an_attempt(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    attempt = Attempt(id=1, solution_id="s1", phase="candidate", label="a", workspace="w", score=0.9)
    journal.append(attempt)
    journal.append(Attempt(id=2, solution_id="s1", phase="candidate", label="b", workspace="w2", score=0.8))
    attempt.failure = "found out later"
    journal.append(attempt)
    assert [(a.id, a.failure) for a in journal.read()] == [(1, "found out later"), (2, None)]


def test_earlier_exchanges_are_replayed_once_and_still_count(tmp_path):
    log = ExchangeLog(tmp_path)
    exchange = log.new("planner", "planner_s1", "offline", "the prompt")
    exchange.answer, exchange.prompt_tokens, exchange.output_tokens = "the answer", 10, 5
    log.record(exchange)
    failed = log.new("planner", "planner_s1", "offline", "another prompt")
    failed.problem = "TimeoutError"
    log.record(failed)

    again = ExchangeLog(tmp_path)
    assert again.total().calls == 2 and again.total().prompt_tokens == 10 and again.total().failures == 1
    assert again.replay("planner_s1", "the prompt") == ("the answer", f"exchanges/{exchange.id}.json")
    assert again.replay("planner_s1", "the prompt") is None  # each answer serves once
    assert again.replay("planner_s1", "another prompt") is None  # a failed call is asked again
    assert again.replay("planner_s2", "the prompt") is None
    assert isinstance(again.new("planner", "planner_s1", "offline", "p"), Exchange)
