"""The agent graph driven by a scripted fake model: the guards catch and repair what they must,
and the best submission survives hanging candidates and failing refinements."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pandas as pd
import pytest

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.task import grade, load_task
from machine_learning_engineering.sub_agents.roles import read_request

from .graph_fixtures import CLEAN_SCALER, LEAKY_SCALER, READ_EXTRA, make_binary_task, script
from .scripted_model import ScriptedModel, fenced


def _settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(num_solutions=1, num_candidates=2, outer_steps=0, inner_steps=0, ensemble_rounds=0,
                    time_budget_s=300, script_timeout_s=60, runs_dir=tmp_path / "runs", max_parallel=2)
    return base.replace(**changes)


def _retrieval(names: list[str]):
    return lambda prompt: fenced("json", json.dumps([{"name": n, "description": n} for n in names]))


def _journal(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def test_debugger_leakage_and_usage_checkers_catch_and_repair(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")

    def writer(prompt: str) -> str:
        if read_request(prompt).model_name == "leaky_logreg":
            return fenced("python", script(leaky=True))   # fits the scaler on test rows, ignores extra.csv
        return fenced("python", script(extra=True, bug=True))  # crashes with a KeyError

    def leakage(prompt: str) -> str:
        code = read_request(prompt).code
        if LEAKY_SCALER in code:
            return fenced("json", '{"leakage": true, "explanation": "scaler fit on train+test"}') + "\n" + \
                fenced("python", code.replace(LEAKY_SCALER, CLEAN_SCALER))
        return fenced("json", '{"leakage": false, "explanation": "ok"}')

    def usage(prompt: str) -> str:
        code = read_request(prompt).code
        if "extra.csv" not in code:
            revised = code.replace('test = pd.read_csv("input/test.csv")\n',
                                   'test = pd.read_csv("input/test.csv")\n' + READ_EXTRA + "\n")
            return fenced("json", '{"all_used": false, "unused": ["extra.csv"], "explanation": "ignored"}') + \
                "\n" + fenced("python", revised)
        return fenced("json", '{"all_used": true, "unused": []}')

    def debugger(prompt: str) -> str:
        assert "no_such_column" in prompt and "KeyError" in prompt
        return fenced("python", read_request(prompt).code.replace(' + ["no_such_column"]', ""))

    model = ScriptedModel(answers={"retriever": _retrieval(["leaky_logreg", "buggy_logreg"]),
                                   "candidate_writer": writer, "leakage_checker": leakage,
                                   "usage_checker": usage, "debugger": debugger,
                                   "merger": lambda p: "I keep the base solution."})
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, _settings(tmp_path), run_dir, model=model))

    attempts = _journal(run_dir)
    first = attempts[0]
    code = (run_dir / first["workspace"] / "solution.py").read_text()
    assert LEAKY_SCALER not in code and CLEAN_SCALER in code, "the leakage checker's repair was not used"
    assert "extra.csv" in code, "the usage checker's revision was not used"
    failed = next(a for a in attempts if a["label"] == "buggy_logreg")
    assert failed["failure"] and "KeyError" in failed["failure"] + (run_dir / failed["workspace"] / "stderr.txt").read_text()
    fixed = next(a for a in attempts if a["parent"] == failed["id"])
    assert fixed["score"] is not None and fixed["failure"] is None
    log = (run_dir / "log.txt").read_text()
    assert "leakage repaired" in log and "revised to use the data" in log
    assert final and not final["problems"]
    assert grade(run_dir / "submission.csv", load_task(task_dir)) > 0.85


def test_hanging_candidate_and_failing_refinement_never_lose_the_best(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    hang = "import time\nwhile True:\n    time.sleep(1)\n"

    def writer(prompt: str) -> str:
        return fenced("python", script(extra=True) if read_request(prompt).model_name == "good" else hang)

    ablation = ('print("Ablation baseline -> 0.9")\nprint("Ablation result: model -> 0.7")\n'
                'print("Final Validation Performance: 0.9")\n')
    model = ScriptedModel(answers={
        "retriever": _retrieval(["good", "hanging"]),
        "candidate_writer": writer,
        "leakage_checker": lambda p: fenced("json", '{"leakage": false}'),
        "usage_checker": lambda p: fenced("json", '{"all_used": true}'),
        "merger": lambda p: "no merge",
        "ablation_writer": lambda p: fenced("python", ablation),
        "block_chooser": lambda p: fenced("json", '{"block": "model", "summary": "model matters", "plan": "boom"}'),
        "planner": lambda p: fenced("json", '{"plan": "another boom"}'),
        "implementer": lambda p: fenced("python", "# [block: model]\nraise RuntimeError('refinement always fails')\n"),
        "debugger": lambda p: "I cannot fix this.",
    })
    run_dir = tmp_path / "run"
    settings = _settings(tmp_path, script_timeout_s=20, outer_steps=2, extra_outer_steps=2, inner_steps=2)
    final = asyncio.run(run_agent(task_dir, settings, run_dir, model=model))

    attempts = _journal(run_dir)
    good = next(a for a in attempts if a["label"] == "good")
    hanging = next(a for a in attempts if a["label"] == "hanging")
    assert hanging["timed_out"]
    refinements = [a for a in attempts if a["phase"] == "refine"]
    assert len(refinements) == 2 and all(a["failure"] for a in refinements)  # model-block answers fit no other
    # Nothing was kept in the first outer step, so the second reuses its ablation study.
    assert len([a for a in attempts if a["phase"] == "ablation"]) == 1
    log = (run_dir / "log.txt").read_text()
    assert "unchanged since the last study; reusing it" in log
    assert "chosen block: model" in log and "chosen block: preprocessing" in log
    assert "inner plan 2 on preprocessing: score failed" in log
    # A third (extra) step has time, but the chooser names no block left to refine.
    assert "refinement ends: the chooser named no unrefined block" in log
    assert final["score"] == pytest.approx(good["score"])
    assert (run_dir / "submission.csv").read_bytes() == \
        (run_dir / good["workspace"] / "submission" / "submission.csv").read_bytes()
    assert pd.read_csv(run_dir / "submission.csv").shape[0] == 100
