"""One real offline run: `mle-star show`, the events file and the journal tell the same story."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.record.journal import Attempt, Journal
from machine_learning_engineering.record.show import outcome, show_run, shorten
from machine_learning_engineering.task.metrics import format_score
from tests.graph_fixtures import make_binary_task

PHASES = ("retrieval", "initialisation", "refinement", "submission")


def test_show_events_and_journal_agree_on_a_real_run(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    events_file = tmp_path / "events.jsonl"
    settings = Settings(num_solutions=1, num_candidates=2, outer_steps=1, inner_steps=1, ensemble_rounds=0,
                        small_data_repeats=1, n_folds=3, time_budget_s=90, script_timeout_s=60,
                        runs_dir=tmp_path / "runs", isolation="none", events_file=events_file)
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir))
    assert final is not None and not final["problems"]

    events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines()]
    assert all({"event", "t", "budget_left_s"} <= e.keys() for e in events)
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    assert events[0]["event"] == "run_started" and events[-1]["event"] == "run_ended"
    started = events[0]
    assert (started["task"], started["metric"], started["direction"], started["budget_s"]) == \
        ("task", "roc_auc", "higher", 90)
    assert started["settings"]["num_candidates"] == 2
    assert [e["phase"] for e in events if e["event"] == "phase"] == list(PHASES)

    journal = Journal(run_dir / "journal.jsonl").read()
    attempts = {e["id"]: e for e in events if e["event"] == "attempt"}
    assert sorted(attempts) == sorted(a.id for a in journal) and len(journal) >= 3
    for attempt in journal:
        event = attempts[attempt.id]
        assert (event["solution_id"], event["phase"], event["parent"], event["score"], event["failure"],
                event["submission_ok"]) == (attempt.solution_id, attempt.phase, attempt.parent, attempt.score,
                                            attempt.failure, attempt.submission_ok)

    best = json.loads((run_dir / "best" / "score.json").read_text(encoding="utf-8"))
    bests = [e for e in events if e["event"] == "best"]
    assert bests and (bests[-1]["attempt"], bests[-1]["score"]) == (best["attempt"], best["score"])
    assert all(attempts[e["attempt"]]["submission_ok"] for e in bests)

    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    ended = events[-1]
    assert (ended["ended"], ended["status"], ended["score"], ended["test_score"], ended["submission_path"]) == (
        record["final"]["ended"], record["status"], record["final"]["score"], record["final"]["test_score"],
        record["final"]["submission_path"])

    text = show_run(run_dir)
    table = text.split("Attempts (")[1].split("\n\nTree")[0].splitlines()[2:]
    # The table lists the attempts by id; the journal in the order they ended (the two candidates run at once).
    by_id = sorted(journal, key=lambda a: a.id)
    assert [int(row.split()[0]) for row in table] == [a.id for a in by_id]
    for row, attempt in zip(table, by_id):
        assert format_score(attempt.score) in row if attempt.ok else "-" in row
        assert row.rstrip().endswith(outcome(attempt, best["attempt"]))
    assert f"validation {format_score(best['score'])}, test {format_score(record['final']['test_score'])}" in text
    assert record["final"]["ended"] in text and str(run_dir / "best" / "pipeline.py") in text
    tree = text.split("\nTree\n")[1]
    for attempt in journal:
        assert f"{attempt.id} {attempt.phase}: " in tree

    done = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "show", str(run_dir)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == text
    assert format_score(best["score"]) in done.stdout


def test_show_refuses_a_folder_that_holds_no_run(tmp_path):
    done = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "show", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "is not a run folder" in done.stderr


def test_the_tree_puts_debug_rounds_under_the_attempt_they_fix(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    for attempt in (Attempt(1, "s1", "candidate", "lightgbm", "a/1", failure="KeyError: 'x'"),
                    Attempt(2, "s1", "debug", "lightgbm (debug round 1)", "a/2", parent=1, score=0.8),
                    Attempt(3, "s1", "candidate", "ridge", "a/3", score=0.7),
                    Attempt(4, "ensemble", "ensemble", "mean of s1", "a/4", score=0.85)):
        journal.append(attempt)

    tree = show_run(tmp_path).split("\nTree\n")[1]

    assert tree.splitlines() == ["s1",
                                 "├── 1 candidate: lightgbm -> failed",
                                 "│   └── 2 debug: lightgbm (debug round 1) -> 0.8",
                                 "└── 3 candidate: ridge -> 0.7",
                                 "ensemble",
                                 "└── 4 ensemble: mean of s1 -> 0.85"]


def test_shorten_cuts_at_a_word_boundary():
    assert shorten("gradient boosting with early stopping", 20) == "gradient boosting…"
    assert shorten("short  label", 20) == "short label"
    assert shorten("averylongsingleword", 10) == "averylong…"
