"""Refinement (paper, step 3) as nested loops: each outer step runs an ablation study and picks the
block with the most impact; the inner loop tries plans for that block only, each informed by the
scores of earlier plans, and keeps the best."""

from __future__ import annotations

import math
from textwrap import shorten
from typing import Any, AsyncGenerator, ClassVar, Mapping, Optional, Union

from google.adk.agents import LlmAgent, LoopAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...run_context import RunContext, get_run, too_little_time_for
from ...state import PlanTrial, RefinementStep, SolutionState, read_solution, solution_delta
from ...protocol import BlockAnswer, BlockChoiceAnswer, PlanAnswer, ScriptAnswer
from ...task.metrics import format_score
from ...tools.code_blocks import block_names, get_block
from ...tools.code_execution import last_script_s
from ...tools.script_output import parse_ablation
from ..boundary import StepAgent
from ..guards.guards import Guards, Outcome, guarded_execute
from ..llm_steps import Box, ask, make_llm_agent, state_event
from ..prompt_parts import task_fields
from .prompt import (ABLATION_WRITER, BLOCK_CHOOSER, IMPLEMENTER, PLANNER, AblationRequest, BlockChoiceRequest,
                     ImplementRequest, PlannerRequest)

# Blocks worth refining, in the order tried when the ablation gives no usable answer.
FALLBACK_BLOCKS = ("model", "features", "preprocessing", "validation", "postprocess")
# Characters of an ablation's output kept in state, for a later outer step to reuse.
MAX_ABLATION_OUTPUT = 8000


class AblationAgent(StepAgent):
    """Outer-loop step: ablation study, then the choice of block and first plan. After `outer_steps`
    (when there was at least one), up to `extra_steps` more while time and unrefined blocks remain."""
    phase: ClassVar[str] = "refinement"

    solution_id: str
    outer_steps: int
    extra_steps: int
    writer: LlmAgent
    chooser: LlmAgent
    guards: Guards

    def __init__(self, solution_id: str, outer_steps: int, extra_steps: int,
                 models: Mapping[str, Union[str, BaseLlm]], guards: Guards) -> None:
        writer = make_llm_agent(f"ablation_writer_{solution_id}", ABLATION_WRITER, models[ABLATION_WRITER],
                                "Writes an ablation study of the solution.")
        chooser = make_llm_agent(f"block_chooser_{solution_id}", BLOCK_CHOOSER, models[BLOCK_CHOOSER],
                                 "Chooses the block with the most impact and a first plan.")
        super().__init__(name=f"ablation_{solution_id}", description="Ablation study and block choice.",
                         solution_id=solution_id, outer_steps=outer_steps, extra_steps=extra_steps,
                         writer=writer, chooser=chooser,
                         guards=guards, sub_agents=[writer, chooser])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        solution = read_solution(ctx.session.state, self.solution_id)
        if (run is None or solution.code is None or run.solution_budget.exhausted or solution.refinement_over
                or len(solution.steps) >= max_outer_steps(self.outer_steps, self.extra_steps)):
            return
        sid = self.solution_id
        extra = len(solution.steps) >= self.outer_steps
        if extra and not _time_for_another_step(run, solution):
            run.folder.log(f"[{sid}] refinement ends: another outer step would not fit in the time left")
            solution.refinement_over = True
            yield state_event(self, ctx, solution_delta(solution))
            return
        if too_little_time_for(run, sid):
            _log_too_little_time(run, sid)
            solution.refinement_over = True
            yield state_event(self, ctx, solution_delta(solution))
            return
        started_s = run.budget.elapsed()
        previous = solution.steps[-1] if solution.steps else None
        if previous is not None and previous.ablation_output and not any(t.kept for t in previous.trials):
            # No plan was kept since the last study, so the same code would give the same ablation.
            output = previous.ablation_output
            run.folder.log(f"[{sid}] ablation: the solution is unchanged since the last study; reusing it")
        else:
            study: Box[str] = Box()
            async for event in self._study(ctx, run, solution, study):
                yield event
            output = study.value or ""
        parsed = parse_ablation(output)
        results = {name: score for name, score in [("baseline", parsed["baseline"]), *parsed["blocks"].items()]
                   if score is not None and math.isfinite(score)}
        noise = {name: se for name, se in parsed["noise"].items() if math.isfinite(se)}
        run.folder.log(f"[{sid}] ablation: {results or 'no results'}" + (f", noise {noise}" if noise else ""))

        answer: Box[BlockChoiceAnswer] = Box()
        request = BlockChoiceRequest(**task_fields(run), code=solution.code, ablation_output=output,
                                     refined_blocks=solution.refined_blocks,
                                     recipes={b: catalog_recipes(run, b) for b in _open_blocks(solution)})
        async for event in ask(self, ctx, self.chooser, request, answer):
            yield event
        choice = answer.value.model_dump() if answer.value else {}
        if extra and choice.get("block") not in _open_blocks(solution):
            run.folder.log(f"[{sid}] refinement ends: the chooser named no unrefined block "
                           f"({str(choice.get('summary'))[:200]})")
            solution.refinement_over = True
            yield state_event(self, ctx, solution_delta(solution))
            return
        step = _step_from_choice(choice, solution, results)
        step.ablation_noise = noise
        step.ablation_output = output[-MAX_ABLATION_OUTPUT:]
        step.started_s = started_s
        run.folder.log(f"[{sid}] chosen block: {step.block} - {step.ablation_summary[:300]}")
        solution.steps.append(step)
        yield state_event(self, ctx, solution_delta(solution),
                          text=f"Solution {sid}: refining block '{step.block}'")

    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """Without a study the step refines the next block in the fallback order, if one is left."""
        solution = read_solution(ctx.session.state, self.solution_id)
        if solution.current_step is not None:  # the study ended, a step is open: its plans still run
            return {}, "the chosen block is refined as planned"
        if solution.code is None or not _open_blocks(solution):
            solution.refinement_over = True
            return solution_delta(solution), f"refinement of {self.solution_id} ends; its best code stands"
        step = _step_from_choice({}, solution, {})
        step.started_s = run.budget.elapsed() if run is not None else 0.0
        solution.steps.append(step)
        return solution_delta(solution), f"{self.solution_id} refines block '{step.block}' without a study"

    async def _study(self, ctx: InvocationContext, run: RunContext, solution: SolutionState,
                     output: Box[str]) -> AsyncGenerator[Event, None]:
        """Writes and runs the ablation study of the solution; its output (or failure) lands in `output`."""
        answer: Box[ScriptAnswer] = Box()
        request = AblationRequest(**task_fields(run), code=solution.code, refined_blocks=solution.refined_blocks)
        async for event in ask(self, ctx, self.writer, request, answer):
            yield event
        output.value = "the ablation writer returned no script"
        if answer.value is not None:
            out: Box[Outcome] = Box()
            async for event in guarded_execute(self, ctx, run, self.guards, answer.value.code,
                                               solution_id=self.solution_id, phase="ablation", label="ablation study",
                                               out=out, check_leakage=False, promote=False, exchange=answer.exchange):
                yield event
            output.value = run.folder.stdout_of(out.value.attempt) or (out.value.attempt.failure or "")


