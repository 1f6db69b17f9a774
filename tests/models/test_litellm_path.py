"""The whole graph on a LiteLLM model, served by a local OpenAI-compatible stub: LiteLLM's own
OpenAI path (chat messages, tool calls, usage) runs end to end and the run ends with a valid submission."""

from __future__ import annotations

import asyncio
import importlib.util
import json

import pytest

from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.models.credentials import check_backend
from machine_learning_engineering.models.factory import SELF_HOSTED_KEY, litellm_model
from machine_learning_engineering.task import check_submission, load_task

from .openai_stub import OpenAIStub

pytestmark = pytest.mark.skipif(importlib.util.find_spec("litellm") is None,
                                reason="LiteLLM is not installed: .venv/bin/pip install -e '.[litellm]'")

MODEL = "litellm/openai/mle-star-stub"


@pytest.fixture
def stub(monkeypatch):
    # A self-hosted server needs no key: the factory fills LiteLLM's in, so none is set here.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of LiteLLM's price list
    with OpenAIStub() as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.base_url)
        yield server


def test_whole_graph_on_litellm_with_a_local_openai_server(tmp_path, stub):
    task_dir = build_task("wine-cultivar", tmp_path / "tasks")
    settings = Settings(model=MODEL, num_solutions=1, num_candidates=2, outer_steps=1, extra_outer_steps=0,
                        small_data_repeats=1, n_folds=3,
                        inner_steps=1, ensemble_rounds=1, time_budget_s=200, script_timeout_s=60,
                        runs_dir=tmp_path / "runs")
    check_backend(settings)
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir))

    assert stub.errors == []
    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    assert {c.model for c in stub.calls} == {"mle-star-stub"}

    # Every role that ran was served by the stub (one solution: no ensemble; one inner step: no planner).
    assert all(c.role for c in stub.calls)
    assert {"retriever", "candidate_writer", "merger", "ablation_writer", "block_chooser", "implementer",
            "leakage_checker", "usage_checker"} <= {c.role for c in stub.calls}

    # The model-card search round-trips as an OpenAI tool call and tool message; no web search off Gemini.
    retriever = [c for c in stub.calls if c.role == "retriever"]
    assert [c.answer for c in retriever] == ["call:search_model_cards", "text"]
    assert retriever[0].tools == ["search_model_cards"]
    assert retriever[1].tool_results["search_model_cards"]["models"]
    assert "falling back" not in (run_dir / "log.txt").read_text()

    # The `usage` of every completion reached the run's totals.
    total = json.loads((run_dir / "run.json").read_text())["usage"]["total"]
    assert total["prompt_tokens"] == sum(c.prompt_tokens for c in stub.calls)
    assert total["output_tokens"] == sum(c.completion_tokens for c in stub.calls)


def test_a_self_hosted_openai_server_gets_a_placeholder_key_and_a_real_key_is_left_to_litellm():
    base = {"OPENAI_API_BASE": "http://127.0.0.1:8000/v1"}
    model = litellm_model(MODEL, environ=base)
    assert model.model == "openai/mle-star-stub" and model._additional_args["api_key"] == SELF_HOSTED_KEY
    assert "api_key" not in litellm_model(MODEL, environ={**base, "OPENAI_API_KEY": "sk-real"})._additional_args
    assert "api_key" not in litellm_model("litellm/anthropic/claude-sonnet-4", environ=base)._additional_args


def test_the_stub_listens_on_loopback_refuses_streaming_and_stops():
    import urllib.error
    import urllib.request

    with OpenAIStub() as stub:
        url = stub.base_url + "/chat/completions"
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(url, data=b'{"model": "m", "messages": [], "stream": true}', method="POST")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
        assert stub.errors and "non-streaming" in stub.errors[0]
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
