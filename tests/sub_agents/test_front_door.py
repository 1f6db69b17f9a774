"""The front door: how the offline engine reads a message, what `run_status` reports, and that a run
shows the chat its orchestrators' progress (with its budget applied) but none of its LLM agents' words."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import AsyncGenerator

import pytest
from google.adk.agents import BaseAgent, SequentialAgent
from google.adk.runners import InMemoryRunner
from google.genai import types

from machine_learning_engineering.config import Settings
from machine_learning_engineering.models.offline.roles import ToolCall
from machine_learning_engineering.models.offline.roles.front_door import (RunRequest, asks_status, describe_status,
                                                                          parse_run_request, reply)
from machine_learning_engineering.state import FINAL, RUN_DIR, SETTINGS, TASK_DIR
from machine_learning_engineering.sub_agents.front_door import front_door as front_door
from machine_learning_engineering.sub_agents.front_door.prompt import METHOD
from machine_learning_engineering.sub_agents.llm_steps import make_llm_agent, state_event
from machine_learning_engineering.task import load_task

from ..graph_fixtures import make_binary_task
from ..scripted_model import ScriptedModel

SECRET = "```python\nprint('a script the chat must not show')\n```"


@pytest.mark.parametrize("message, expected", [
    ("solve tasks/breast-cancer in 5 minutes", RunRequest("tasks/breast-cancer", 300.0)),
    ("run tasks/x with budget 300", RunRequest("tasks/x", 300.0)),
    ("Please run `tasks/diamonds-price` for 1.5 hours.", RunRequest("tasks/diamonds-price", 5400.0)),
    ("start /data/my-task, budget: 90s", RunRequest("/data/my-task", 90.0)),
    ("solve tasks/wine-cultivar in 120 seconds", RunRequest("tasks/wine-cultivar", 120.0)),
    ("solve tasks/penguins-species with 2 solutions", RunRequest("tasks/penguins-species", None)),
    ("tasks/breast-cancer", RunRequest("tasks/breast-cancer", None)),
    ("what is in tasks/breast-cancer?", None),
    ("how is the run going?", None),
    ("how does MLE-STAR work?", None),
])
def test_parse_run_request_reads_folder_and_budget(message, expected):
    assert parse_run_request(message) == expected


def test_a_bare_word_is_a_task_folder_only_when_the_folder_exists(tmp_path, monkeypatch):
    (tmp_path / "mytask").mkdir()
    monkeypatch.chdir(tmp_path)
    assert parse_run_request("solve mytask in 2 min") == RunRequest("mytask", 120.0)
    assert parse_run_request("solve othertask in 2 min") is None


def test_offline_front_door_calls_a_tool_or_answers():
    assert reply("solve tasks/x in 2 minutes", {}) == ToolCall("start_run", {"task_dir": "tasks/x",
                                                                               "time_budget_s": 120.0})
    assert reply("solve tasks/x", {}) == ToolCall("start_run", {"task_dir": "tasks/x"})
    assert reply("what's the status?", {}) == ToolCall("run_status", {})
    assert reply("what are the phases of the method?", {}) == METHOD
    assert asks_status("best score so far?") and not asks_status("explain ablation")
    started = {"status": "starting", "task": "x", "metric": "rmse", "time_budget_s": 120.0}
    assert reply("solve tasks/x", {"start_run": started}) == ("Starting MLE-STAR on x (rmse) with a budget of "
                                                               "120 s; progress follows.")
    assert reply("solve tasks/x", {"start_run": {"error": "no folder"}}) == "I could not start a run: no folder"
    assert reply("status", {"run_status": {"phase": "no run", "run_dir": None}}).startswith("No run has started")


def test_run_status_reads_state_and_run_folder(tmp_path):
    assert front_door.status_of({}) == {"phase": "no run", "run_dir": None}
    run_dir = tmp_path / "run"
    (run_dir / "best").mkdir(parents=True)
    (run_dir / "run.json").write_text(json.dumps({"task_name": "toy", "brief": {"metric": "auc"}}))
    (run_dir / "best" / "score.json").write_text(json.dumps(
        {"attempt": 3, "solution_id": "s1", "phase": "refine", "label": "model", "score": 0.91}))

    going = front_door.status_of({RUN_DIR: str(run_dir), TASK_DIR: "tasks/toy", SETTINGS: {"time_budget_s": 60}})
    # No live run is registered for this folder: it is not going on.
    assert going["phase"] == "stopped before the submission step"
    assert (going["task"], going["metric"], going["best_score"]) == ("toy", "auc", 0.91)
    assert going["best_from"] == "attempt 3 (s1 refine: model)" and going["submission"] is None

    (run_dir / "submission.csv").write_text("id,target\n")
    done = front_door.status_of({RUN_DIR: str(run_dir), FINAL: {"score": 0.93, "source": "attempt 5"}})
    assert (done["phase"], done["best_score"], done["best_from"]) == ("finished", 0.93, "attempt 5")
    assert describe_status(done) == (f"Run on toy: finished. Best validation auc so far: 0.93 (attempt 5). "
                                     f"Run folder: {run_dir}. Submission: {run_dir / 'submission.csv'}.")


class Step(BaseAgent):
    """A fake orchestrator: asks its LLM agent, then reports one line of progress and a state change."""

    async def _run_async_impl(self, ctx) -> AsyncGenerator:
        async for event in self.sub_agents[0].run_async(ctx):
            yield event
        yield state_event(self, ctx, {RUN_DIR: "runs/fake", "prompt:writer": None}, text=f"{self.name} done")


class Sleeper(BaseAgent):
    async def _run_async_impl(self, ctx) -> AsyncGenerator:
        yield state_event(self, ctx, {}, text="started")
        await asyncio.sleep(30)
        yield state_event(self, ctx, {}, text="never shown")


def _chat(agent: BaseAgent, *messages: str) -> tuple[list, dict]:
    async def go():
        runner = InMemoryRunner(agent=agent, app_name="test")
        session = await runner.session_service.create_session(app_name="test", user_id="u")
        events = []
        for message in messages:
            async for event in runner.run_async(user_id="u", session_id=session.id, new_message=types.Content(
                    role="user", parts=[types.Part(text=message)])):
                events.append(event)
        session = await runner.session_service.get_session(app_name="test", user_id="u", session_id=session.id)
        await runner.close()
        return events, session.state

    return asyncio.run(go())


def _texts(events) -> list[str]:
    return ["".join(p.text for p in e.content.parts if p.text) for e in events
            if e.content and any(p.text for p in e.content.parts)]


def test_a_run_shows_progress_only_and_applies_the_budget(tmp_path, monkeypatch):
    task_dir = make_binary_task(tmp_path / "toy")
    monkeypatch.chdir(tmp_path)
    writer = ScriptedModel(answers={"writer": lambda prompt: SECRET})
    built: list[Settings] = []

    def build_graph(settings: Settings) -> BaseAgent:
        built.append(settings)
        return SequentialAgent(name="mle_star", sub_agents=[
            Step(name="task_setup", sub_agents=[make_llm_agent("writer_s1", "writer", writer, "writes")])])

    agent = front_door.build_front_door(Settings(time_budget_s=900), build_graph=build_graph)
    events, state = _chat(agent, "solve toy in 2 minutes")

    assert [s.time_budget_s for s in built] == [120.0]
    assert writer.calls, "the graph's LLM agent ran"
    task = load_task(task_dir)
    texts = _texts(events)
    assert texts == [f"Starting MLE-STAR on {task.name} ({task.metric.name}) with a budget of 120 s; "
                     "progress follows.", "task_setup done"]
    assert not any(SECRET in text for text in texts)
    assert state[RUN_DIR] == "runs/fake" and "prompt:writer" not in state


def test_a_run_that_overruns_its_budget_is_stopped(tmp_path, monkeypatch):
    make_binary_task(tmp_path / "toy")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(front_door, "HARD_STOP_MARGIN_S", 0.0)
    agent = front_door.build_front_door(Settings(), build_graph=lambda settings: Sleeper(name="task_setup"))

    events, _ = _chat(agent, "run toy with budget 1")

    texts = _texts(events)
    assert texts[1] == "started" and texts[2].startswith("Hard stop after 1 s")
    assert "never shown" not in texts


class Crasher(BaseAgent):
    async def _run_async_impl(self, ctx) -> AsyncGenerator:
        yield state_event(self, ctx, {}, text="started")
        raise RuntimeError("boom")


def test_a_run_that_fails_is_reported_and_the_chat_goes_on(tmp_path, monkeypatch):
    make_binary_task(tmp_path / "toy")
    monkeypatch.chdir(tmp_path)
    agent = front_door.build_front_door(Settings(), build_graph=lambda settings: Crasher(name="task_setup"))

    events, _ = _chat(agent, "run toy", "status?")

    texts = _texts(events)
    assert texts[1:3] == ["started", "The run failed: RuntimeError: boom. The best submission so far stands; "
                                     "see the run folder's log.txt."]
    assert texts[3].startswith("No run has started")


def test_start_run_refuses_a_missing_folder_and_a_bad_budget(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_binary_task(tmp_path / "toy")
    agent = front_door.build_front_door(Settings(), build_graph=lambda settings: pytest.fail("no run expected"))

    events, _ = _chat(agent, "solve tasks/none in 2 minutes", "solve toy with budget 0")

    texts = _texts(events)
    assert texts[0].startswith("I could not start a run: there is no folder tasks/none")
    assert texts[1] == "I could not start a run: the time budget must be positive, got 0.0 seconds"


def test_start_run_refuses_a_role_model_that_cannot_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    make_binary_task(tmp_path / "toy")
    settings = Settings(agent_models={"debugger": "gemini-2.5-pro"})
    agent = front_door.build_front_door(settings, build_graph=lambda settings: pytest.fail("no run expected"))

    events, _ = _chat(agent, "solve toy in 2 minutes")

    text = _texts(events)[0]
    assert text.startswith("I could not start a run: ") and "GOOGLE_API_KEY" in text, text


class Finisher(BaseAgent):
    """A fake graph that leaves a finished run's files in `runs/done`."""

    async def _run_async_impl(self, ctx) -> AsyncGenerator:
        run_dir = Path("runs/done")
        run_dir.mkdir(parents=True)
        (run_dir / "submission.csv").write_text("id,target\n1,0.5\n", encoding="utf-8")
        (run_dir / "report.md").write_text("# MLE-STAR run on toy\n", encoding="utf-8")
        yield state_event(self, ctx, {RUN_DIR: str(run_dir.resolve())}, text="finished")