class BlockRefinerAgent(StepAgent):
    """Inner-loop step: one plan for the chosen block, implemented in that block only, and run."""
    phase: ClassVar[str] = "refinement"

    solution_id: str
    inner_steps: int
    planner: LlmAgent
    implementer: LlmAgent
    guards: Guards

    def __init__(self, solution_id: str, inner_steps: int, models: Mapping[str, Union[str, BaseLlm]],
                 guards: Guards) -> None:
        planner = make_llm_agent(f"planner_{solution_id}", PLANNER, models[PLANNER],
                                 "Plans the next change to the chosen block from earlier scores.")
        implementer = make_llm_agent(f"implementer_{solution_id}", IMPLEMENTER, models[IMPLEMENTER],
                                     "Rewrites the chosen block to implement a plan.")
        super().__init__(name=f"block_refiner_{solution_id}", description="Tries one plan on the chosen block.",
                         solution_id=solution_id, inner_steps=inner_steps, planner=planner,
                         implementer=implementer, guards=guards, sub_agents=[planner, implementer])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        solution = read_solution(ctx.session.state, self.solution_id)
        step = solution.current_step
        if run is None or step is None or solution.code is None:
            return
        if run.solution_budget.exhausted or len(step.trials) >= self.inner_steps:
            step.done = True
            yield state_event(self, ctx, solution_delta(solution))
            return
        sid = self.solution_id
        if too_little_time_for(run, sid):
            _log_too_little_time(run, sid)
            step.done = solution.refinement_over = True
            yield state_event(self, ctx, solution_delta(solution))
            return
        if step.score_before is None:
            step.score_before = solution.score
        plan: dict[str, Any]
        if not step.trials and step.initial_plan.get("plan"):
            plan = step.initial_plan
        else:
            answer: Box[PlanAnswer] = Box()
            history = [t.model_dump(include={"plan", "recipe", "score", "failure", "kept", "verdict"})
                       for t in step.trials]
            request = PlannerRequest(**task_fields(run), code=solution.code, block=step.block, baseline=step.score_before,
                                     trials=history, recipes=catalog_recipes(run, step.block))
            async for event in ask(self, ctx, self.planner, request, answer):
                yield event
            plan = answer.value.model_dump(exclude_defaults=True) if answer.value else {}
        if plan.get("stop") or not str(plan.get("plan", "")).strip():
            run.folder.log(f"[{sid}] planner has no further plan for block {step.block}")
            step.done = True
            yield state_event(self, ctx, solution_delta(solution))
            return

        trial = PlanTrial(plan=str(plan["plan"]), recipe=plan.get("recipe"))
        implemented: Box[BlockAnswer] = Box()
        request = ImplementRequest(**task_fields(run), code=solution.code, block=step.block,
                                   block_code=get_block(solution.code, step.block), plan=plan)
        async for event in ask(self, ctx, self.implementer, request, implemented):
            yield event
        if implemented.value is None:
            trial.failure = "the implementer returned no usable block"
        else:
            out: Box[Outcome] = Box()
            async for event in guarded_execute(self, ctx, run, self.guards, implemented.value.script, solution_id=sid,
                                               phase="refine", label=f"{step.block}: {shorten(trial.plan, 90, placeholder=' ...')}", out=out,
                                               exchange=implemented.exchange):
                yield event
            attempt = out.value.attempt
            trial.attempt_id, trial.score, trial.failure = attempt.id, attempt.score, attempt.failure
            verdict = run.runner.keep_rule.judge_id(attempt, solution.attempt_id) if attempt.ok else None
            trial.verdict = verdict.note() if verdict else ""
            if verdict is not None and verdict.better:
                trial.kept = True
                evidence = f" {trial.verdict}" if trial.verdict else ""
                run.folder.log(f"[{sid}] plan kept: {solution.score:.6g} -> {attempt.score:.6g}{evidence} "
                               f"({trial.plan[:120]})")
                solution.code, solution.score, solution.attempt_id = out.value.code, attempt.score, attempt.id
            elif verdict is not None and verdict.within_noise:
                run.folder.log(f"[{sid}] plan not kept: {attempt.score:.6g} beats {solution.score:.6g} only "
                               f"{trial.verdict}")
        run.folder.log(f"[{sid}] inner plan {len(step.trials) + 1} on {step.block}: score {format_score(trial.score)} "
                       f"{'(kept)' if trial.kept else ''} - {trial.plan[:160]}")
        step.trials.append(trial)
        step.done = len(step.trials) >= self.inner_steps
        yield state_event(self, ctx, solution_delta(solution))


    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """The plan counts as tried and failed; the best code so far stands."""
        solution = read_solution(ctx.session.state, self.solution_id)
        step = solution.current_step
        if step is None:
            return {}, "no plan was open"
        step.trials.append(PlanTrial(plan="(not completed)", failure=f"internal error: {type(error).__name__}"))
        step.done = len(step.trials) >= self.inner_steps
        return solution_delta(solution), f"the plan is skipped; {self.solution_id} keeps its best code"


