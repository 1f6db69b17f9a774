"""The offline engine: an ADK model that plays every agent's role with no network and no key.

It reads the request an LLM would get back into the role's typed request (`sub_agents.roles`),
answers in the format an LLM must produce (the role's answer model, rendered: code in fences, JSON
plans; or a tool call), and draws its knowledge from the
catalog of model cards, refinement recipes and ensemble strategies (`machine_learning_engineering/
knowledge`, extended by the user's own folders).
"""

from __future__ import annotations

import json
from pathlib import Path
from functools import cached_property
from typing import AsyncGenerator

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import types

from ...knowledge import Catalog, load_catalog
from ...protocol import RoleAnswer
from ...sub_agents.roles import read_request
from .roles import HANDLERS, Reply, ToolCall

GREETING = ("I am the MLE-STAR offline engine. I answer the agents of the MLE-STAR graph; "
            "give me a task folder, e.g. 'solve tasks/breast-cancer'.")
# Rough characters per token, to report the engine's work in the same units as an LLM's.
CHARS_PER_TOKEN = 4


class OfflineEngine(BaseLlm):
    """Answers each agent from its request, dispatching on the role named in the prompt."""

    model: str = "mle-star-offline"
    cards_dirs: tuple[str, ...] = ()

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(tuple(Path(p) for p in self.cards_dirs))

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False
                                     ) -> AsyncGenerator[LlmResponse, None]:
        text = _request_text(llm_request)
        request = read_request(text)
        handler = HANDLERS.get(request.role) if request is not None else None
        reply: Reply = GREETING if handler is None else handler(request, self.catalog, _tool_results(llm_request))
        yield _response(reply, prompt_chars=len(text))


def _request_text(request: LlmRequest) -> str:
    system = request.config.system_instruction if request.config else None
    parts = [system if isinstance(system, str) else _content_text(system)]
    parts += [_content_text(c) for c in request.contents]
    return "\n".join(p for p in parts if p)


def _content_text(content) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p.text for p in (content.parts or []) if getattr(p, "text", None))


def _tool_results(request: LlmRequest) -> dict[str, object]:
    """Results of tool calls earlier in this turn, by tool name."""
    results: dict[str, object] = {}
    for content in request.contents:
        for part in content.parts or []:
            if part.function_response is not None:
                results[part.function_response.name] = part.function_response.response
    return results


def _response(reply: Reply, prompt_chars: int) -> LlmResponse:
    if isinstance(reply, ToolCall):
        part = types.Part(function_call=types.FunctionCall(name=reply.name, args=reply.args))
        answer_chars = len(json.dumps(reply.args))
    else:
        text = reply.render() if isinstance(reply, RoleAnswer) else str(reply)
        part = types.Part(text=text)
        answer_chars = len(text)
    usage = types.GenerateContentResponseUsageMetadata(
        prompt_token_count=prompt_chars // CHARS_PER_TOKEN, candidates_token_count=answer_chars // CHARS_PER_TOKEN,
        total_token_count=(prompt_chars + answer_chars) // CHARS_PER_TOKEN)
    return LlmResponse(content=types.Content(role="model", parts=[part]), turn_complete=True, usage_metadata=usage)
