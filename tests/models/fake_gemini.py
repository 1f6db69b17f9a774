"""A scripted fake Gemini at the google-genai level: a `google.genai.Client` whose
`aio.models.generate_content` (what ADK's `Gemini` model calls) answers with real
`GenerateContentResponse` objects, so ADK's own Gemini code path (request building, response
parsing, function-call round trips, grounding, usage) runs as it does against the API.

Each answer comes from the offline engine's role handlers applied to the request; on top of them it
scripts what a Gemini model does that the engine does not: in JSON mode it answers bare JSON; with a
`web_search` tool on offer it searches the web once before answering; and a request carrying the
built-in `google_search` tool (the web-search sub-agent's) is answered with grounding metadata (web sources).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

from google import genai
from google.adk.models.llm_request import LlmRequest
from google.genai import types

from machine_learning_engineering.models.offline.engine import OfflineEngine

WEB_SEARCH = "web_search"
CHARS_PER_TOKEN = 4
MODEL_BLOCK = "# [block: model]"
SCRIPTED_FAULT = 'raise RuntimeError("xgboost failed to train (a fault scripted by the fake Gemini)")'
WEB_SOURCES = (
    ("https://www.kaggle.com/competitions", "Kaggle competitions: winning solutions", "kaggle.com"),
    ("https://scikit-learn.org/stable/user_guide.html", "scikit-learn user guide", "scikit-learn.org"),
)


@dataclass
class FakeCall:
    """One generate_content call as the fake saw it."""

    model: str
    role: Optional[str]                 # from the prompt's `[mle-star role: X]` header
    declared: list[str]                 # function tools on offer
    google_search: bool                 # the built-in Google Search tool is on offer
    json_mode: bool                     # the answer must be JSON (response_mime_type)
    function_calls: list[str]           # function calls earlier in the turn (the model's own)
    function_responses: dict[str, Any]  # their results, by tool name
    answer: str = ""                    # "text" or "call:<tool>"
    call_args: Optional[dict[str, Any]] = None  # the arguments, when the answer is a call
    prompt_tokens: int = 0
    output_tokens: int = 0


class FakeGeminiClient(genai.Client):
    """Stands in for `google.genai.Client(api_key=...)`; nothing leaves the process. `calls` holds
    every request it answered, in order."""

    def __init__(self, engine: Optional[OfflineEngine] = None, break_first: tuple[str, ...] = ()) -> None:
        """`break_first`: roles whose first script crashes (so the debugger has work)."""
        # Not the real __init__: that builds an HTTP client from the environment.
        self.engine = engine or OfflineEngine()
        self.calls: list[FakeCall] = []
        self.to_break = set(break_first)
        self._fake_aio = _FakeAsyncClient(_FakeAsyncModels(self))

    @property
    def aio(self) -> "_FakeAsyncClient":  # type: ignore[override]
        return self._fake_aio

    @property
    def vertexai(self) -> bool:  # type: ignore[override]
        return False

    def close(self) -> None:
        pass

    def by_role(self, role: Optional[str]) -> list[FakeCall]:
        return [c for c in self.calls if c.role == role]


@dataclass
class _FakeAsyncClient:
    models: "_FakeAsyncModels"

    async def aclose(self) -> None:
        pass


@dataclass
class _FakeAsyncModels:
    client: FakeGeminiClient

    async def generate_content(self, *, model: str, contents: Any,
                               config: Optional[types.GenerateContentConfig] = None) -> types.GenerateContentResponse:
        return await self._answer(model, _as_contents(contents), config or types.GenerateContentConfig())

    async def generate_content_stream(self, *, model: str, contents: Any,
                                      config: Optional[types.GenerateContentConfig] = None
                                      ) -> AsyncIterator[types.GenerateContentResponse]:
        response = await self.generate_content(model=model, contents=contents, config=config)

        async def one() -> AsyncIterator[types.GenerateContentResponse]:
            yield response
        return one()

    async def _answer(self, model: str, contents: list[types.Content],
                      config: types.GenerateContentConfig) -> types.GenerateContentResponse:
        system = _text(config.system_instruction)
        declared = [d.name for t in config.tools or [] if isinstance(t, types.Tool)
                    for d in t.function_declarations or []]
        searches = any(isinstance(t, types.Tool) and t.google_search is not None for t in config.tools or [])
        parts = [p for c in contents for p in c.parts or []]
        call = FakeCall(model=model, role=_role(system), declared=declared, google_search=searches,
                        json_mode=config.response_mime_type == "application/json",
                        function_calls=[p.function_call.name for p in parts if p.function_call],
                        function_responses={p.function_response.name: p.function_response.response
                                            for p in parts if p.function_response})
        grounding = None
        if searches:
            if declared:
                raise AssertionError(f"Gemini rejects google_search combined with function tools {declared}")
            part, grounding = _web_answer(" ".join(_text(c) for c in contents))
        else:
            part = await self._engine_answer(model, system, contents)
            if call.json_mode and part.text:
                part = types.Part(text=_bare_json(part.text))
            if call.role in self.client.to_break and part.text and MODEL_BLOCK in part.text:
                self.client.to_break.discard(call.role)
                part = types.Part(text=part.text.replace(MODEL_BLOCK, MODEL_BLOCK + "\n" + SCRIPTED_FAULT, 1))
            if part.function_call is None and WEB_SEARCH in declared and WEB_SEARCH not in call.function_calls:
                part = types.Part(function_call=types.FunctionCall(
                    name=WEB_SEARCH, args={"request": _search_request(system, parts)}))
        if part.function_call is not None and part.function_call.name not in declared:
            raise AssertionError(f"the model called {part.function_call.name!r}, not among the tools {declared}")
        call.answer = f"call:{part.function_call.name}" if part.function_call else "text"
        call.call_args = dict(part.function_call.args or {}) if part.function_call else None
        request_chars = len(system) + sum(len(_text(c)) + len(json.dumps(_calls_and_results(c), default=str))
                                          for c in contents)
        answer_chars = len(part.text or "") + (len(json.dumps(part.function_call.args)) if part.function_call else 0)
        call.prompt_tokens, call.output_tokens = 1 + request_chars // CHARS_PER_TOKEN, 1 + answer_chars // CHARS_PER_TOKEN
        self.client.calls.append(call)
        return types.GenerateContentResponse(
            candidates=[types.Candidate(content=types.Content(role="model", parts=[part]), index=0,
                                        finish_reason=types.FinishReason.STOP, grounding_metadata=grounding)],
            usage_metadata=types.GenerateContentResponseUsageMetadata(
                prompt_token_count=call.prompt_tokens, candidates_token_count=call.output_tokens,
                total_token_count=call.prompt_tokens + call.output_tokens),
            model_version=model, response_id=f"fake-{len(self.client.calls)}")

    async def _engine_answer(self, model: str, system: str, contents: list[types.Content]) -> types.Part:
        request = LlmRequest(model=model, contents=contents,
                             config=types.GenerateContentConfig(system_instruction=system))
        responses = [r async for r in self.client.engine.generate_content_async(request)]
        return responses[-1].content.parts[0]


def _web_answer(question: str) -> tuple[types.Part, types.GroundingMetadata]:
    text = ("Top solutions to similar tasks use gradient-boosted trees (LightGBM, CatBoost, XGBoost) with "
            "careful cross-validation, and average several strong models. For errors, read the last line of "
            "the traceback: a missing column or a shape mismatch is fixed where the data is prepared.")
    grounding = types.GroundingMetadata(
        web_search_queries=[question[:200]],
        grounding_chunks=[types.GroundingChunk(web=types.GroundingChunkWeb(uri=uri, title=title, domain=domain))
                          for uri, title, domain in WEB_SOURCES],
        grounding_supports=[types.GroundingSupport(
            segment=types.Segment(start_index=0, end_index=len(text), text=text),
            grounding_chunk_indices=list(range(len(WEB_SOURCES))), confidence_scores=[0.9] * len(WEB_SOURCES))],
        search_entry_point=types.SearchEntryPoint(rendered_content="<div>Google Search suggestions</div>"))
    return types.Part(text=text), grounding


def _bare_json(text: str) -> str:
    """What Gemini's JSON mode returns: the JSON alone, no fence and no prose."""
    body = text.split("```json", 1)[1].split("```", 1)[0] if "```json" in text else text
    json.loads(body)  # a JSON-mode answer that is not JSON would be a bug of the fake's engine
    return body.strip()


def _search_request(system: str, parts: list[types.Part]) -> str:
    """What the model would search for: its catalog query when it made one, else the error it fixes."""
    for part in parts:
        if part.function_call and (part.function_call.args or {}).get("query"):
            return f"winning machine learning approaches for: {part.function_call.args['query']}"
    error = system.split("\n## Error", 1)[-1].split("\n## ", 1)[0] if "\n## Error" in system else ""
    lines = [ln.strip() for ln in error.splitlines() if ln.strip() and not ln.startswith("```")]
    return f"how to fix: {lines[-1][:200] if lines else 'a failing Python script'}"


def _as_contents(contents: Any) -> list[types.Content]:
    items = contents if isinstance(contents, list) else [contents]
    return [c if isinstance(c, types.Content) else types.Content(role="user", parts=[types.Part(text=str(c))])
            for c in items]


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p.text for p in content.parts or [] if p.text)


def _calls_and_results(content: types.Content) -> list[Any]:
    return [p.function_call.args if p.function_call else p.function_response.response
            for p in content.parts or [] if p.function_call or p.function_response]


def _role(system: str) -> Optional[str]:
    marker = "[mle-star role:"
    if marker not in system:
        return None
    return system.split(marker, 1)[1].split("]", 1)[0].strip()
