"""Initialisation (paper, step 2): one candidate script per retrieved model, run and ranked by
validation score, then the best merged with the next ones while the score improves."""

from __future__ import annotations

from typing import Any, AsyncGenerator, ClassVar, Mapping, Optional, Sequence, Union

from google.adk.agents import LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm

from ...run_context import RunContext, get_run
from ...state import RETRIEVED_MODELS, Candidate, RetrievedModel, SolutionState, read_solution, solution_delta
from ...protocol import ScriptAnswer
from ..boundary import StepAgent
from ..guards.guards import Guards, Outcome, guarded_execute
from ..interleave import interleave
from ..llm_steps import Box, ask, make_llm_agent, state_event
from .prompt import CANDIDATE_WRITER, MERGER, CandidateRequest, MergeRequest


class InitializerAgent(StepAgent):
    """Builds the initial solution of one solution id.

    Its candidates run in L lanes at once (`Settings.candidates_at_once`): each lane writes and runs
    every L-th candidate in turn with its own writer and guard agents (an LLM agent reads its prompt
    from one state key, so two questions at once need two agents). The first lane uses the solution's
    guards, which the merges use too."""
    phase: ClassVar[str] = "initialisation"

    solution_id: str
    writers: list[LlmAgent]
    merger: LlmAgent
    lane_guards: list[Guards]

    def __init__(self, solution_id: str, models: Mapping[str, Union[str, BaseLlm]],
                 lane_guards: Sequence[Guards]) -> None:
        """`lane_guards`: one Guards per lane, the solution's own first (the caller holds that one;
        this agent holds the others)."""
        writers = [make_llm_agent(f"candidate_writer_{solution_id}" + (f"_lane{k + 1}" if k else ""),
                                  CANDIDATE_WRITER, models[CANDIDATE_WRITER],
                                  "Writes one candidate script per retrieved model.")
                   for k in range(len(lane_guards))]
        merger = make_llm_agent(f"merger_{solution_id}", MERGER, models[MERGER],
                                "Merges a candidate into the best solution.")
        lane_agents = [agent for guards in lane_guards[1:] for agent in guards.agents()]
        super().__init__(name=f"initializer_{solution_id}", description="Runs candidates, ranks and merges them.",
                         solution_id=solution_id, writers=writers, merger=merger, lane_guards=list(lane_guards),
                         sub_agents=[*writers, merger, *lane_agents])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        if run is None:
            return
        sid = self.solution_id
        solution = read_solution(ctx.session.state, sid)
        codes: dict[str, str] = {}
        lanes = len(self.writers)
        if lanes > 1 and len(solution.models) > 1:
            run.folder.log(f"[{sid}] {min(lanes, len(solution.models))} candidates run at once")
        retrieved = {m["name"]: RetrievedModel.model_validate(m) for m in ctx.session.state.get(RETRIEVED_MODELS, [])}
        done: dict[int, Candidate] = {}
        async for event in interleave([self._lane(ctx, run, solution, retrieved, lane, done, codes)
                                       for lane in range(lanes)]):
            yield event

        ranked = sorted((c for c in solution.candidates if c.model in codes),
                        key=lambda c: c.score, reverse=run.task.metric.higher_is_better)
        if not ranked:
            run.folder.log(f"[{sid}] no candidate worked; this solution has nothing to refine")
            yield state_event(self, ctx, solution_delta(solution))
            return
        best = ranked[0]
        solution.code, solution.score, solution.attempt_id = codes[best.model], best.score, best.attempt_id
        solution.initial_score = best.score
        run.folder.log(f"[{sid}] ranking: " + ", ".join(f"{c.model}={c.score:.6g}" for c in ranked))

        for other in ranked[1:]:
            if run.solution_budget.exhausted:
                break
            answer = Box()
            request = MergeRequest(brief=run.brief, description=run.task.description, hints=run.settings.hints,
                                   base_code=solution.code, reference_code=codes[other.model])
            async for event in ask(self, ctx, self.merger, request, answer):
                yield event
            if answer.value is None:
                run.folder.log(f"[{sid}] the merger gave no usable script; merging stops")
                break
            out = Box()
            async for event in guarded_execute(self, ctx, run, self.lane_guards[0], answer.value.code,
                                               solution_id=sid, phase="merge", label=f"merge {other.model}",
                                               out=out, exchange=answer.exchange):
                yield event
            attempt = out.value.attempt
            solution.merges.append(Candidate(model=other.model, attempt_id=attempt.id, score=attempt.score,
                                             failure=attempt.failure))
            verdict = run.runner.keep_rule.judge_id(attempt, solution.attempt_id) if attempt.ok else None
            note = verdict.note() if verdict else ""
            if verdict is not None and verdict.better:
                run.folder.log(f"[{sid}] merge with {other.model} improved {solution.score:.6g} -> {attempt.score:.6g}"
                               + (f" {note}" if note else ""))
                solution.code, solution.score, solution.attempt_id = out.value.code, attempt.score, attempt.id
            else:
                beyond = f" beyond the noise ({attempt.score:.6g}, {note})" if note else ""
                run.folder.log(f"[{sid}] merge with {other.model} did not improve{beyond}; merging stops")
                break
        yield state_event(self, ctx, solution_delta(solution),
                          text=f"Solution {sid} initialised: score {solution.score:.6g}")

    async def _lane(self, ctx: InvocationContext, run: RunContext, solution: SolutionState,
                    retrieved: Mapping[str, RetrievedModel], lane: int, done: dict[int, Candidate],
                    codes: dict[str, str]) -> AsyncGenerator[Event, None]:
        """Writes and runs this lane's candidates; each lands in `done` under its model's position, and
        the solution's candidates stay in model order whichever lane finishes first."""
        writer, guards = self.writers[lane], self.lane_guards[lane]
        for position in range(lane, len(solution.models), len(self.writers)):
            if run.solution_budget.exhausted:
                return
            name = solution.models[position]
            model = retrieved.get(name, RetrievedModel(name=name))
            answer: Box[ScriptAnswer] = Box()
            request = CandidateRequest(brief=run.brief, description=run.task.description, hints=run.settings.hints,
                                       model_name=model.name, model_description=model.description,
                                       example_code=model.example_code or "# (none)")
            async for event in ask(self, ctx, writer, request, answer):
                yield event
            if answer.value is None:
                done[position] = Candidate(model=name, failure="the writer returned no usable script")
            else:
                out: Box[Outcome] = Box()
                async for event in guarded_execute(self, ctx, run, guards, answer.value.code, solution_id=solution.id,
                                                   phase="candidate", label=name, out=out,
                                                   check_usage=True, exchange=answer.exchange):
                    yield event
                attempt = out.value.attempt
                done[position] = Candidate(model=name, attempt_id=attempt.id, score=attempt.score,
                                           failure=attempt.failure)
                if attempt.ok:
                    codes[name] = out.value.code
            solution.candidates = [done[k] for k in sorted(done)]
            yield state_event(self, ctx, solution_delta(solution))

    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        """Keeps the best script that ran so far (a candidate or merge) as the solution."""
        solution = read_solution(ctx.session.state, self.solution_id)
        if run is None:
            return {}, "no run is open"
        tried = [c for c in solution.candidates + solution.merges if c.score is not None and c.failure is None]
        best = max(tried, key=lambda c: c.score if run.task.metric.higher_is_better else -c.score, default=None)
        if best is None or best.attempt_id is None:
            return {}, f"solution {self.solution_id} has no working script to go on with"
        if solution.score is not None and not run.runner.is_better(best.score, solution.score):
            return {}, f"solution {self.solution_id} goes on from its score {solution.score:.6g}"
        attempt = next(a for a in run.folder.journal.read() if a.id == best.attempt_id)
        solution.code = (run.folder.workspace_of(attempt) / "solution.py").read_text(encoding="utf-8")
        solution.score, solution.attempt_id = best.score, best.attempt_id
        solution.initial_score = solution.initial_score if solution.initial_score is not None else best.score
        return solution_delta(solution), f"solution {self.solution_id} goes on from {best.model} ({best.score:.6g})"
