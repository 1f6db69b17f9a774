"""How an orchestrating agent asks one of its LLM roles a question: the one resilient LLM step.

An orchestrator builds the role's typed request (its agent's `prompt.py`); `ask` renders it, stores
the prompt in session state under `prompt_key(agent)`, runs the LLM agent (whose instruction
provider reads that key) and parses the reply into the role's answer model. Around that:

- a time-out per call drawn from the run's budget, and retries with back-off on rate limits,
  server errors and time-outs;
- a reply that cannot be used is asked again with what was wrong (bounded), then the step
  degrades: `out.value` stays None and the caller keeps what it has;
- every exchange is written to the run folder with its tokens and cost; the cost budget halts the
  run's budget so every phase winds down to the submission.

The LLM agent sees nothing but its prompt, so parallel solutions never read each other's conversation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import AsyncGenerator, Generic, Optional, Sequence, TypeVar, Union

from google.adk.agents import BaseAgent, LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.agents.readonly_context import ReadonlyContext
from google.adk.events import Event, EventActions
from google.adk.models.base_llm import BaseLlm
from google.genai import types

from ..protocol import AnswerError, RoleAnswer, RoleRequest, role_header
from ..run_context import RunContext, get_run
from ..state import prompt_key
from .roles import json_schema_of

T = TypeVar("T")
logger = logging.getLogger("mle_star")

# HTTP statuses worth another try: rate limits and server-side failures.
TRANSIENT_STATUSES = (408, 429, 500, 502, 503, 504)
TRANSIENT_RETRIES = 4
BACKOFF_S = (2.0, 5.0, 15.0, 30.0)
# A call given less than this would only time out.
MIN_CALL_S = 5.0


@dataclass
class Box(Generic[T]):
    """Carries a result out of an async generator that yields ADK events; `exchange` names the
    exchange file behind it, when it came from a model."""

    value: Optional[T] = None
    exchange: Optional[str] = None


def make_llm_agent(name: str, role: str, model: Union[str, BaseLlm], description: str,
                   tools: Sequence = ()) -> LlmAgent:
    """An LLM agent whose whole instruction is the prompt its orchestrator stored for it."""

    def instruction(context: ReadonlyContext) -> str:
        return context.state.get(prompt_key(name)) or role_header(role)

    # Gemini's JSON mode constrains JSON roles' answers to their schema; other backends are parsed leniently.
    schema = json_schema_of(role) if _is_gemini(model) and not tools else None
    return LlmAgent(
        name=name,
        model=model,
        description=description,
        instruction=instruction,
        include_contents="none",
        tools=list(tools),
        output_schema=schema,
        generate_content_config=types.GenerateContentConfig(temperature=0.7),
    )


def _is_gemini(model: Union[str, BaseLlm]) -> bool:
    name = model if isinstance(model, str) else getattr(model, "model", "")
    return isinstance(name, str) and name.removeprefix("models/").startswith("gemini")


def state_event(author: BaseAgent, ctx: InvocationContext, delta: dict, text: Optional[str] = None) -> Event:
    """An event that records a state change (and optionally a line of progress for the UI)."""
    content = types.Content(role="model", parts=[types.Part(text=text)]) if text else None
    return Event(author=author.name, invocation_id=ctx.invocation_id, branch=ctx.branch,
                 actions=EventActions(state_delta=delta), content=content)


async def ask(parent: BaseAgent, ctx: InvocationContext, agent: LlmAgent, request: RoleRequest,
              out: Box[RoleAnswer]) -> AsyncGenerator[Event, None]:
    """Asks `agent` for `request`'s answer, yielding its events; the parsed answer lands in `out`
    (None when no usable answer came: the caller degrades)."""
    run = get_run(ctx.session.state)
    settings = run.settings if run else None
    reasks = settings.max_answer_retries if settings else 2
    prompt = request.render()
    out.value, out.exchange = None, None
    for round_no in range(reasks + 1):
        reply: Box[str] = Box()
        async for event in _call(parent, ctx, run, agent, request.role, prompt, reply):
            yield event
        if reply.value is None:
            return  # the model could not be reached; _call said why
        try:
            out.value = request.answer_text(reply.value)
            out.exchange = reply.exchange
            return
        except AnswerError as exc:
            problem = str(exc)
            _note_problem(run, reply.exchange, problem)
            more = exc.retry and round_no < reasks
            _log(run, f"[{agent.name}] answer not usable ({problem[:200]})"
                      + ("; asking again" if more else "; the step goes on without it"))
            if not more:
                return
            prompt = request.render_retry(reply.value, problem)


async def _call(parent: BaseAgent, ctx: InvocationContext, run: Optional[RunContext], agent: LlmAgent, role: str,
                prompt: str, reply: Box[str]) -> AsyncGenerator[Event, None]:
    """One question to the model, with time-outs and retries on transient errors; the final text
    lands in `reply` (None when the model could not answer)."""
    replayed = run.exchanges.replay(agent.name, prompt) if run is not None else None
    if replayed is not None:  # asked before this run was resumed: the saved answer stands
        reply.value, reply.exchange = replayed
        return
    yield state_event(parent, ctx, {prompt_key(agent.name): prompt})
    async for event in _tries(ctx, run, agent, role, prompt, reply):
        yield event
    yield state_event(parent, ctx, {prompt_key(agent.name): None})


async def _tries(ctx: InvocationContext, run: Optional[RunContext], agent: LlmAgent, role: str, prompt: str,
                 reply: Box[str]) -> AsyncGenerator[Event, None]:
    """The call itself, tried again after transient errors."""
    model_name = _model_name(agent)
    for try_no in range(TRANSIENT_RETRIES + 1):
        if run is not None and run.budget.halted:
            _log(run, f"[{agent.name}] not asked: {run.budget.halted}")
            return
        timeout = _call_timeout(run)
        if timeout < MIN_CALL_S:
            _log(run, f"[{agent.name}] not asked: the time budget is exhausted")
            return
        exchange = run.exchanges.new(role, agent.name, model_name, prompt) if run else None
        started = time.monotonic()
        text, prompt_tokens, output_tokens, error = "", 0, 0, None
        try:
            async for event in _within(agent.run_async(ctx), timeout):
                if event.author == agent.name and event.usage_metadata is not None:
                    prompt_tokens += event.usage_metadata.prompt_token_count or 0
                    output_tokens += event.usage_metadata.candidates_token_count or 0
                if event.content and event.content.parts and not event.partial and event.author == agent.name:
                    final = "".join(p.text for p in event.content.parts if p.text and not p.thought)
                    text = final or text
                yield event
        except Exception as exc:  # noqa: BLE001 - any failure of a model call degrades the step
            error = exc
        if exchange is not None:
            exchange.answer, exchange.seconds = text, round(time.monotonic() - started, 3)
            exchange.prompt_tokens, exchange.output_tokens = prompt_tokens, output_tokens
            exchange.problem = describe_error(error) if error else None
            reply.exchange = run.exchanges.record(exchange)
            _check_cost(run)
        if error is None:
            reply.value = text
            return
        if not is_transient(error) or try_no == TRANSIENT_RETRIES:
            _log(run, f"[{agent.name}] model call failed ({describe_error(error)}); the step goes on without it")
            return
        wait = min(BACKOFF_S[min(try_no, len(BACKOFF_S) - 1)], max(0.0, _call_timeout(run) - MIN_CALL_S))
        _log(run, f"[{agent.name}] {describe_error(error)}; retrying in {wait:.0f}s")
        await asyncio.sleep(wait)


async def _within(events: AsyncGenerator[Event, None], timeout: float) -> AsyncGenerator[Event, None]:
    """The agent's events, raising TimeoutError when they have not all come within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer within {timeout:.0f}s")
            try:
                event = await asyncio.wait_for(events.__anext__(), left)
            except StopAsyncIteration:
                return
            except asyncio.TimeoutError:
                if time.monotonic() < deadline:
                    raise  # the model's own time-out, with its own message
                raise TimeoutError(f"no answer within {timeout:.0f}s") from None
            yield event
    finally:
        try:
            await events.aclose()
        except Exception:  # noqa: BLE001 - closing a cancelled model stream may fail; nothing is lost
            pass


