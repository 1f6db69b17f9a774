"""The guards every script passes (paper, section 3.4): the data-leakage checker and the data-usage
checker before it counts, and the debugger when it fails (bounded rounds; the caller rolls back to
its last working code when the fixes do not help). A leak the checker finds and does not repair
means the script does not count; a script that could become the submission also passes the leak
probe (`leak_probe`: its score must not move when the test features are shuffled)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import AsyncGenerator, Mapping, Optional, Sequence, Union

from google.adk.agents import BaseAgent, LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...record.journal import Attempt
from ...sandbox import NOT_STARTED
from ...tools.code_execution import Vet
from ...run_context import RunContext
from ...task.inventory import summarise_inventory
from ...task.tables import TABLE_KINDS, read_header
from ...protocol import LeakageAnswer, ScriptAnswer, UsageAnswer
from ..llm_steps import Box, ask, make_llm_agent
from ..prompt_parts import task_fields
from . import leak_probe
from .prompt import DEBUGGER, LEAKAGE_CHECKER, USAGE_CHECKER, DebugRequest, LeakageRequest, UsageRequest


MAX_LISTED_FILES = 50
MAX_LISTED_COLUMNS = 200
DATA_KINDS = ("csv", "tsv", "parquet", "json", "jsonl", "numpy", "archive")


@dataclass
class Guards:
    """One solution's guard agents (each ADK agent has one parent, so each solution has its own)."""

    debugger: LlmAgent
    leakage_checker: LlmAgent
    usage_checker: LlmAgent

    @classmethod
    def create(cls, suffix: str, models: Mapping[str, Union[str, BaseLlm]], tools: Sequence = ()) -> "Guards":
        """`tools` are offered to the debugger (web search, with Gemini)."""
        return cls(
            debugger=make_llm_agent(f"debugger_{suffix}", DEBUGGER, models[DEBUGGER],
                                    "Fixes scripts that fail, from their traceback.", tools=tools),
            leakage_checker=make_llm_agent(f"leakage_checker_{suffix}", LEAKAGE_CHECKER, models[LEAKAGE_CHECKER],
                                           "Finds and repairs data leakage."),
            usage_checker=make_llm_agent(f"usage_checker_{suffix}", USAGE_CHECKER, models[USAGE_CHECKER],
                                         "Makes sure the provided data files are used."),
        )

    def agents(self) -> list[LlmAgent]:
        return [self.debugger, self.leakage_checker, self.usage_checker]


@dataclass
class Outcome:
    """The code that finally ran (after any repairs) and its attempt."""

    code: str
    attempt: Attempt


