"""The whole graph on Gemini through ADK's google-genai path, with a scripted fake client: the
factory builds real `Gemini` models, their requests and answers are google-genai's own types, and
the run ends with a valid submission."""

from __future__ import annotations

import asyncio
import json

import pytest
from google.adk.models.google_llm import Gemini

from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.models.factory import ROLES, models_for_roles, search_tools
from machine_learning_engineering.task import check_submission, load_task

from .fake_gemini import WEB_SEARCH, FakeGeminiClient

MODEL = "gemini-2.5-flash"


@pytest.fixture
def api_key(monkeypatch):
    for name in ("GOOGLE_GENAI_USE_VERTEXAI", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "fake-key-for-tests")


def test_factory_builds_gemini_models_that_retry_rate_limits_and_share_the_client():
    fake = FakeGeminiClient()
    models = models_for_roles(Settings(model=MODEL, agent_models={"debugger": "gemini-2.5-pro"}), gemini_client=fake)

    assert all(isinstance(models[role], Gemini) and models[role].client is fake for role in ROLES)
    assert models["debugger"].model == "gemini-2.5-pro" and models["planner"].model == MODEL
    assert models["planner"] is models["retriever"]  # one instance per model string
    assert 429 in models["planner"].retry_options.http_status_codes and models["planner"].retry_options.attempts > 1
    (tool,) = search_tools(models["retriever"])
    assert tool.name == WEB_SEARCH and tool.agent.model is models["retriever"]
    assert search_tools("offline") == ()


def test_whole_graph_on_gemini_with_a_fake_client(tmp_path, api_key):
    task_dir = build_task("wine-cultivar", tmp_path / "tasks")
    settings = Settings(model=MODEL, num_solutions=1, num_candidates=2, outer_steps=1, extra_outer_steps=0,
                        small_data_repeats=1,
                        inner_steps=1, ensemble_rounds=1, time_budget_s=200, script_timeout_s=60,
                        runs_dir=tmp_path / "runs")
    fake = FakeGeminiClient(break_first=("candidate_writer",))
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir, gemini_client=fake))

    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    assert {c.model for c in fake.calls} == {MODEL}
    # One solution: no ensemble; one inner step: the ablation's plan, no planner.
    assert {"retriever", "candidate_writer", "merger", "ablation_writer", "block_chooser", "implementer",
            "leakage_checker", "usage_checker", "debugger"} <= {c.role for c in fake.calls}

    # The model-card search round-trips: Gemini's function call, then its result back in the next request.
    retriever = fake.by_role("retriever")
    assert retriever[0].answer == "call:search_model_cards"
    assert {"search_model_cards", WEB_SEARCH} <= set(retriever[0].declared)
    assert retriever[1].function_calls == ["search_model_cards"]
    assert retriever[1].function_responses["search_model_cards"]["models"]
    # The web search runs in its own sub-agent: Google Search alone (no function tools), same model and client.
    web = fake.by_role(None)
    assert web and all(c.google_search and not c.declared for c in web)
    assert retriever[1].answer == f"call:{WEB_SEARCH}"
    assert "gradient-boosted" in str(retriever[2].function_responses[WEB_SEARCH])
    assert retriever[2].answer == "text" and len(retriever) == 3
    log = (run_dir / "log.txt").read_text()
    assert "retrieved models:" in log and "falling back" not in log

    # The debugger searches the web too, then fixes the crashed candidate.
    debugger = fake.by_role("debugger")
    assert WEB_SEARCH in debugger[0].declared and debugger[0].answer == f"call:{WEB_SEARCH}"
    assert "xgboost failed to train" in debugger[0].call_args["request"]
    assert WEB_SEARCH in debugger[1].function_responses and debugger[1].answer == "text"
    attempts = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert any("debug round 1" in a["label"] and a["score"] is not None for a in attempts)
    assert len(web) == 2

    # JSON-mode roles got bare JSON, as Gemini's JSON mode returns it.
    assert any(c.json_mode for c in fake.calls)

    # Every answer's usage metadata reached the run's totals (the web-search sub-agent's stays in its tool).
    outer = [c for c in fake.calls if not c.google_search]
    total = json.loads((run_dir / "run.json").read_text())["usage"]["total"]
    assert total["prompt_tokens"] == sum(c.prompt_tokens for c in outer)
    assert total["output_tokens"] == sum(c.output_tokens for c in outer)
