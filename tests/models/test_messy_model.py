"""The messy model turns canonical answers into the untidy forms it names, at the rate it is given."""

from __future__ import annotations

import ast
import asyncio
import json
import re
from typing import Optional

import pytest
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import errors, types

from machine_learning_engineering.config import Settings
from machine_learning_engineering.models import messy
from machine_learning_engineering.models.credentials import check_backend
from machine_learning_engineering.models.factory import resolve_model
from machine_learning_engineering.models.messy import MessyModel
from machine_learning_engineering.sub_agents.llm_steps import is_transient
from machine_learning_engineering.sub_agents.refinement.prompt import ImplementRequest
from machine_learning_engineering.tools.code_blocks import block_names, replace_block

SCRIPT = """\
# [block: setup]
import pandas as pd

# [block: model]
model = dict(n_estimators=100, learning_rate=0.1)

# [block: submission]
print("Final Validation Performance: 0.9")
pd.DataFrame({"id": [1], "y": [0.5]}).to_csv("submission.csv", index=False)
"""
NEW_BLOCK = "# [block: model]\nmodel = dict(n_estimators=300, learning_rate=0.05)\n"
CODE_ANSWER = "Raised the number of trees.\n\n```python\n" + SCRIPT + "```\n"
VERDICT = {"leakage": False, "explanation": "every step is fitted on training folds", "fix": None}
JSON_ANSWER = "```json\n" + json.dumps(VERDICT, indent=1) + "\n```\n"
PLAN_LIST = [{"name": "lightgbm", "reason": "fast"}, {"name": "catboost", "reason": "categoricals"}]
TOOL_ARGS = {"query": "binary classification", "k": 8}


class Fixed(BaseLlm):
    """Answers every prompt with `text`, or with a tool call when `tool` is set."""

    model: str = "fixed"
    text: str = ""
    tool: bool = False

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False):
        part = (types.Part(function_call=types.FunctionCall(name="search_model_cards", args=TOOL_ARGS)) if self.tool
                else types.Part(text=self.text))
        yield LlmResponse(content=types.Content(role="model", parts=[part]), turn_complete=True)


def _request(prompt: str) -> LlmRequest:
    return LlmRequest(contents=[types.Content(role="user", parts=[types.Part(text="Continue.")])],
                      config=types.GenerateContentConfig(system_instruction=prompt))


def _ask(model: MessyModel, prompt: str = "[mle-star role: debugger]\nFix it.") -> types.Part:
    async def collect():
        return [r async for r in model.generate_content_async(_request(prompt))]
    return asyncio.run(collect())[-1].content.parts[0]


def _messy(text: str = CODE_ANSWER, kind: Optional[str] = None, rate: float = 1.0, seed: int = 7,
           kinds: tuple[str, ...] = messy.KINDS) -> MessyModel:
    return MessyModel(inner=Fixed(text=text), rate=rate, seed=seed, kinds=(kind,) if kind else kinds,
                      timeout_wait_s=0.0)


