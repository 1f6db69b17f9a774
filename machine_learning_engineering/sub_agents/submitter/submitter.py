"""Submission (paper, step 6): the best solution or ensemble becomes the run's submission; it is
checked against the expected format and, when it fails, fixed and run again."""

from __future__ import annotations

from typing import Any, AsyncGenerator, ClassVar, Optional, Union

from google.adk.agents import LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...record.journal import Attempt
from ...record.html_report import write_html_report
from ...record.report import write_report
from ...run_context import RunContext, get_run, too_little_time_for
from ...state import FINAL, FinalResult, solution_ids
from ...task import SubmissionError, TaskError, check_submission, grade
from ...protocol import ScriptAnswer
from ..boundary import StepAgent
from ..guards.leak_probe import final_verdict
from ..llm_steps import Box, ask, make_llm_agent, state_event
from ..prompt_parts import task_fields
from .prompt import SUBMISSION_FIXER, SubmissionFixRequest

MAX_FIX_ROUNDS = 2


class SubmitterAgent(StepAgent):
    phase: ClassVar[str] = "submission"

    fixer: LlmAgent

    def __init__(self, model: Union[str, BaseLlm]) -> None:
        fixer = make_llm_agent("submission_fixer", SUBMISSION_FIXER, model,
                               "Repairs a script whose submission fails the format check.")
        super().__init__(name="submitter", description="Chooses, checks and writes the final submission.",
                         fixer=fixer, sub_agents=[fixer])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        if run is None:
            return
        if run.runner.best is None:
            async for event in self._repair_best_rejected(ctx, run):
                yield event
        final = _final_result(run)
        verdict = await final_verdict(run)  # known from promotion, unless a submission fix came since
        if verdict is not None and not verdict.counts:
            final.problems.append(f"the submission's script uses the test set: {verdict.failure}")
        usage = _record_end(run, final)
        write_report(run.folder, ctx.session.state, run.task, final, usage)
        try:
            write_html_report(run.folder, ctx.session.state, run.task, final, usage)
        except Exception as exc:  # noqa: BLE001 - the page illustrates the run; its failure must not cost the result
            run.folder.record_error("report.html", exc)
            run.folder.log(f"report.html could not be written ({type(exc).__name__}); see errors.log")
        if final.problems:
            run.folder.log("no valid submission: " + "; ".join(final.problems))
            text = "No valid submission was produced: " + "; ".join(final.problems)
        else:
            run.folder.log(f"final submission from {final.source}: validation score {final.score:.6g} "
                           f"-> {final.submission_path}")
            text = f"Submission written to {final.submission_path} (validation {run.task.metric.name} {final.score:.6g}, from {final.source})."
        yield state_event(self, ctx, {FINAL: final.model_dump()}, text=text)

    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """The best submission on disk stands, unchecked by the failed step."""
        if run is None:
            return {}, "no run is open"
        final = _unchecked_final(run) or FinalResult(source="none",
                                                     problems=[f"the submitter failed: {type(error).__name__}"])
        _record_end(run, final)
        return {FINAL: final.model_dump()}, "the best submission so far stands"

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


def _record_end(run: RunContext, final: FinalResult) -> dict[str, Any]:
    """Marks the run as ended in run.json (a resume is then refused); returns the usage totals."""
    final.ended = final.ended or _why_it_ended(run)
    usage = run.exchanges.summary()
    status = "finished" if not final.problems else "no valid submission"
    time_use = run.time_use()
    run.folder.write_json("run.json", {**(run.folder.read_json("run.json") or {}), "status": status,
                                       "stopped_by": run.budget.halted or final.ended, "final": final.model_dump(),
                                       "usage": usage, "time_use": time_use})
    run.folder.log(final.ended)
    run.folder.log(f"time use: scripts ran during {time_use['scripts_s']:.1f} s of {time_use['wall_s']:.1f} s "
                   f"({time_use['outside_scripts_share']:.1%} outside generated code); "
                   f"{time_use['unused_budget_share']:.0%} of the budget unused")
    run.events.run_ended(final, status)
    return usage


def _why_it_ended(run: RunContext) -> str:
    """One sentence: when the run ended and what ended it."""
    budget = run.budget
    when = f"Run ended after {budget.elapsed():.0f} s of its {budget.seconds:.0f} s budget"
    if budget.halted:
        return f"{when}: {budget.halted}."
    if budget.exhausted:
        return f"{when}: too little of it was left for another script."
    settings = run.settings
    planned = settings.num_solutions * settings.outer_steps * settings.inner_steps
    refined = sum(1 for a in run.folder.journal.read()
                  if a.phase == "refine" and not (a.failure or "").startswith("not run"))
    # A solution whose time left was too little for another script stopped short of its planned steps.
    cut_short = refined < planned and any(too_little_time_for(run, sid)
                                          for sid in solution_ids(settings.num_solutions))
    if run.runner.solution_budget.exhausted or cut_short:
        return (f"{when}: the solutions' share of it was spent after {refined} of {planned} planned refinement "
                "steps; the rest was kept for the ensemble (a longer --time-budget refines further).")
    extra = f" (+ up to {settings.extra_outer_steps} extra)" if settings.extra_outer_steps else ""
    return (f"{when}: every planned step was done ({settings.num_candidates} candidates, {settings.outer_steps}"
            f"{extra} outer x {settings.inner_steps} inner refinement steps per solution, {settings.ensemble_rounds} "
            "ensemble rounds); more steps (--outer-steps, --extra-outer-steps, --inner-steps) would use the "
            "time left.")


def _best_rejected(run: RunContext) -> Optional[Attempt]:
    rejected = [a for a in run.folder.journal.read() if a.ok and a.submission_ok is False
                and a.phase not in ("ablation",)]
    rejected.sort(key=lambda a: a.score, reverse=run.task.metric.higher_is_better)
    return rejected[0] if rejected else None


def _unchecked_final(run: RunContext) -> Optional[FinalResult]:
    """The run's best submission as the final result, before any check; None when there is none."""
    best = run.runner.best
    if best is None or not run.folder.submission_path.exists():
        return None
    return FinalResult(source=f"attempt {best.id} ({best.solution_id} {best.phase}: {best.label})", score=best.score,
                       submission_path=str(run.folder.submission_path),
                       script_path=str(run.folder.best_dir / "solution.py"))


def _final_result(run: RunContext) -> FinalResult:
    """The final result with the submission's format checked and, when the task has answers, its test score."""
    final = _unchecked_final(run)
    if final is None:
        return FinalResult(source="none", problems=["no script produced a valid submission; see log.txt"])
    final.problems = list(check_submission(run.folder.submission_path, run.task))
    final.test_score = None if final.problems else _test_score(run)
    return final


def _test_score(run: RunContext) -> Optional[float]:
    """The final submission graded on the private answers, after every decision is made, so the
    report can set validation against test; None when the task has no answers to grade with."""
    if run.task.answers_file is None:
        return None
    try:
        return grade(run.folder.submission_path, run.task)
    except (SubmissionError, TaskError) as exc:
        run.folder.log(f"the submission could not be graded on the private answers: {exc}")
        return None
