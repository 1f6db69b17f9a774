"""The front door: the agent `adk web` and `adk run` talk to.

It answers questions about the method and about the current run, and starts a run when asked:

    front_door (FrontDoorAgent)
    └── front_door_chat (LlmAgent; tools start_run, run_status) ── then, when start_run was called:
        mle_star (the graph of `graph.build_root_agent`, built for the run's budget, in a runner of its own)

The graph runs in its own session, as `mle-star run` runs it, so its LLM agents see exactly what they
see there; the chat gets one line of progress per step from the graph's orchestrators (never a prompt,
a script or a JSON answer) and the run-level state (run folder, solutions, final result) that
`run_status` reads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any, AsyncGenerator, Callable, Mapping, Optional, Union

from google.adk.agents import BaseAgent, LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event, EventActions
from google.adk.models.base_llm import BaseLlm
from google.adk.runners import InMemoryRunner
from google.adk.tools import FunctionTool, ToolContext
from google.genai import types

from ...cli import HARD_STOP_MARGIN_S
from ...config import Settings
from ...graph import build_root_agent
from ...models.credentials import BackendError, check_backend
from ...models.factory import OFFLINE, resolve_model
from ...models.offline.roles.front_door import OfflineFrontDoor
from ...run_context import get_run
from ...state import (BRIEF, ENSEMBLE, FINAL, RETRIEVED_MODELS, RUN_DIR, SETTINGS, TASK_DIR, read_ensemble,
                      read_solution, solution_ids, solution_key)
from ...task import TaskError, load_task
from ..llm_steps import state_event
from .prompt import INSTRUCTION, START_RUN

# The state of a run that the chat session keeps (what `run_status` reads); prompts and the like stay
# in the run's own session.
RUN_KEYS = (TASK_DIR, RUN_DIR, SETTINGS, BRIEF, RETRIEVED_MODELS, ENSEMBLE, FINAL)
GRAPH_APP = "mle_star"
NO_RUN = "no run"
# The files of a finished run that the chat offers as artifacts.
ARTIFACTS = {"submission.csv": "text/csv", "report.html": "text/html", "report.md": "text/markdown"}

logger = logging.getLogger("mle_star")


class FrontDoorAgent(BaseAgent):
    """Talks with the user through `chat`; runs the MLE-STAR graph when `chat` called `start_run`."""

    settings: Settings
    chat: LlmAgent
    build_graph: Callable[[Settings], BaseAgent]

    def __init__(self, settings: Settings, chat_model: Union[str, BaseLlm],
                 build_graph: Callable[[Settings], BaseAgent] = build_root_agent) -> None:
        chat = LlmAgent(
            name="front_door_chat", model=chat_model,
            description="Answers questions about MLE-STAR and its runs; starts runs.",
            instruction=INSTRUCTION, tools=run_tools(settings),
            disallow_transfer_to_parent=True, disallow_transfer_to_peers=True)
        super().__init__(name="front_door", description="MLE-STAR: ask about the method or a run, or name a "
                                                        "task folder to solve.",
                         settings=settings, chat=chat, build_graph=build_graph, sub_agents=[chat])

    async def _run_async_impl(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        started: Optional[Mapping[str, Any]] = None
        async for event in self.chat.run_async(ctx):
            yield event
            started = started or _started_run(event)
        if started is not None:
            async for event in self._run(ctx, started["task_dir"], float(started["time_budget_s"])):
                yield event

    async def _run(self, ctx: InvocationContext, task_dir: str, budget_s: float) -> AsyncGenerator[Event, None]:
        """Runs the graph on `task_dir` within `budget_s`, relaying its progress and run-level state."""
        settings = self.settings.replace(time_budget_s=budget_s)
        graph = self.build_graph(settings)
        orchestrators = _orchestrator_names(graph)
        runner = InMemoryRunner(agent=graph, app_name=GRAPH_APP)
        user_id = ctx.session.user_id
        session = await runner.session_service.create_session(
            app_name=GRAPH_APP, user_id=user_id, state={TASK_DIR: task_dir, SETTINGS: settings.to_dict()})
        previous = {key: None for key in list(ctx.session.state) if _is_run_key(key)}
        if previous:
            yield state_event(self, ctx, previous)
        message = types.Content(role="user", parts=[types.Part(text=f"Solve the task in {task_dir}")])
        # The graph runs in one task of its own (as `mle-star run` runs it, under one hard stop); its
        # events come through a queue, so the chat's runner takes each relayed event while the run goes on.
        events: asyncio.Queue = asyncio.Queue()
        end = object()

        async def drive() -> None:
            try:
                async for event in runner.run_async(user_id=user_id, session_id=session.id, new_message=message):
                    events.put_nowait(event)
            finally:
                events.put_nowait(end)

        started = time.monotonic()
        task = asyncio.ensure_future(asyncio.wait_for(drive(), timeout=budget_s + HARD_STOP_MARGIN_S))
        run_dir: Optional[str] = None
        try:
            while (event := await events.get()) is not end:
                relayed = self._relay(ctx, event, orchestrators)
                if relayed is not None:
                    yield relayed
            await task
        except asyncio.TimeoutError:
            yield state_event(self, ctx, {}, text=f"Hard stop after {time.monotonic() - started:.0f} s: "
                                                  "the best submission so far stands.")
        except Exception as exc:  # the chat goes on; the traceback is in the log
            logger.exception("the run of %s failed", task_dir)
            yield state_event(self, ctx, {}, text=f"The run failed: {type(exc).__name__}: {exc}. The best "
                                                  "submission so far stands; see the run folder's log.txt.")
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            ended = await runner.session_service.get_session(app_name=GRAPH_APP, user_id=user_id,
                                                             session_id=session.id)
            run = get_run(ended.state) if ended else None
            run_dir = ended.state.get(RUN_DIR) if ended else None
            if run is not None:
                run.close()
            await runner.close()
        if run_dir is not None:
            saved = await save_artifacts(ctx, Path(run_dir))
            if saved:
                yield Event(author=self.name, invocation_id=ctx.invocation_id, branch=ctx.branch,
                            actions=EventActions(artifact_delta=saved))

    def _relay(self, ctx: InvocationContext, event: Event, orchestrators: frozenset[str]) -> Optional[Event]:
        """The chat's copy of one graph event: its run-level state, and its text if an orchestrator
        reported progress; None when neither is there."""
        delta = {k: v for k, v in (event.actions.state_delta if event.actions else {}).items() if _is_run_key(k)}
        text = None
        if event.author in orchestrators and event.content and not event.partial and not event.get_function_calls():
            text = "".join(p.text for p in event.content.parts or [] if p.text and not p.thought) or None
        if not delta and text is None:
            return None
        return state_event(self, ctx, delta, text=text)


async def save_artifacts(ctx: InvocationContext, run_dir: Path) -> dict[str, int]:
    """Saves the run's submission and reports as the session's artifacts (what `adk web` offers for
    download); returns {file name: version}, empty when the runner has no artifact service."""
    if ctx.artifact_service is None:
        return {}
    saved = {}
    for name, mime_type in ARTIFACTS.items():
        path = run_dir / name
        if path.is_file():
            saved[name] = await ctx.artifact_service.save_artifact(
                app_name=ctx.app_name, user_id=ctx.session.user_id, session_id=ctx.session.id, filename=name,
                artifact=types.Part.from_bytes(data=path.read_bytes(), mime_type=mime_type))
    return saved


def build_front_door(settings: Settings, chat_model: Optional[Union[str, BaseLlm]] = None,
                     build_graph: Callable[[Settings], BaseAgent] = build_root_agent) -> FrontDoorAgent:
    """The front door for `settings`.

    Args:
        chat_model: the front door's own model (default: the run's model; offline: `OfflineFrontDoor`).
        build_graph: builds the graph of one run from its settings (tests: a scripted model or a fake graph).
    """
    if chat_model is None:
        chat_model = OfflineFrontDoor() if settings.model == OFFLINE else resolve_model(settings.model, settings)
    return FrontDoorAgent(settings, chat_model, build_graph)


def run_tools(settings: Settings) -> list[FunctionTool]:
    """The front door's tools: `start_run` (checks the request; the front door then runs it) and `run_status`."""

    def start_run(task_dir: str, tool_context: ToolContext, time_budget_s: Optional[float] = None) -> dict:
        """Starts an MLE-STAR run on a task folder.

        Args:
            task_dir: the task folder (it holds the description and the data), e.g. "tasks/breast-cancer".
            time_budget_s: the run's wall-clock budget in seconds; omit it for the configured default.

        Returns:
            {"status": "starting", "task", "task_dir", "metric", "time_budget_s"}, or {"error": what to fix}.
        """
        budget = settings.time_budget_s if time_budget_s is None else float(time_budget_s)
        if budget <= 0:
            return {"error": f"the time budget must be positive, got {time_budget_s!r} seconds"}
        if get_run(tool_context.state) is not None:
            return {"error": f"a run is going in this session ({tool_context.state.get(RUN_DIR)}); "
                             "wait for it to end, or open a new session"}
        folder = Path(task_dir).expanduser()
        if not folder.is_dir():
            return {"error": f"there is no folder {task_dir}; name the folder that holds the task's description "
                             "and data, e.g. tasks/breast-cancer (`mle-star tasks tasks/` builds the bundled ones)"}
        try:
            task = load_task(folder)
            check_backend(settings)  # a role's missing key is reported now, not after the run began
        except (TaskError, BackendError) as exc:
            return {"error": str(exc)}
        return {"status": "starting", "task": task.name, "task_dir": str(folder), "metric": task.metric.name,
                "time_budget_s": budget}

    def run_status(tool_context: ToolContext) -> dict:
        """The current run of this session: its phase, best validation score so far, run folder and
        submission (phase "no run" before any run started).
        """
        return status_of(tool_context.state.to_dict())

    return [FunctionTool(start_run), FunctionTool(run_status)]


