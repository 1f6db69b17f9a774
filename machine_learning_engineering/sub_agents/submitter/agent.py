"""Submission (paper, step 6): the best solution or ensemble becomes the run's submission; it is
checked against the expected format and, when it fails, fixed and run again."""

from __future__ import annotations

from typing import AsyncGenerator, Optional, Union

from google.adk.agents import BaseAgent, LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...record.journal import Attempt
from ...record.report import write_report
from ...run_context import RunContext, get_run
from ...state import FINAL, FinalResult
from ...task import check_submission
from ...protocol import ScriptAnswer
from ..llm_steps import Box, ask, make_llm_agent, state_event
from ..prompt_parts import task_fields
from .prompt import SUBMISSION_FIXER, SubmissionFixRequest

MAX_FIX_ROUNDS = 2


class SubmitterAgent(BaseAgent):
    fixer: LlmAgent

    def __init__(self, model: Union[str, BaseLlm]) -> None:
        fixer = make_llm_agent("submission_fixer", SUBMISSION_FIXER, model,
                               "Repairs a script whose submission fails the format check.")
        super().__init__(name="submitter", description="Chooses, checks and writes the final submission.",
                         fixer=fixer, sub_agents=[fixer])

    async def _run_async_impl(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        if run is None:
            return
        if run.runner.best is None:
            async for event in self._repair_best_rejected(ctx, run):
                yield event
        final = _final_result(run)
        usage = run.exchanges.summary()
        run.folder.write_json("run.json", {**(run.folder.read_json("run.json") or {}),
                                           "status": "finished" if not final.problems else "no valid submission",
                                           "stopped_by": run.budget.halted, "final": final.model_dump(),
                                           "usage": usage})
        write_report(run.folder, ctx.session.state, run.task, final, usage)
        if final.problems:
            run.folder.log("no valid submission: " + "; ".join(final.problems))
            text = "No valid submission was produced: " + "; ".join(final.problems)
        else:
            run.folder.log(f"final submission from {final.source}: validation score {final.score:.6g} "
                           f"-> {final.submission_path}")
            text = f"Submission written to {final.submission_path} (validation {run.task.metric.name} {final.score:.6g}, from {final.source})."
        yield state_event(self, ctx, {FINAL: final.model_dump()}, text=text)

    async def _repair_best_rejected(self, ctx: InvocationContext, run: RunContext) -> AsyncGenerator[Event, None]:
        """No script wrote a valid submission: fix the best-scoring one's submission writing."""
        candidate = _best_rejected(run)
        for _ in range(MAX_FIX_ROUNDS):
            if candidate is None or run.budget.exhausted:
                return
            code = (run.folder.workspace_of(candidate) / "solution.py").read_text(encoding="utf-8")
            sample = (run.task.data_dir / run.task.sample_submission_file).read_text(
                encoding="utf-8", errors="replace").splitlines()[:5] if run.task.sample_submission_file else []
            answer: Box[ScriptAnswer] = Box()
            request = SubmissionFixRequest(**task_fields(run), code=code, problems=candidate.submission_problems,
                                           sample_head="\n".join(sample))
            async for event in ask(self, ctx, self.fixer, request, answer):
                yield event
            if answer.value is None:
                return
            attempt = await run.runner.execute(answer.value.code, solution_id=candidate.solution_id, phase="submit",
                                               label="submission fix", parent=candidate.id,
                                               exchange=answer.exchange)
            if attempt.ok and attempt.submission_ok:
                return
            candidate = attempt if attempt.ok else candidate


def _best_rejected(run: RunContext) -> Optional[Attempt]:
    rejected = [a for a in run.folder.journal.read() if a.ok and a.submission_ok is False
                and a.phase not in ("ablation",)]
    rejected.sort(key=lambda a: a.score, reverse=run.task.metric.higher_is_better)
    return rejected[0] if rejected else None


def _final_result(run: RunContext) -> FinalResult:
    best = run.runner.best
    if best is None or not run.folder.submission_path.exists():
        return FinalResult(source="none", problems=["no script produced a valid submission; see log.txt"])
    problems = check_submission(run.folder.submission_path, run.task)
    return FinalResult(source=f"attempt {best.id} ({best.solution_id} {best.phase}: {best.label})", score=best.score,
                       submission_path=str(run.folder.submission_path),
                       script_path=str(run.folder.best_dir / "solution.py"), problems=list(problems))
