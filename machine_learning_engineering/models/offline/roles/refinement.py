"""Ablation writer, block chooser, planner and implementer: recipe-driven refinement of one block."""

from __future__ import annotations

import math

from typing import Any, Mapping, Optional

from ....knowledge import Catalog, Recipe
from ....tools.code_blocks import block_names, get_block
from ....tools.script_output import parse_ablation
from ....protocol import BlockAnswer, BlockChoiceAnswer, PlanAnswer, ScriptAnswer
from ....sub_agents.refinement.prompt import AblationRequest, BlockChoiceRequest, ImplementRequest, PlannerRequest
from ..composer import ablation_script, applicable_recipes, apply_recipe
from .common import Reply, brief_of

# Blocks in the order worth trying when the ablation says nothing (most often the most useful first).
DEFAULT_ORDER = ("model", "features", "preprocessing", "validation", "postprocess")


def write_ablation(request: AblationRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    return ScriptAnswer(code=ablation_script(request.code, brief_of(request)))


def choose_block(request: BlockChoiceRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    """The unrefined block whose ablation moved the score most and that has a recipe to try."""
    brief, code = brief_of(request), request.code
    refined = set(request.refined_blocks)
    ablation = parse_ablation(request.ablation_output)
    baseline = ablation.get("baseline")
    blocks = ablation.get("blocks", {})
    open_blocks = [b for b in block_names(code) if b not in refined and applicable_recipes(code, b, brief, catalog)]
    if not open_blocks:
        return BlockChoiceAnswer(block=None, summary="no block has a recipe left to try")

    def impact(block: str) -> tuple[float, int]:
        """Measured impact first; ties (and blocks the ablation could not measure) by experience."""
        score = blocks.get(block)
        measured = abs(baseline - score) if baseline is not None and score is not None and math.isfinite(score) else -1.0
        priority = -DEFAULT_ORDER.index(block) if block in DEFAULT_ORDER else -len(DEFAULT_ORDER)
        return measured, priority

    block = max(open_blocks, key=impact)
    recipe = applicable_recipes(code, block, brief, catalog)[0]
    impacts = ", ".join(f"{b}: {abs(baseline - s):.4g}" for b, s in blocks.items()
                        if math.isfinite(s)) if baseline is not None else ""
    summary = (f"Ablation impacts vs baseline {baseline:.6g}: {impacts}. " if impacts else
               "The ablation gave no usable scores; choosing by experience. ") + \
        f"Refining `{block}`, the most influential block not yet refined."
    return BlockChoiceAnswer(block=block, summary=summary, plan=recipe.plan, recipe=recipe.name)


def plan_next(request: PlannerRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    """The next untried recipe for the block; recipes like a kept one come first, like a failed one last."""
    brief, code, block = brief_of(request), request.code, request.block.strip()
    trials: list[dict[str, Any]] = request.trials
    tried = {t.get("recipe") for t in trials}
    kept = [t.get("recipe") for t in trials if t.get("kept")]
    failed = [t.get("recipe") for t in trials if not t.get("kept")]
    options = [r for r in applicable_recipes(code, block, brief, catalog) if r.name not in tried]
    if not options:
        return PlanAnswer(plan="", stop=True)
    options.sort(key=lambda r: (-_kinship(r, kept), _kinship(r, failed)))
    choice = options[0]
    context = ""
    if kept:
        context = f" This builds on the kept plan(s) {', '.join(kept)}."
    elif failed:
        context = f" Earlier plans ({', '.join(failed)}) did not improve the score, so this tries another direction."
    return PlanAnswer(plan=choice.plan + context, recipe=choice.name)


def implement(request: ImplementRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    brief, code, block = brief_of(request), request.code, request.block.strip()
    plan = request.plan
    recipe = _recipe(catalog, plan, block, code, brief)
    if recipe is None:
        return BlockAnswer(block_code=get_block(code, block), note="No recipe matches this plan; the block is unchanged.")
    return BlockAnswer(block_code=get_block(apply_recipe(code, recipe, brief), block), note=f"Implements {recipe.name}.")


def _recipe(catalog: Catalog, plan: dict, block: str, code: str, brief: dict) -> Optional[Recipe]:
    options = applicable_recipes(code, block, brief, catalog)
    by_name = {r.name: r for r in options}
    if plan.get("recipe") in by_name:
        return by_name[plan["recipe"]]
    text = str(plan.get("plan", ""))
    return next((r for r in options if r.plan[:60] in text), None)


def _kinship(recipe: Recipe, names: list[Optional[str]]) -> int:
    """How many of `names` share the recipe's family prefix (e.g. lightgbm_*)."""
    prefix = recipe.name.split("_")[0]
    return sum(1 for n in names if n and n.split("_")[0] == prefix)
