"""The one schema of the state shared through the ADK session.

Agents read and write session state only through this module: top-level keys are the constants
below, per-solution data lives under `solution_key(id)` as a `SolutionState`, and the prompt an
orchestrator hands to one of its LLM agents lives under `prompt_key(agent)`. Everything stored is
JSON-serialisable so any ADK session service (in memory, database, Vertex AI) can hold it.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from pydantic import BaseModel, Field

TASK_DIR = "task_dir"
"""Folder of the task (input: set by the caller, or parsed from the user's message)."""
RUN_DIR = "run_dir"
"""Run folder holding every script, its output and the best submission."""
RESUME = "resume"
"""True when RUN_DIR is an earlier run to continue (its completed work is reused)."""
SETTINGS = "settings"
"""`Settings.to_dict()` of the run."""
BRIEF = "brief"
"""The task brief (kind, metric, files, columns) every prompt is built from."""
TASK_SUMMARY = "task_summary"
RETRIEVED_MODELS = "retrieved_models"
"""List of `RetrievedModel` dicts, best first."""
ENSEMBLE = "ensemble"
"""`EnsembleState` dict."""
FINAL = "final"
"""`FinalResult` dict, written by the submitter."""


def solution_key(solution_id: str) -> str:
    """State key of one solution's `SolutionState`."""
    return f"solution:{solution_id}"


def prompt_key(agent_name: str) -> str:
    """State key holding the prompt an orchestrator prepared for one of its LLM agents."""
    return f"prompt:{agent_name}"


class RetrievedModel(BaseModel):
    """A model the retriever proposes, with why it suits the task and example code."""

    name: str
    description: str = ""
    example_code: str = ""


class Candidate(BaseModel):
    """One initial candidate script (one retrieved model) and how it scored."""

    model: str
    attempt_id: Optional[int] = None
    score: Optional[float] = None
    failure: Optional[str] = None


class PlanTrial(BaseModel):
    """One inner-loop plan for a code block and the score its implementation reached."""

    plan: str
    recipe: Optional[str] = None
    attempt_id: Optional[int] = None
    score: Optional[float] = None
    failure: Optional[str] = None
    kept: bool = False
    verdict: str = ""
    """How the score compared with the block's best so far on the same folds (`tools.keep_rule`)."""


class RefinementStep(BaseModel):
    """One outer-loop step: the ablation result, the chosen block and the plans tried on it."""

    started_s: float = 0.0
    """Seconds into the run when the step began (how long a step takes decides whether another fits)."""
    ablation: dict[str, float] = Field(default_factory=dict)
    ablation_noise: dict[str, float] = Field(default_factory=dict)
    """Per block, the standard error of its per-fold differences from the baseline (where the study measured it)."""
    ablation_output: str = ""
    ablation_summary: str = ""
    block: Optional[str] = None
    initial_plan: dict[str, Any] = Field(default_factory=dict)
    score_before: Optional[float] = None
    trials: list[PlanTrial] = Field(default_factory=list)
    done: bool = False


class SolutionState(BaseModel):
    """Everything one solution carries between agents; keyed by its id, never by agent names."""

    id: str
    models: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    merges: list[Candidate] = Field(default_factory=list)
    code: Optional[str] = None
    score: Optional[float] = None
    attempt_id: Optional[int] = None
    initial_score: Optional[float] = None
    steps: list[RefinementStep] = Field(default_factory=list)
    refinement_over: bool = False
    """No further outer step: no block left to refine, or not enough time for another step."""

    @property
    def refined_blocks(self) -> list[str]:
        return [s.block for s in self.steps if s.block]

    @property
    def current_step(self) -> Optional[RefinementStep]:
        return self.steps[-1] if self.steps and not self.steps[-1].done else None


class EnsembleTrial(BaseModel):
    plan: str
    strategy: Optional[str] = None
    attempt_id: Optional[int] = None
    score: Optional[float] = None
    failure: Optional[str] = None


class EnsembleState(BaseModel):
    members: list[str] = Field(default_factory=list)
    trials: list[EnsembleTrial] = Field(default_factory=list)
    best_attempt_id: Optional[int] = None
    best_score: Optional[float] = None


class FinalResult(BaseModel):
    """What the submitter hands back: the chosen source, its score and the submission file."""

    source: str
    score: Optional[float] = None
    test_score: Optional[float] = None
    """The submission's score on the task's private answers, when it has them (reported, never used to decide)."""
    submission_path: Optional[str] = None
    script_path: Optional[str] = None
    ended: str = ""
    """Why the run ended, and when, in one sentence."""
    problems: list[str] = Field(default_factory=list)


def read_solution(state: Mapping[str, Any], solution_id: str) -> SolutionState:
    raw = state.get(solution_key(solution_id))
    return SolutionState.model_validate(raw) if raw else SolutionState(id=solution_id)


def solution_delta(solution: SolutionState) -> dict[str, Any]:
    """The state delta that stores one solution."""
    return {solution_key(solution.id): solution.model_dump(mode="json")}


def read_ensemble(state: Mapping[str, Any]) -> EnsembleState:
    raw = state.get(ENSEMBLE)
    return EnsembleState.model_validate(raw) if raw else EnsembleState()


def solution_ids(count: int) -> list[str]:
    """Ids of the parallel solutions of a run: s1, s2, ..."""
    return [f"s{i + 1}" for i in range(count)]
