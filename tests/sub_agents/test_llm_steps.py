"""The one resilient LLM step, through the whole graph: transient errors are retried, unusable
answers asked again, every exchange is saved with its tokens, and the cost budget ends the run with
the best submission so far."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import AsyncGenerator

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import types
from pydantic import Field

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.models.offline.engine import OfflineEngine
from machine_learning_engineering.protocol import role_of
from machine_learning_engineering.task import check_submission, load_task

from ..graph_fixtures import make_binary_task


class RateLimited(Exception):
    """Looks like a provider's 429."""

    code = 429


class FlakyEngine(BaseLlm):
    """The offline engine behind a flaky connection: for the roles in `flaky`, the first call raises
    a 429 and the second answers with a refusal; each answer reports `tokens_per_call` prompt tokens."""

    model: str = "offline"
    flaky: tuple[str, ...] = ()
    tokens_per_call: int = 0
    calls: dict[str, int] = Field(default_factory=dict)

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False
                                     ) -> AsyncGenerator[LlmResponse, None]:
        role = role_of(str(llm_request.config.system_instruction)) or "unknown"
        count = self.calls[role] = self.calls.get(role, 0) + 1
        if role in self.flaky and count == 1:
            raise RateLimited("429 RESOURCE_EXHAUSTED: quota exceeded, retry later")
        if role in self.flaky and count == 2:
            yield LlmResponse(content=types.Content(role="model", parts=[types.Part(
                text="I'm sorry, but I can't help with that.")]))
            return
        async for response in OfflineEngine().generate_content_async(llm_request, stream):
            if self.tokens_per_call:
                response.usage_metadata = types.GenerateContentResponseUsageMetadata(
                    prompt_token_count=self.tokens_per_call, candidates_token_count=0)
            yield response


def _settings(tmp_path: Path, **changes) -> Settings:
    base = Settings(num_solutions=1, num_candidates=2, outer_steps=0, inner_steps=0, ensemble_rounds=0,
                    small_data_repeats=1, n_folds=3, time_budget_s=300, script_timeout_s=60,
                    runs_dir=tmp_path / "runs", max_parallel=2)
    return base.replace(**changes)


def test_transient_errors_and_refusals_are_retried_and_every_exchange_is_saved(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    model = FlakyEngine(flaky=("candidate_writer", "usage_checker"))
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, _settings(tmp_path), run_dir, model=model))

    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    log = (run_dir / "log.txt").read_text()
    assert "RateLimited: 429 RESOURCE_EXHAUSTED" in log and "retrying in" in log
    assert "answer not usable (the answer declines the task" in log and "asking again" in log

    index = [json.loads(line) for line in (run_dir / "exchanges.jsonl").read_text().splitlines()]
    files = sorted((run_dir / "exchanges").glob("*.json"))
    assert len(files) == len({e["id"] for e in index}) >= 8
    refused = [json.loads(f.read_text()) for f in files if "sorry" in json.loads(f.read_text())["answer"]]
    assert refused and all(e["problem"].startswith("the answer declines") for e in refused)
    assert all("[mle-star role:" in json.loads(f.read_text())["prompt"] for f in files)

    attempts = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    for attempt in attempts:
        assert attempt["exchange"] and (run_dir / attempt["exchange"]).exists()
    report = (run_dir / "report.md").read_text()
    assert "## Model calls" in report
    for role in ("retriever", "candidate_writer", "leakage_checker", "usage_checker"):
        assert f"| {role} |" in report
    usage = json.loads((run_dir / "run.json").read_text())["usage"]
    assert usage["roles"]["candidate_writer"]["failures"] >= 2 and usage["total"]["calls"] == len(files)


def test_the_cost_budget_ends_the_run_with_the_best_submission_so_far(tmp_path):
    task_dir = make_binary_task(tmp_path / "task")
    # gemini-2.5-pro prices prompt tokens at $1.25 a million: each call costs $0.125.
    model = FlakyEngine(model="gemini-2.5-pro", tokens_per_call=100_000)
    run_dir = tmp_path / "run"
    # One script slot: the candidates run one after another, so the calls come in a known order.
    settings = _settings(tmp_path, max_cost_usd=0.7, outer_steps=1, inner_steps=2, max_parallel=1)
    final = asyncio.run(run_agent(task_dir, settings, run_dir, model=model))

    # Retrieval (one exchange of two calls) and the first candidate's writer and checkers fit ($0.625); the second
    # candidate's writer spends the budget, so its checkers are not asked and its script is not run.
    assert final and not final["problems"], "the first candidate's submission must survive the stop"
    run = json.loads((run_dir / "run.json").read_text())
    assert "cost budget" in run["stopped_by"]
    assert run["usage"]["total"]["calls"] == 5
    assert abs(run["usage"]["total"]["cost_usd"] - 0.75) < 1e-9
    assert "cost budget reached" in (run_dir / "log.txt").read_text()
    attempts = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert [a["phase"] for a in attempts if a["score"] is not None] == ["candidate"]


def test_the_whole_graph_survives_a_messy_model(tmp_path):
    """Most answers reshaped as real models write them (prose, odd fences, lenient JSON, truncation,
    refusals, syntax errors, 429s, time-outs): the run still ends with a valid submission."""
    from machine_learning_engineering.models.messy import MessyModel

    task_dir = make_binary_task(tmp_path / "task")
    model = MessyModel(inner=OfflineEngine(), rate=0.6, seed=3, timeout_wait_s=0.1)
    run_dir = tmp_path / "run"
    settings = _settings(tmp_path, outer_steps=1, inner_steps=1, num_candidates=2, max_answer_retries=3)
    final = asyncio.run(run_agent(task_dir, settings, run_dir, model=model))

    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", load_task(task_dir)) == []
    assert sum(model.counts.values()) >= 5
    assert sum(n for kind, n in model.counts.items() if kind != "clean") >= 3, model.counts
    if model.counts.get("refusal"):  # which forms come depends on the calls the run makes
        assert "answer not usable" in (run_dir / "log.txt").read_text()
