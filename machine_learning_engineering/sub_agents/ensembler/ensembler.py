"""Ensembling (paper, step 4): one round = a plan informed by earlier rounds' scores, its
implementation over the members' saved predictions, and a run."""

from __future__ import annotations

from textwrap import shorten
from typing import Any, AsyncGenerator, ClassVar, Mapping, Optional, Union

from google.adk.agents import LlmAgent, LoopAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...run_context import RunContext, get_run
from ...task.metrics import format_score
from ...state import ENSEMBLE, EnsembleTrial, read_ensemble, read_solution, solution_ids
from ...protocol import EnsemblePlanAnswer, ScriptAnswer
from ..boundary import StepAgent
from ..guards.guards import Guards, Outcome, guarded_execute
from ..llm_steps import Box, ask, make_llm_agent, state_event
from ..prompt_parts import task_fields
from .prompt import ENSEMBLE_IMPLEMENTER, ENSEMBLE_PLANNER, EnsembleImplementRequest, EnsemblePlanRequest

ARTIFACTS = ("oof.npy", "test_pred.npy", "meta.json")
# Predictions before rounding, written by the composer's MAE scripts (see its scaffold); copied when present.
UNROUNDED_ARTIFACTS = ("oof_unrounded.npy", "test_pred_unrounded.npy")
MAX_MEMBERS = 8


class EnsembleRoundAgent(StepAgent):
    phase: ClassVar[str] = "ensemble"

    planner: LlmAgent
    implementer: LlmAgent
    guards: Guards
    rounds: int

    def __init__(self, rounds: int, models: Mapping[str, Union[str, BaseLlm]], guards: Guards) -> None:
        planner = make_llm_agent("ensemble_planner", ENSEMBLE_PLANNER, models[ENSEMBLE_PLANNER],
                                 "Plans how to combine the solutions.")
        implementer = make_llm_agent("ensemble_implementer", ENSEMBLE_IMPLEMENTER, models[ENSEMBLE_IMPLEMENTER],
                                     "Implements the ensemble plan.")
        super().__init__(name="ensemble_round", description="One ensemble plan, implemented and run.",
                         planner=planner, implementer=implementer, guards=guards, rounds=rounds,
                         sub_agents=[planner, implementer, *guards.agents()])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        if run is None or run.budget.exhausted:
            return
        ensemble = read_ensemble(ctx.session.state)
        if not ensemble.members:
            ensemble.members = [str(i) for i in _members(run, ctx.session.state)]
        members = {str(a.id): a for a in run.folder.journal.read() if str(a.id) in ensemble.members}
        if len(members) < 2 or len(ensemble.trials) >= self.rounds or ensemble.trials and ensemble.trials[-1].plan == "":
            return
        scores = {f"m{aid}": a.score for aid, a in members.items()}
        answer: Box[EnsemblePlanAnswer] = Box()
        strategies = {s.name: s.plan for s in run.catalog.ensembles_for(run.brief["task_kind"]) if s.holds_for(run.brief)}
        history = [t.model_dump(include={"plan", "strategy", "score", "failure"}) for t in ensemble.trials]
        request = EnsemblePlanRequest(**task_fields(run), members=scores, strategies=strategies, trials=history)
        async for event in ask(self, ctx, self.planner, request, answer):
            yield event
        plan = answer.value.model_dump(exclude_defaults=True) if answer.value else {}
        if plan.get("stop") or not str(plan.get("plan", "")).strip():
            ensemble.trials.append(EnsembleTrial(plan="", failure="no further plan"))
            yield state_event(self, ctx, {ENSEMBLE: ensemble.model_dump(mode="json")})
            return
        trial = EnsembleTrial(plan=str(plan["plan"]), strategy=plan.get("strategy"))
        implemented: Box[ScriptAnswer] = Box()
        request = EnsembleImplementRequest(**task_fields(run), members=scores, plan=plan)
        async for event in ask(self, ctx, self.implementer, request, implemented):
            yield event
        if implemented.value is None:
            trial.failure = "the implementer returned no usable script"
        else:
            files = {f"members/m{aid}/{name}": run.folder.workspace_of(a) / "artifacts" / name
                     for aid, a in members.items() for name in ARTIFACTS + UNROUNDED_ARTIFACTS
                     if name in ARTIFACTS or (run.folder.workspace_of(a) / "artifacts" / name).exists()}
            out: Box[Outcome] = Box()
            async for event in guarded_execute(self, ctx, run, self.guards, implemented.value.code,
                                               solution_id="ensemble", phase="ensemble",
                                               label=trial.strategy or shorten(trial.plan, 60, placeholder=" ..."), out=out, extra_files=files,
                                               exchange=implemented.exchange):
                yield event
            attempt = out.value.attempt
            trial.attempt_id, trial.score, trial.failure = attempt.id, attempt.score, attempt.failure
            if attempt.ok and run.runner.is_better(attempt.score, ensemble.best_score):
                ensemble.best_attempt_id, ensemble.best_score = attempt.id, attempt.score
        run.folder.log(f"ensemble round {len(ensemble.trials) + 1}: {trial.plan[:160]} -> "
                       f"{format_score(trial.score) if trial.score is not None else trial.failure}")
        ensemble.trials.append(trial)
        yield state_event(self, ctx, {ENSEMBLE: ensemble.model_dump(mode="json")})


    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """The round counts as a failed plan, so the next round tries another strategy."""
        ensemble = read_ensemble(ctx.session.state)
        ensemble.trials.append(EnsembleTrial(plan="(not completed)", failure=f"internal error: {type(error).__name__}"))
        return {ENSEMBLE: ensemble.model_dump(mode="json")}, "the next round tries another plan"


def build_ensembler(rounds: int, models: Mapping[str, Union[str, BaseLlm]], guards: Guards) -> LoopAgent:
    return LoopAgent(name="ensembler", max_iterations=rounds,
                     sub_agents=[EnsembleRoundAgent(rounds, models, guards)])


def _members(run: RunContext, state: Mapping[str, Any]) -> list[int]:
    """The attempts to combine: each solution's best, then the best other working scripts, all with
    saved predictions, without two scripts of the same solution and score."""
    attempts = {a.id: a for a in run.folder.journal.read()}
    chosen: list[int] = []
    for sid in solution_ids(run.settings.num_solutions):
        best = read_solution(state, sid).attempt_id
        if best is not None and best in attempts:
            chosen.append(best)
    others = [a for a in attempts.values()
              if a.ok and a.phase in ("candidate", "merge", "refine") and a.id not in chosen]
    others.sort(key=lambda a: a.score, reverse=run.task.metric.higher_is_better)
    seen = {(attempts[i].solution_id, attempts[i].score) for i in chosen}
    for attempt in others:
        key = (attempt.solution_id, attempt.score)
        if key not in seen:
            chosen.append(attempt.id)
            seen.add(key)
    has_artifacts = [i for i in chosen if all((run.folder.workspace_of(attempts[i]) / "artifacts" / n).exists()
                                              for n in ARTIFACTS)]
    return has_artifacts[:MAX_MEMBERS]
