"""Faults injected into every step of the graph: each step degrades and the run still ends with a
valid submission, the input untouched, and the cause in the run's story."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.models.offline.roles import HANDLERS
from machine_learning_engineering.sub_agents.ensembler.ensembler import EnsembleRoundAgent
from machine_learning_engineering.sub_agents.ensembler.prompt import ENSEMBLE_IMPLEMENTER
from machine_learning_engineering.sub_agents.initializer import initializer as initializer
from machine_learning_engineering.sub_agents.refinement.refinement import AblationAgent, BlockRefinerAgent
from machine_learning_engineering.sub_agents.retriever.retriever import RetrievalAgent
from machine_learning_engineering.sub_agents.submitter import submitter as submitter
from machine_learning_engineering.task import check_submission, load_task
from tests.graph_fixtures import make_binary_task


def _checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(num_solutions=2, num_candidates=2, outer_steps=1, inner_steps=2, ensemble_rounds=2,
                    small_data_repeats=1, n_folds=3,
                    time_budget_s=150, script_timeout_s=60, runs_dir=tmp_path / "runs", isolation="none")
    return base.replace(**changes)


def _fail_once(monkeypatch: pytest.MonkeyPatch, owner, name: str, error: Exception, faults: list[str]) -> None:
    """Makes `owner.name` raise `error` the first time it is called (sync or async generator)."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def first_call_fails() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            faults.append(f"{getattr(owner, '__name__', owner)}.{name}")
            raise error

    if name in ("_step", "_study"):
        async def wrapped(*args, **kwargs):
            first_call_fails()
            async for event in original(*args, **kwargs):
                yield event
    else:
        def wrapped(*args, **kwargs):
            first_call_fails()
            return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, wrapped)


def _assert_valid_end(final, task_dir: Path, run_dir: Path, before: dict[str, str]) -> None:
    assert final is not None and not final["problems"], final
    assert check_submission(Path(final["submission_path"]), load_task(task_dir)) == []
    assert _checksums(task_dir) == before, "the input changed"


def test_a_failure_in_every_step_degrades_it_and_the_run_still_submits(tmp_path, monkeypatch):
    task_dir = make_binary_task(tmp_path / "task")
    before = _checksums(task_dir)
    faults: list[str] = []
    _fail_once(monkeypatch, RetrievalAgent, "_step", RuntimeError("retrieval broke"), faults)
    _fail_once(monkeypatch, AblationAgent, "_study", KeyError("ablation broke"), faults)
    _fail_once(monkeypatch, BlockRefinerAgent, "_step", ValueError("refiner broke"), faults)
    _fail_once(monkeypatch, EnsembleRoundAgent, "_step", ZeroDivisionError("ensemble broke"), faults)
    _fail_once(monkeypatch, submitter, "_final_result", OSError("submitter broke"), faults)
    # The offline engine's own role handler raising, as the ensemble implementer did on a strategy that
    # did not suit the task: the model call's boundary degrades the round.
    handler = HANDLERS[ENSEMBLE_IMPLEMENTER]
    calls = {"n": 0}

    def implement_fails_first(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            faults.append("ensemble implementer handler")
            raise ValueError("ensemble strategy 'rank_average' does not suit this task")
        return handler(*args, **kwargs)

    monkeypatch.setitem(HANDLERS, ENSEMBLE_IMPLEMENTER, implement_fails_first)

    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, _settings(tmp_path), run_dir))

    _assert_valid_end(final, task_dir, run_dir, before)
    assert len(faults) == 6, faults
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    errors = (run_dir / "errors.log").read_text(encoding="utf-8")
    for cause in ("retrieval broke", "ablation broke", "refiner broke", "ensemble broke", "submitter broke"):
        assert cause in log and cause in errors
    assert "falling back" in log or "local catalog" in log
    assert "does not suit this task" in log  # the handler's failure, logged by the model call's boundary
    assert '"status": "finished"' in (run_dir / "run.json").read_text(encoding="utf-8")


def test_an_initializer_that_fails_after_its_first_candidate_goes_on_from_that_candidate(tmp_path, monkeypatch):
    task_dir = make_binary_task(tmp_path / "task")
    before = _checksums(task_dir)
    real = initializer.guarded_execute
    calls = {"n": 0}

    async def second_run_fails(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("initializer broke")
        async for event in real(*args, **kwargs):
            yield event

    monkeypatch.setattr(initializer, "guarded_execute", second_run_fails)
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, _settings(tmp_path, num_solutions=1, ensemble_rounds=0), run_dir))

    _assert_valid_end(final, task_dir, run_dir, before)
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    assert "initializer broke" in log and "goes on from" in log
    assert "[s1] chosen block" in log or "refines block" in log  # refinement went on from the kept candidate