async def guarded_execute(parent: BaseAgent, ctx: InvocationContext, run: RunContext, guards: Guards,
                          code: str, *, solution_id: str, phase: str, label: str, out: Box[Outcome],
                          check_usage: bool = False, check_leakage: bool = True,
                          extra_files: Optional[Mapping[str, Path]] = None,
                          promote: bool = True, exchange: Optional[str] = None) -> AsyncGenerator[Event, None]:
    """Checks, runs and (when it fails) debugs one script; the final outcome lands in `out`.
    `exchange` names the model exchange that wrote the script (recorded with its attempt)."""
    task = task_fields(run)
    if check_leakage and run.settings.check_leakage:
        leak: Box[LeakageAnswer] = Box()
        async for event in ask(parent, ctx, guards.leakage_checker, LeakageRequest(**task, code=code), leak):
            yield event
        if leak.value is not None and leak.value.leakage:
            run.folder.log(f"[{solution_id} {phase}] leakage checker: {leak.value.explanation[:300]}")
            if not leak.value.code:
                # Running it would only spend budget on a score that cannot count.
                failure = f"data leakage found and not repaired: {leak.value.explanation[:300]}"
                attempt = await run.runner.execute(code, solution_id=solution_id, phase=phase, label=label,
                                                   extra_files=extra_files, promote=promote, exchange=exchange,
                                                   not_run=failure)
                out.value = Outcome(code=code, attempt=attempt)
                return
            code, exchange = leak.value.code, leak.exchange
            run.folder.log(f"[{solution_id} {phase}] leakage repaired by the checker")
    if check_usage and run.settings.check_data_usage:
        usage: Box[UsageAnswer] = Box()
        request = UsageRequest(**task, code=code, inventory=summarise_inventory(run.task.files),
                               data_files=_data_files(run), table_columns=_table_columns(run))
        async for event in ask(parent, ctx, guards.usage_checker, request, usage):
            yield event
        if usage.value is not None and not usage.value.all_used:
            run.folder.log(f"[{solution_id} {phase}] usage checker: unused {usage.value.unused}: "
                           f"{usage.value.explanation[:300]}")
            if usage.value.code:
                code, exchange = usage.value.code, usage.exchange
                run.folder.log(f"[{solution_id} {phase}] script revised to use the data it ignored")

    attempt = await run.runner.execute(code, solution_id=solution_id, phase=phase, label=label,
                                       extra_files=extra_files, promote=promote, exchange=exchange,
                                       vet=_probe(run, phase, code, extra_files, promote and check_leakage))
    for round_no in range(1, run.settings.max_debug_rounds + 1):
        # A script that never started (too little time left, say) has nothing in its code to fix.
        not_started = (attempt.failure or "").startswith(NOT_STARTED)
        if attempt.ok or attempt.timed_out or attempt.memory_exceeded or not_started \
                or run.runner.budget_for(phase).exhausted:
            break
        answer: Box[ScriptAnswer] = Box()
        request = DebugRequest(**task, code=code, error=_error_report(run, attempt))
        async for event in ask(parent, ctx, guards.debugger, request, answer):
            yield event
        fixed = answer.value.code if answer.value else None
        if not fixed or fixed.strip() == code.strip():
            run.folder.log(f"[{solution_id} {phase}] debugger had no fix for: {attempt.failure}")
            break
        code = fixed
        attempt = await run.runner.execute(code, solution_id=solution_id, phase=phase,
                                           label=f"{label} (debug round {round_no})", parent=attempt.id,
                                           extra_files=extra_files, promote=promote, exchange=answer.exchange,
                                           vet=_probe(run, phase, code, extra_files, promote and check_leakage))
    out.value = Outcome(code=code, attempt=attempt)


def _probe(run: RunContext, phase: str, code: str, extra_files: Optional[Mapping[str, Path]],
           wanted: bool) -> Optional[Vet]:
    """The leak probe as the runner's last check, for a script that could become the submission."""
    if not wanted or not run.settings.check_leakage:
        return None
    return partial(leak_probe.vet, run, phase, code, extra_files=extra_files)


def _data_files(run: RunContext) -> list[str]:
    """Data files a script could read itself: tables and arrays (images and audio are reached
    through the tables; the description and task.yaml are not data)."""
    return [str(f.path) for f in run.task.files if f.kind in DATA_KINDS][:MAX_LISTED_FILES]


def _table_columns(run: RunContext) -> dict[str, list[str]]:
    """The header of every table a script could read (unreadable ones are left out: the script would
    fail on them too), at most MAX_LISTED_COLUMNS names each."""
    columns: dict[str, list[str]] = {}
    for f in run.task.files:
        if f.kind not in TABLE_KINDS or len(columns) >= MAX_LISTED_FILES:
            continue
        try:
            columns[f.path.as_posix()] = read_header(run.task.data_dir / f.path)[:MAX_LISTED_COLUMNS]
        except Exception:  # noqa: BLE001 - any unreadable table is simply not described
            continue
    return columns


def _error_report(run: RunContext, attempt: Attempt) -> str:
    workspace = run.folder.workspace_of(attempt)
    stderr = (workspace / "stderr.txt").read_text(encoding="utf-8", errors="replace") \
        if (workspace / "stderr.txt").exists() else ""
    return f"{attempt.failure}\n\n{stderr[-5000:]}"