def _fences(text: str) -> list[tuple[str, str]]:
    """(label, body) of each closed fence."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\S*)\n(.*?)^```$", text, re.M | re.S)]


def _only(kind: str, text: str = CODE_ANSWER, prompt: str = "[mle-star role: debugger]\nFix it.") -> str:
    model = _messy(text, kind)
    answer = _ask(model, prompt).text
    assert model.counts == {kind: 1}
    return answer


def test_prose_wraps_the_answer_in_sentences_before_and_after():
    answer = _only(messy.PROSE)
    first, last = answer.strip().splitlines()[0], answer.strip().splitlines()[-1]
    assert first in messy.INTROS and last in messy.OUTROS
    assert _fences(answer) == [("python", SCRIPT)]


def test_bare_fence_drops_every_label():
    answer = _only(messy.BARE_FENCE, JSON_ANSWER + "\n```python\nprint(1)\n```\n")
    assert [label for label, _ in _fences(answer)] == ["", ""]


def test_wrong_label_mislabels_code_and_json():
    code = _fences(_only(messy.WRONG_LABEL))
    assert code[0][0] in messy.CODE_LABELS and code[0][1] == SCRIPT
    assert _fences(_only(messy.WRONG_LABEL, JSON_ANSWER)) == [("javascript", json.dumps(VERDICT, indent=1) + "\n")]


def _json_body(answer: str) -> str:
    (label, body), = _fences(answer)
    assert label == "json"
    return body


def test_json_extra_keys_adds_keys_to_every_object():
    assert json.loads(_json_body(_only(messy.JSON_EXTRA_KEYS, JSON_ANSWER))) == {**VERDICT, **messy.EXTRA_KEYS}
    listed = "```json\n" + json.dumps(PLAN_LIST) + "\n```"
    assert json.loads(_json_body(_only(messy.JSON_EXTRA_KEYS, listed))) == [{**p, **messy.EXTRA_KEYS}
                                                                           for p in PLAN_LIST]


def test_json_trailing_commas_close_every_container():
    body = _json_body(_only(messy.JSON_TRAILING_COMMAS, "```json\n" + json.dumps(PLAN_LIST) + "\n```"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert len(re.findall(r",\n *[}\]]", body)) == 3
    assert json.loads(re.sub(r",(\n *[}\]])", r"\1", body)) == PLAN_LIST


def test_json_python_literals_write_true_false_none():
    body = _json_body(_only(messy.JSON_PYTHON_LITERALS, JSON_ANSWER))
    assert '"leakage": False' in body and '"fix": None' in body
    assert ast.literal_eval(body) == VERDICT


def test_json_single_quotes_quote_keys_only():
    body = _json_body(_only(messy.JSON_SINGLE_QUOTES, JSON_ANSWER))
    assert "'leakage': false" in body and "'explanation': \"every step" in body
    assert ast.literal_eval(body.replace("false", "False").replace("null", "None")) == VERDICT


def test_json_comment_adds_a_comment_line():
    body = _json_body(_only(messy.JSON_COMMENT, JSON_ANSWER))
    lines = body.splitlines()
    assert lines[1].strip() == messy.COMMENT
    assert json.loads("\n".join(lines[:1] + lines[2:])) == VERDICT


def test_json_unfenced_leaves_the_json_bare_and_the_code_fenced():
    answer = _only(messy.JSON_UNFENCED, JSON_ANSWER + "\n```python\nprint(1)\n```\n")
    assert _fences(answer) == [("python", "print(1)\n")]
    assert json.loads(answer.split("```")[0]) == VERDICT


def test_whole_script_answers_an_implementer_with_the_whole_script():
    request = ImplementRequest(code=SCRIPT, block="model", plan={"plan": "more trees"})
    answer = _only(messy.WHOLE_SCRIPT, "```python\n" + NEW_BLOCK + "```\n", prompt=request.render())
    (label, body), = _fences(answer)
    assert body == replace_block(SCRIPT, "model", NEW_BLOCK)
    assert block_names(body) == ["setup", "model", "submission"] and "n_estimators=300" in body


def test_whole_script_fits_only_the_implementer():
    model = _messy("```python\n" + NEW_BLOCK + "```\n", messy.WHOLE_SCRIPT)
    assert _ask(model).text == "```python\n" + NEW_BLOCK + "```\n"
    assert model.counts == {messy.CLEAN: 1}


def test_truncated_cuts_the_last_fence_and_leaves_it_open():
    answer = _only(messy.TRUNCATED)
    assert CODE_ANSWER.startswith(answer) and len(answer) < len(CODE_ANSWER) - len("```\n")
    assert answer.count("```") == 1 and "```python\n" in answer


def test_refusal_declines():
    assert _only(messy.REFUSAL) == messy.REFUSAL_TEXT


def test_syntax_error_deletes_one_closing_parenthesis():
    (label, body), = _fences(_only(messy.SYNTAX_ERROR))
    assert label == "python" and body.count(")") == SCRIPT.count(")") - 1
    with pytest.raises(SyntaxError):
        ast.parse(body)


@pytest.mark.parametrize("kind, error, status", [(messy.RATE_LIMIT, errors.ClientError, 429),
                                                 (messy.SERVER_ERROR, errors.ServerError, 503)])
def test_transport_errors_look_like_the_real_ones(kind, error, status):
    model = _messy(kind=kind)
    with pytest.raises(error) as raised:
        _ask(model)
    assert raised.value.code == status and str(status) in str(raised.value) and is_transient(raised.value)
    assert model.counts == {kind: 1}


def test_timeout_raises_a_timeout_error():
    with pytest.raises(asyncio.TimeoutError) as raised:
        _ask(_messy(kind=messy.TIMEOUT))
    assert is_transient(raised.value)


def test_tool_calls_pass_through_and_meet_only_errors():
    text_only = MessyModel(inner=Fixed(tool=True), rate=1.0, seed=1,
                           kinds=tuple(k for k in messy.KINDS if k not in messy.ERRORS))
    for n in range(20):
        part = _ask(text_only, f"[mle-star role: retriever]\nprompt {n}")
        assert part.function_call.name == "search_model_cards" and part.function_call.args == TOOL_ARGS
    assert text_only.counts == {messy.CLEAN: 20}
    model = MessyModel(inner=Fixed(tool=True), rate=1.0, seed=1, kinds=(messy.RATE_LIMIT,))
    failed = 0
    for n in range(200):
        try:
            _ask(model, f"[mle-star role: retriever]\nprompt {n}")
        except errors.ClientError:
            failed += 1
    assert 0.15 < failed / 200 < 0.35  # TOOL_CALL_SHARE of the rate


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_the_mess_rate_is_respected(rate):
    model = MessyModel(inner=Fixed(text=CODE_ANSWER), rate=rate, seed=3,
                       kinds=(messy.PROSE, messy.BARE_FENCE, messy.REFUSAL))
    for n in range(400):
        _ask(model, f"[mle-star role: debugger]\nprompt {n}")
    tally = model.tally()
    assert tally["answers"] == 400
    assert abs(tally["transformed"] / 400 - rate) < 0.07
    assert set(tally["counts"]) <= {messy.CLEAN, messy.PROSE, messy.BARE_FENCE, messy.REFUSAL}


def test_same_seed_same_mess_different_seed_different_mess():
    def answers(seed: int) -> list[str]:
        model = _messy(rate=0.5, seed=seed, kinds=tuple(k for k in messy.KINDS if k not in messy.ERRORS))
        return [_ask(model, f"[mle-star role: debugger]\nprompt {n % 10}").text for n in range(30)]
    assert answers(1) == answers(1)
    assert answers(1) != answers(2)


def test_asking_the_same_prompt_again_draws_again():
    model = _messy(rate=0.5, kinds=(messy.REFUSAL,))
    texts = {_ask(model).text for _ in range(20)}
    assert texts == {messy.REFUSAL_TEXT, CODE_ANSWER}


def test_the_tally_is_written_to_the_log_file(tmp_path):
    log = tmp_path / "run" / "messy.json"
    model = MessyModel(inner=Fixed(text=CODE_ANSWER), rate=1.0, seed=1, kinds=(messy.REFUSAL,), log_path=str(log))
    _ask(model)
    _ask(model, "[mle-star role: merger]\nMerge.")
    tally = json.loads(log.read_text())
    assert tally["answers"] == 2 and tally["counts"] == {messy.REFUSAL: 2}
    assert tally["by_role"] == {"debugger": {messy.REFUSAL: 1}, "merger": {messy.REFUSAL: 1}}


def test_bad_rates_and_kinds_are_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        MessyModel(inner=Fixed(), rate=1.5)
    with pytest.raises(ValueError, match="unknown mess kind"):
        MessyModel(inner=Fixed(), kinds=("sloppy",))
    for name in ("messy:2", "messy:lots"):
        with pytest.raises(ValueError, match="messy:0.3"):
            messy.parse_rate(name)


def test_the_factory_builds_it_from_the_model_string(monkeypatch, tmp_path):
    monkeypatch.setenv(messy.LOG_VAR, str(tmp_path / "messy.json"))
    monkeypatch.setenv(messy.KINDS_VAR, "prose, refusal")
    settings = Settings(model="messy:0.5", seed=11)
    check_backend(settings, environ={})
    model = resolve_model("messy:0.5", settings)
    assert isinstance(model, MessyModel) and type(model.inner).__name__ == "OfflineEngine"
    assert (model.rate, model.seed, model.kinds) == (0.5, 11, (messy.PROSE, messy.REFUSAL))
    assert model.log_path == str(tmp_path / "messy.json")
    assert resolve_model("messy", settings).rate == messy.DEFAULT_RATE
