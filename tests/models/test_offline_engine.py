"""The offline engine answers each agent role from the prompt alone, as an LLM would."""

from __future__ import annotations

import asyncio

import pytest
from google.adk.models.llm_request import LlmRequest
from google.genai import types

from machine_learning_engineering.models.offline.engine import OfflineEngine
from machine_learning_engineering.models.offline.roles.guards import find_leaks
from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.state import PlanTrial
from machine_learning_engineering.protocol import RoleRequest
from machine_learning_engineering.sub_agents.guards.prompt import DebugRequest, UsageRequest
from machine_learning_engineering.sub_agents.initializer.prompt import CandidateRequest
from machine_learning_engineering.sub_agents.refinement.prompt import BlockChoiceRequest, PlannerRequest
from machine_learning_engineering.sub_agents.retriever.prompt import RetrievalRequest
from machine_learning_engineering.task import load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.tools.code_blocks import block_names, get_block, replace_block


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    task = load_task(build_task("breast-cancer", tmp_path_factory.mktemp("tasks")))
    return make_brief(task, profile_task(task), n_folds=5, seed=42)


@pytest.fixture(scope="module")
def engine():
    return OfflineEngine()


def _ask(engine: OfflineEngine, request: RoleRequest, tool_result: dict | None = None):
    """The engine's reply part to a rendered request (as an LLM agent would send it)."""
    prompt = request.render()
    contents = [types.Content(role="user", parts=[types.Part(text="Continue.")])]
    if tool_result is not None:
        contents.append(types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
            name="search_model_cards", response=tool_result))]))
    request = LlmRequest(contents=contents, config=types.GenerateContentConfig(system_instruction=prompt))

    async def collect():
        return [r async for r in engine.generate_content_async(request)]
    return asyncio.run(collect())[-1].content.parts[0]


def test_retriever_searches_the_catalog_then_answers_with_models(engine, brief):
    request = RetrievalRequest(brief=brief, description="Predict the diagnosis.", count=3)
    first = _ask(engine, request)
    assert first.function_call.name == "search_model_cards"
    assert "binary" in first.function_call.args["query"]
    cards = {"models": [{"name": n, "summary": f"{n} card", "example_code": "..."}
                        for n in ("lightgbm", "catboost", "xgboost", "random_forest")]}
    answer = request.answer_text(_ask(engine, request, cards).text)
    assert [m.name for m in answer.models] == ["lightgbm", "catboost", "xgboost"]


def test_a_text_task_with_a_table_of_its_own_gets_a_table_model_second(engine, brief):
    mixed = {**brief, "columns": [{"name": "text", "role": "text"}] + [{"name": f"x{i}", "role": "numeric"}
                                                                         for i in range(3)]}
    request = RetrievalRequest(brief=mixed, description="Predict the pizza.", count=2)
    cards = {"models": [{"name": n, "summary": f"{n} card", "example_code": "..."}
                        for n in ("tfidf_linear", "sentence_embeddings", "xgboost", "lightgbm")]}
    answer = request.answer_text(_ask(engine, request, cards).text)
    assert [m.name for m in answer.models] == ["tfidf_linear", "xgboost"]
    text_only = {**mixed, "columns": mixed["columns"][:2]}
    request = RetrievalRequest(brief=text_only, description="Predict the author.", count=2)
    answer = request.answer_text(_ask(engine, request, cards).text)
    assert [m.name for m in answer.models] == ["tfidf_linear", "sentence_embeddings"]


def test_a_sound_task_searches_with_sound_words_and_gets_a_table_model_second(engine, brief):
    sound = {**brief, "columns": [{"name": "clip", "role": "id"}], "audio_column": "clip"}
    request = RetrievalRequest(brief=sound, description="Find the whale calls.", count=2)
    assert "spectrogram" in _ask(engine, request).function_call.args["query"]
    cards = {"models": [{"name": n, "summary": f"{n} card", "example_code": "..."}
                        for n in ("spectrogram_cnn", "xgboost", "lightgbm")]}
    answer = request.answer_text(_ask(engine, request, cards).text)
    assert [m.name for m in answer.models] == ["spectrogram_cnn", "xgboost"]


def test_a_pixels_task_finds_the_denoising_network_then_trees(engine, brief):
    pages = {**brief, "task_kind": "regression", "metric": "rmse", "n_train": 200_000, "form": {"kind": "pixels"}}
    request = RetrievalRequest(brief=pages, description="Clean the scanned pages.", count=2)
    query = _ask(engine, request).function_call.args["query"]
    assert [c.name for c in engine.catalog.search_for_task(query, pages, k=2)] == ["denoising_cnn", "lightgbm"]


def _candidate(engine, brief) -> str:
    request = CandidateRequest(brief=brief, description="desc", model_name="lightgbm")
    return request.answer_text(_ask(engine, request).text).code


def test_candidate_writer_follows_the_block_contract(engine, brief):
    code = _candidate(engine, brief)
    assert block_names(code)[:3] == ["setup", "preprocessing", "features"]
    assert "lightgbm" in code and "Final Validation Performance" in code
    compile(code, "candidate.py", "exec")


