"""The offline engine's front door: reads the user's message the way an LLM would, by rules.

A message that names a task folder with a verb such as "solve" or "run" (and optionally a budget:
"in 5 minutes", "with budget 300") becomes a `start_run` call; a question about the run becomes a
`run_status` call; anything else is answered with the description of the method. After a tool call
it answers from the tool's result. It is a model of its own, not a role of `OfflineEngine`, because
its input is a conversation (the user's latest message and this turn's tool results), not a prompt
rendered from a role's request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncGenerator, Mapping, Optional, Sequence

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import types

from ....sub_agents.front_door.prompt import METHOD, RUN_STATUS, START_RUN
from ..engine import CHARS_PER_TOKEN
from .common import Reply, ToolCall

_RUN_VERB = re.compile(r"\b(solve|run|start|launch|train|tackle|work on|try)\b", re.IGNORECASE)
_PATH_TOKEN = re.compile(r"[\w.~/\\-]+")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b", re.IGNORECASE)
_BARE_BUDGET = re.compile(r"\bbudget(?:\s+of)?\s*[:=]?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_STATUS_WORDS = re.compile(
    r"\b(status|progress|phase|best score|score so far|run folder|submission|how is it going|how's it going|"
    r"how is the run|going)\b", re.IGNORECASE)
# ADK hands an LLM agent the messages of other agents as user turns that open with this preamble.
_OTHER_AGENT_PREAMBLE = "For context:"


@dataclass(frozen=True)
class RunRequest:
    """A request to run MLE-STAR on a task folder, with the budget in seconds if one was given."""

    task_dir: str
    time_budget_s: Optional[float] = None


def parse_run_request(message: str) -> Optional[RunRequest]:
    """The run a message asks for, or None.

    The task folder is the first word that looks like a path (has a slash) or names an existing folder;
    the message must also ask to run it ("solve", "run", "start", ...) unless it is the path alone. The
    budget is a duration ("in 5 minutes", "300s", "1.5 hours") or a number after "budget" (seconds).

    >>> parse_run_request("solve tasks/breast-cancer in 5 minutes")
    RunRequest(task_dir='tasks/breast-cancer', time_budget_s=300.0)
    """
    folder = _folder_in(message)
    if folder is None:
        return None
    rest = message.replace(folder, " ", 1)
    if not _RUN_VERB.search(rest) and rest.strip(" `'\".!") != "":
        return None
    return RunRequest(task_dir=folder, time_budget_s=_budget_in(rest))


def _folder_in(message: str) -> Optional[str]:
    tokens = [t.rstrip(".,;:!?") for t in _PATH_TOKEN.findall(message)]
    for token in tokens:
        if "/" in token.strip("/") or "\\" in token:
            return token
    for token in tokens:
        if token and not token.isdigit() and Path(token).expanduser().is_dir():
            return token
    return None


def _budget_in(text: str) -> Optional[float]:
    duration = _DURATION.search(text)
    if duration:
        return float(duration.group(1)) * _UNITS[duration.group(2)[0].lower()]
    bare = _BARE_BUDGET.search(text)
    return float(bare.group(1)) if bare else None


def asks_status(message: str) -> bool:
    """Whether the message asks about the current run."""
    return bool(_STATUS_WORDS.search(message))


def reply(message: str, tool_results: Mapping[str, Any]) -> Reply:
    """The front door's answer to `message`, given the results of the tools it called this turn."""
    if START_RUN in tool_results:
        return describe_start(tool_results[START_RUN])
    if RUN_STATUS in tool_results:
        return describe_status(tool_results[RUN_STATUS])
    request = parse_run_request(message)
    if request is not None:
        args: dict[str, Any] = {"task_dir": request.task_dir}
        if request.time_budget_s is not None:
            args["time_budget_s"] = request.time_budget_s
        return ToolCall(START_RUN, args)
    if asks_status(message):
        return ToolCall(RUN_STATUS, {})
    return METHOD


def describe_start(result: Mapping[str, Any]) -> str:
    if result.get("error"):
        return f"I could not start a run: {result['error']}"
    return (f"Starting MLE-STAR on {result['task']} ({result['metric']}) with a budget of "
            f"{result['time_budget_s']:g} s; progress follows.")


def describe_status(status: Mapping[str, Any]) -> str:
    if not status.get("run_dir"):
        return ('No run has started in this session. Name a task folder to start one, e.g. '
                '"solve tasks/breast-cancer in 10 minutes".')
    text = f"Run on {status['task']}: {status['phase']}."
    if status.get("best_score") is not None:
        text += f" Best validation {status['metric']} so far: {status['best_score']:.6g} ({status['best_from']})."
    else:
        text += " No scored script yet."
    text += f" Run folder: {status['run_dir']}."
    if status.get("submission"):
        text += f" Submission: {status['submission']}."
    return text


class OfflineFrontDoor(BaseLlm):
    """The front door's model when the run's model is "offline": answers with `reply`."""

    model: str = "mle-star-offline-front-door"

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False
                                     ) -> AsyncGenerator[LlmResponse, None]:
        message, results = _this_turn(llm_request.contents)
        answer = reply(message, results)
        if isinstance(answer, ToolCall):
            part = types.Part(function_call=types.FunctionCall(name=answer.name, args=answer.args))
        else:
            part = types.Part(text=str(answer))
        # Tokens counted as the engine counts them, so the front door's usage reads like an LLM's.
        prompt_tokens = len(message) // CHARS_PER_TOKEN
        answer_tokens = len(part.text or json.dumps(part.function_call.args)) // CHARS_PER_TOKEN
        usage = types.GenerateContentResponseUsageMetadata(prompt_token_count=prompt_tokens,
                                                           candidates_token_count=answer_tokens,
                                                           total_token_count=prompt_tokens + answer_tokens)
        yield LlmResponse(content=types.Content(role="model", parts=[part]), turn_complete=True,
                          usage_metadata=usage)


def _this_turn(contents: Sequence[types.Content]) -> tuple[str, dict[str, Any]]:
    """The user's latest message and the results of the tools called since, by tool name."""
    results: dict[str, Any] = {}
    for content in reversed(contents):
        for part in content.parts or []:
            if part.function_response is not None:
                results.setdefault(part.function_response.name, part.function_response.response or {})
        if content.role == "user":
            text = "".join(p.text for p in content.parts or [] if p.text and not p.thought)
            if text and not text.startswith(_OTHER_AGENT_PREAMBLE):
                return text, results
    return "", results