def build_refinement_loop(solution_id: str, outer_steps: int, extra_steps: int, inner_steps: int,
                          models: Mapping[str, Union[str, BaseLlm]], guards: Guards) -> LoopAgent:
    """Outer LoopAgent (ablation, then the inner LoopAgent over the chosen block)."""
    inner = LoopAgent(name=f"inner_loop_{solution_id}", max_iterations=inner_steps,
                      sub_agents=[BlockRefinerAgent(solution_id, inner_steps, models, guards)])
    return LoopAgent(name=f"refinement_{solution_id}",
                     max_iterations=max_outer_steps(outer_steps, extra_steps),
                     sub_agents=[AblationAgent(solution_id, outer_steps, extra_steps, models, guards), inner])


def max_outer_steps(outer_steps: int, extra_steps: int) -> int:
    """Extra steps only extend a refinement that was asked for (outer_steps 0 means none)."""
    return outer_steps + extra_steps if outer_steps else 0


def catalog_recipes(run: RunContext, block: str) -> dict[str, str]:
    """The catalog's recipes for `block` whose conditions hold for the task (name: plan)."""
    try:
        return {r.name: r.plan for r in run.catalog.recipes_for(block, brief=run.brief)}
    except ValueError:  # a block the catalog has no recipes for (e.g. a model's own block name)
        return {}


def _open_blocks(solution: SolutionState) -> list[str]:
    return [b for b in block_names(solution.code or "") if b not in solution.refined_blocks]


def _log_too_little_time(run: RunContext, solution_id: str) -> None:
    took = last_script_s(run.folder.journal.read(), solution_id)
    run.folder.log(f"[{solution_id}] refinement ends: {run.solution_budget.remaining():.0f} s left for the "
                   f"solutions is too little for a script like its last one ({took:.0f} s): its fits would be "
                   "cut short")


def _time_for_another_step(run: RunContext, solution: SolutionState) -> bool:
    """Whether the solutions' time left covers another step as long as the previous one."""
    previous = solution.steps[-1]
    return run.solution_budget.remaining() >= run.budget.elapsed() - previous.started_s


def _step_from_choice(choice: dict[str, Any], solution: SolutionState, results: dict[str, float]) -> RefinementStep:
    available = _open_blocks(solution)
    block = choice.get("block")
    if block not in available:
        block = next((b for b in FALLBACK_BLOCKS if b in available), available[0] if available else "")
        choice = {"summary": "fallback choice: the chooser's answer named no unrefined block"}
    plan = {k: choice[k] for k in ("plan", "recipe") if choice.get(k)}
    return RefinementStep(ablation=results, ablation_summary=str(choice.get("summary", "")), block=block,
                          initial_plan=plan)