def status_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """Where the session's run stands, from session state and its run folder."""
    run_dir = state.get(RUN_DIR)
    if not run_dir:
        return {"phase": NO_RUN, "run_dir": None}
    folder = Path(run_dir)
    record = _read_json(folder / "run.json") or {}
    best = _read_json(folder / "best" / "score.json") or {}
    final = state.get(FINAL) or {}
    submission = folder / "submission.csv"
    return {
        "phase": _phase(state),
        "task": record.get("task_name") or state.get(TASK_DIR),
        "run_dir": str(folder),
        "metric": (state.get(BRIEF) or record.get("brief") or {}).get("metric"),
        "best_score": final.get("score", best.get("score")),
        "best_from": final.get("source") or (f"attempt {best['attempt']} ({best.get('solution_id')} "
                                             f"{best.get('phase')}: {best.get('label')})" if best else None),
        "submission": str(submission) if submission.exists() else None,
        "time_budget_s": (state.get(SETTINGS) or {}).get("time_budget_s"),
    }


def _phase(state: Mapping[str, Any]) -> str:
    if state.get(FINAL):
        return "finished"
    if get_run(state) is None:
        return "stopped before the submission step"
    if read_ensemble(state).trials:
        return "ensemble"
    solutions = [read_solution(state, sid)
                 for sid in solution_ids((state.get(SETTINGS) or {}).get("num_solutions", 1))]
    if any(s.steps for s in solutions):
        return "refinement"
    if any(s.candidates for s in solutions) or state.get(RETRIEVED_MODELS):
        return "initialisation"
    return "retrieval"


def _started_run(event: Event) -> Optional[Mapping[str, Any]]:
    """The accepted `start_run` request in `event`, if any."""
    for response in event.get_function_responses():
        if response.name == START_RUN and (response.response or {}).get("status") == "starting":
            return response.response
    return None


def _orchestrator_names(graph: BaseAgent) -> frozenset[str]:
    """Names of the graph's agents that are not LLM agents: the ones whose text is progress."""
    names, stack = set(), [graph]
    while stack:
        agent = stack.pop()
        if not isinstance(agent, LlmAgent):
            names.add(agent.name)
        stack.extend(agent.sub_agents)
    return frozenset(names)


def _is_run_key(key: str) -> bool:
    return key in RUN_KEYS or key.startswith(solution_key(""))


def _read_json(path: Path) -> Optional[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