def test_a_finished_run_leaves_its_submission_and_report_as_artifacts(tmp_path, monkeypatch):
    make_binary_task(tmp_path / "toy")
    monkeypatch.chdir(tmp_path)
    agent = front_door.build_front_door(Settings(), build_graph=lambda settings: Finisher(name="task_setup"))

    async def go():
        runner = InMemoryRunner(agent=agent, app_name="test")
        session = await runner.session_service.create_session(app_name="test", user_id="u")
        events = [e async for e in runner.run_async(user_id="u", session_id=session.id, new_message=types.Content(
            role="user", parts=[types.Part(text="solve toy in 1 minute")]))]
        names = await runner.artifact_service.list_artifact_keys(app_name="test", user_id="u", session_id=session.id)
        csv = await runner.artifact_service.load_artifact(app_name="test", user_id="u", session_id=session.id,
                                                         filename="submission.csv")
        await runner.close()
        return events, names, csv

    events, names, csv = asyncio.run(go())

    deltas = [e.actions.artifact_delta for e in events if e.actions and e.actions.artifact_delta]
    assert deltas == [{"submission.csv": 0, "report.md": 0}], "report.html is absent, so it is not offered"
    assert sorted(names) == ["report.md", "submission.csv"]
    assert csv.inline_data.data == b"id,target\n1,0.5\n" and csv.inline_data.mime_type == "text/csv"
