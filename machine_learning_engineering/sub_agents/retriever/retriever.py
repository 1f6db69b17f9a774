"""Retrieval (paper, step 1): an LLM agent with the model-card search tool proposes models; the
orchestrator validates them and deals them out to the parallel solutions."""

from __future__ import annotations

from typing import Any, AsyncGenerator, ClassVar, Optional, Union

from google.adk.agents import LlmAgent
from google.adk.agents.invocation_context import InvocationContext
from google.adk.events import Event
from google.adk.models.base_llm import BaseLlm
from ...knowledge.catalog import task_modalities
from ...run_context import RunContext, get_run
from ...state import RETRIEVED_MODELS, RetrievedModel, SolutionState, solution_delta, solution_ids
from ...protocol import ModelListAnswer
from ...tools.model_search import search_model_cards
from ..boundary import StepAgent
from ..llm_steps import Box, ask, make_llm_agent, state_event
from .prompt import ROLE, RetrievalRequest


class RetrievalAgent(StepAgent):
    """Finds candidate models and assigns `num_candidates` of them to each solution."""
    phase: ClassVar[str] = "retrieval"

    retriever: LlmAgent

    def __init__(self, model: Union[str, BaseLlm], extra_tools: tuple = ()) -> None:
        retriever = make_llm_agent("retriever", ROLE, model, "Proposes models that suit the task.",
                                   tools=(search_model_cards, *extra_tools))
        super().__init__(name="retrieval", description="Retrieves candidate models.",
                         retriever=retriever, sub_agents=[retriever])

    async def _step(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        run = get_run(ctx.session.state)
        if run is None:
            return
        settings = run.settings
        answer: Box[ModelListAnswer] = Box()
        request = RetrievalRequest(brief=run.brief, description=run.task.description, hints=settings.hints,
                                   count=_wanted(run))
        async for event in ask(self, ctx, self.retriever, request, answer):
            yield event
        models = answer.value.models if answer.value else []
        if not models:
            run.folder.log("retriever gave no usable model list; falling back to the local catalog")
            models = _catalog_models(run)
        yield state_event(self, ctx, _dealt(run, models), text="Retrieved: " + ", ".join(m.name for m in models))

    def _degrade(self, ctx: InvocationContext, run: Optional[RunContext],
                 error: Exception) -> tuple[dict[str, Any], str]:
        if run is None:
            return {}, "no run is open"
        return _dealt(run, _catalog_models(run)), "the solutions start from the local catalog's models"


def _wanted(run: RunContext) -> int:
    return run.settings.num_candidates * run.settings.num_solutions


def _catalog_models(run: RunContext) -> list[RetrievedModel]:
    """The local catalog's best models for the task (when the retriever gives none)."""
    modality = " ".join(task_modalities(run.brief)[0])
    cards = run.catalog.search_for_task(f"{modality} {run.brief['task_kind']}", run.brief, k=_wanted(run))
    return [RetrievedModel(name=c.name, description=c.summary, example_code=c.code) for c in cards]


def _dealt(run: RunContext, models: list[RetrievedModel]) -> dict[str, Any]:
    """The state delta that records the retrieved models and deals them to the solutions."""
    settings = run.settings
    run.folder.log("retrieved models: " + ", ".join(m.name for m in models))
    delta: dict[str, Any] = {RETRIEVED_MODELS: [m.model_dump() for m in models]}
    for sid, assigned in zip(solution_ids(settings.num_solutions),
                             deal(models, settings.num_solutions, settings.num_candidates)):
        delta.update(solution_delta(SolutionState(id=sid, models=[m.name for m in assigned])))
        run.folder.log(f"solution {sid} candidates: {', '.join(m.name for m in assigned)}")
    return delta


def deal(models: list[RetrievedModel], solutions: int, per_solution: int) -> list[list[RetrievedModel]]:
    """Round-robin assignment, so each solution starts from a different mix and the best model leads
    solution 1, the second-best solution 2, ...; each model goes to one solution, since a candidate that
    two solutions shared would run twice. Only a solution that would get no model shares one."""
    hands: list[list[RetrievedModel]] = [[] for _ in range(solutions)]
    distinct: list[RetrievedModel] = []
    for model in models:
        if model.name not in {m.name for m in distinct}:
            distinct.append(model)
    if not distinct:
        return hands
    for i, model in enumerate(distinct[: solutions * per_solution]):
        hands[i % solutions].append(model)
    for j, hand in enumerate(hands):
        if not hand:
            hand.append(distinct[j % len(distinct)])
    return hands