def test_debugger_restores_the_block_named_by_the_error(engine, brief):
    code = _candidate(engine, brief)
    broken = replace_block(code, "preprocessing",
                           "def preprocess(train_df, test_df):\n    raise ValueError('boom')\n")
    error = "Traceback:\n  File \"solution.py\", line 300, in preprocess\nValueError: could not convert string to float: 'abc'"
    request = DebugRequest(brief=brief, code=broken, error=error)
    fixed = request.answer_text(_ask(engine, request).text).code
    assert "raise ValueError('boom')" not in fixed
    assert get_block(fixed, "preprocessing") == get_block(code, "preprocessing")
    assert get_block(fixed, "model") == get_block(broken, "model")


def test_planner_builds_on_history_and_stops_when_out_of_ideas(engine, brief):
    code = _candidate(engine, brief)

    def plan(trials: list[PlanTrial]):
        request = PlannerRequest(brief=brief, code=code, block="model", baseline=0.99,
                                 trials=[t.model_dump(include={"plan", "recipe", "score", "kept"}) for t in trials])
        return request.answer_text(_ask(engine, request).text)

    first = plan([])
    assert first.recipe and first.plan
    second = plan([PlanTrial(plan=first.plan, recipe=first.recipe, score=0.995, kept=True)])
    assert second.recipe != first.recipe
    seen = [first.recipe, second.recipe]
    for _ in range(40):
        answer = plan([PlanTrial(plan="p", recipe=r, score=0.9) for r in seen])
        if answer.stop:
            break
        assert answer.recipe not in seen
        seen.append(answer.recipe)
    else:
        pytest.fail("the planner never ran out of recipes")


def _choose(engine, brief, code: str, output: str, refined: tuple[str, ...] = ()):
    request = BlockChoiceRequest(brief=brief, description="desc", code=code, ablation_output=output,
                                 refined_blocks=list(refined), recipes={})
    return request.answer_text(_ask(engine, request).text)


def test_the_block_chooser_weighs_each_impact_against_its_noise(engine, brief):
    code = _candidate(engine, brief)
    # features moved the score most, but no more than its noise; model's smaller move stands out.
    answer = _choose(engine, brief, code, "Ablation baseline -> 0.95\n"
                     "Ablation result: features -> 0.93\nAblation noise: features -> 0.02\n"
                     "Ablation result: model -> 0.94\nAblation noise: model -> 0.001\n")
    assert answer.block == "model"
    assert "its ablation moved the score by 0.01 (noise 0.001)" in answer.summary
    assert "features: 0.02 (noise 0.02)" in answer.summary


def test_the_block_chooser_says_when_no_block_matters(engine, brief):
    code = _candidate(engine, brief)
    answer = _choose(engine, brief, code, "Ablation baseline -> 0.95\n"
                     "Ablation result: features -> 0.95\nAblation noise: features -> 0.0\n"
                     "Ablation result: model -> 0.951\nAblation noise: model -> 0.002\n")
    assert "No block's ablation moved the score beyond 2 times its fold noise" in answer.summary
    assert "most influential" not in answer.summary
    assert answer.block == "model"  # by experience, the block most often worth refining

    # A block that stands out but cannot be refined again is named, not called noise.
    closed = _choose(engine, brief, code, "Ablation baseline -> 0.95\n"
                     "Ablation result: features -> 0.80\nAblation noise: features -> 0.01\n"
                     "Ablation result: model -> 0.951\nAblation noise: model -> 0.002\n", refined=("features",))
    assert closed.summary.endswith("`features` moved the score beyond 2 times its fold noise, but is refined already "
                                   "or has no recipe left to try; refining `model`, the block most often worth it "
                                   "among the others.")
    assert closed.block == "model"

    failed = _choose(engine, brief, code, "Ablation baseline -> 0.95\nAblation result: model -> nan\n")
    assert failed.summary.startswith("The ablation gave no usable scores") and failed.block == "model"


def test_usage_checker_reports_an_unread_data_file(engine, brief):
    code = "import pandas as pd\ntrain = pd.read_csv('input/train.csv')\ntest = pd.read_csv('input/test.csv')\n" \
           "sub = pd.read_csv('input/sample_submission.csv')\n"
    def check(files: list[str]):
        request = UsageRequest(brief=brief, code=code, inventory="inventory", data_files=files)
        return request.answer_text(_ask(engine, request).text)

    answer = check(["train.csv", "test.csv", "sample_submission.csv", "extra.csv"])
    assert answer.all_used is False and answer.unused == ["extra.csv"]
    assert check(["train.csv", "test.csv", "sample_submission.csv"]).all_used is True


@pytest.mark.parametrize("code, leaks", [
    ("full = pd.concat([train, test])\nscaler.fit(full[cols])\n", 1),
    ("scaler.fit_transform(test_df.values)\n", 1),
    ("X = pd.concat([train_df, test_df]).drop(columns='y')\nenc.fit(X)\n", 1),
    ("X_tr, X_te = preprocess(train_df, test_df)\nmodel.fit(X_tr, y)\n", 0),
    ("scaler.fit(train[cols])\nX_test = scaler.transform(test[cols])\n", 0),
])
def test_leakage_finder(code, leaks):
    assert len(find_leaks(code)) == leaks