def is_transient(error: BaseException) -> bool:
    """Rate limits, server errors and time-outs: worth another try after a pause."""
    if isinstance(error, (TimeoutError, asyncio.TimeoutError, ConnectionError)):
        return True
    for attribute in ("code", "status_code", "status"):
        value = getattr(error, attribute, None)
        if isinstance(value, int) and value in TRANSIENT_STATUSES:
            return True
    name = type(error).__name__
    return name in ("RateLimitError", "ServiceUnavailableError", "InternalServerError", "APIConnectionError",
                    "Timeout", "APITimeoutError")


def _call_timeout(run: Optional[RunContext]) -> float:
    if run is None:
        return 300.0
    return min(run.settings.llm_timeout_s, run.budget.remaining())


def _check_cost(run: RunContext) -> None:
    if run.exchanges.over_cost_budget and not run.budget.halted:
        total = run.exchanges.total().cost_usd
        run.budget.halt(f"the cost budget of ${run.exchanges.max_cost_usd:.2f} is spent (${total:.2f})")
        _log(run, f"cost budget reached (${total:.4f} of ${run.exchanges.max_cost_usd:.2f}): "
                  "no more model calls; the run ends with the best submission so far")


def _note_problem(run: Optional[RunContext], exchange: Optional[str], problem: str) -> None:
    if run is not None and exchange is not None:
        run.exchanges.note_problem(exchange, problem)


def _model_name(agent: LlmAgent) -> str:
    try:
        return agent.canonical_model.model
    except Exception:  # noqa: BLE001 - a model the registry cannot resolve is named as given
        return str(agent.model)


def describe_error(error: BaseException) -> str:
    """One line naming an error: its type and the first line of its message."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _log(run: Optional[RunContext], message: str) -> None:
    if run is not None:
        run.folder.log(message)
    else:
        logger.info(message)
