"""Ensemble planner and implementer: strategies from the catalog, tried in turn, informed by scores."""

from __future__ import annotations

from typing import Any, Mapping

from ....knowledge import Catalog
from ....protocol import EnsemblePlanAnswer, ScriptAnswer
from ....sub_agents.ensembler.prompt import EnsembleImplementRequest, EnsemblePlanRequest
from ..composer import ensemble_script
from .common import Reply, brief_of


def plan_ensemble(request: EnsemblePlanRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    brief = brief_of(request)
    trials: list[dict[str, Any]] = request.trials
    tried = {t.get("strategy") for t in trials}
    options = [s for s in catalog.ensembles_for(brief["task_kind"])
               if s.holds_for(brief) and s.name not in tried and (not request.strategies or s.name in request.strategies)]
    if not options:
        return EnsemblePlanAnswer(plan="", stop=True)
    scored = [t for t in trials if t.get("score") is not None]
    note = ""
    if scored:
        best = max(scored, key=lambda t: t["score"] if brief.get("higher_is_better", True) else -t["score"])
        note = f" The best ensemble so far ({best.get('strategy')}) scored {best['score']:.6g}; this tries another way."
    return EnsemblePlanAnswer(plan=options[0].plan + note, strategy=options[0].name)


def implement_ensemble(request: EnsembleImplementRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    brief = brief_of(request)
    members = list(request.members)
    plan = request.plan
    strategies = {s.name: s for s in catalog.ensembles_for(brief["task_kind"]) if s.holds_for(brief)}
    strategy = strategies.get(plan.get("strategy")) or next(iter(strategies.values()))
    return ScriptAnswer(code=ensemble_script(brief, members, strategy), note=f"Implements {strategy.name}.")
