"""Assembles the MLE-STAR agent graph from one `Settings`.

    mle_star (SequentialAgent)
    ├── task_setup
    ├── retrieval ── retriever (LLM + model-card search tool)
    ├── solutions (ParallelAgent: one branch per solution, truly concurrent)
    │   └── solution_sN (SequentialAgent)
    │       ├── initializer_sN ── candidate_writer, merger (and, for each further candidate run at
    │       │                     once, another candidate_writer and guards: a lane)
    │       ├── refinement_sN (LoopAgent, outer steps)
    │       │   ├── ablation_sN ── ablation_writer, block_chooser
    │       │   └── inner_loop_sN (LoopAgent, inner steps) ── block_refiner_sN ── planner, implementer
    │       └── guards_sN ── debugger, leakage_checker, usage_checker (used by every step above)
    ├── ensembler (LoopAgent, rounds) ── ensemble_round ── ensemble_planner, ensemble_implementer, guards
    └── submitter ── submission_fixer
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Optional

from google.adk.agents import BaseAgent, ParallelAgent, SequentialAgent
from google.adk.models.base_llm import BaseLlm

from .config import Settings
from .models.factory import ROLES, models_for_roles, search_tools
from .state import solution_ids
from .sub_agents.ensembler.ensembler import build_ensembler
from .sub_agents.guards.guards import Guards
from .sub_agents.guards.prompt import DEBUGGER
from .sub_agents.initializer.initializer import InitializerAgent
from .sub_agents.refinement.refinement import build_refinement_loop
from .sub_agents.retriever.retriever import RetrievalAgent
from .sub_agents.retriever.prompt import ROLE as RETRIEVER
from .sub_agents.submitter.submitter import SubmitterAgent
from .sub_agents.task_setup.task_setup import TaskSetupAgent

if TYPE_CHECKING:
    from google.genai import Client


class GuardsHolder(BaseAgent):
    """Holds a solution's guard agents so the graph shows them; the solution's steps call them
    directly, so in the sequence it does nothing."""

    async def _run_async_impl(self, ctx):
        return
        yield


def build_root_agent(settings: Settings, model: Optional[BaseLlm] = None,
                     gemini_client: Optional["Client"] = None) -> SequentialAgent:
    """The root agent for `settings`; `model` replaces every role's model (tests, custom backends);
    `gemini_client` is the google-genai client of the Gemini models (default: built from the environment).

    With Gemini, the retriever and the debuggers can also search the web (as in the paper)."""
    models = models_for_roles(settings, override=model, gemini_client=gemini_client)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Sequential/Loop/Parallel agents warn in ADK 2.x
        branches = []
        for sid in solution_ids(settings.num_solutions):
            guards = Guards.create(sid, models, tools=search_tools(models[DEBUGGER]))
            lane_guards = [guards] + [Guards.create(f"{sid}_lane{k + 1}", models, tools=search_tools(models[DEBUGGER]))
                                      for k in range(1, settings.candidates_at_once)]
            branches.append(SequentialAgent(name=f"solution_{sid}", sub_agents=[
                InitializerAgent(sid, models, lane_guards),
                build_refinement_loop(sid, settings.outer_steps, settings.extra_outer_steps, settings.inner_steps,
                                      models, guards),
                GuardsHolder(name=f"guards_{sid}", sub_agents=guards.agents()),
            ]))
        return SequentialAgent(
            name="mle_star",
            description="MLE-STAR: retrieve models, initialise, refine by ablation-guided nested loops, "
                        "ensemble and submit.",
            sub_agents=[
                TaskSetupAgent(settings),
                RetrievalAgent(models[RETRIEVER], extra_tools=search_tools(models[RETRIEVER])),
                (ParallelAgent if settings.parallel_solutions else SequentialAgent)(
                    name="solutions", sub_agents=branches),
                build_ensembler(settings.ensemble_rounds, models,
                                Guards.create("ensemble", models, tools=search_tools(models[DEBUGGER]))),
                SubmitterAgent(models["submission_fixer"]),
            ],
        )


__all__ = ["build_root_agent", "ROLES"]
