"""Ablation writer, block chooser, planner and implementer: recipe-driven refinement of one block."""

from __future__ import annotations

import math

from typing import Any, Mapping, Optional

from ....knowledge import Catalog, Recipe
from ....tools.code_blocks import block_names, get_block
from ....tools.script_output import parse_ablation
from ....protocol import BlockAnswer, BlockChoiceAnswer, PlanAnswer, ScriptAnswer
from ....sub_agents.refinement.prompt import AblationRequest, BlockChoiceRequest, ImplementRequest, PlannerRequest
from ..composer import NOISE_FACTOR, ablation_script, applicable_recipes, apply_recipe
from .common import Reply, brief_of

# Blocks in the order worth trying when the ablation says nothing (most often the most useful first).
DEFAULT_ORDER = ("model", "features", "preprocessing", "validation", "postprocess")


def write_ablation(request: AblationRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    return ScriptAnswer(code=ablation_script(request.code, brief_of(request)))


def choose_block(request: BlockChoiceRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    """The unrefined block whose ablation moved the score most beyond its fold noise and that has a recipe
    to try; when no block's impact stands out of the noise, the block experience says is most often worth it."""
    brief, code = brief_of(request), request.code
    refined = set(request.refined_blocks)
    ablation = parse_ablation(request.ablation_output)
    baseline = ablation.get("baseline")
    blocks, noise = ablation.get("blocks", {}), ablation.get("noise", {})
    open_blocks = [b for b in block_names(code) if b not in refined and applicable_recipes(code, b, brief, catalog)]
    if not open_blocks:
        return BlockChoiceAnswer(block=None, summary="no block has a recipe left to try")

    def measured(block: str) -> Optional[float]:
        score = blocks.get(block)
        return abs(baseline - score) if baseline is not None and score is not None and math.isfinite(score) else None

    def matters(block: str) -> bool:
        """Nonzero and beyond NOISE_FACTOR standard errors; unknown noise cannot rule an impact out."""
        impact, se = measured(block), noise.get(block)
        if not impact:
            return False
        return se is None or not math.isfinite(se) or impact > NOISE_FACTOR * se

    def experience(block: str) -> int:
        return -DEFAULT_ORDER.index(block) if block in DEFAULT_ORDER else -len(DEFAULT_ORDER)

    standing_out = [b for b in open_blocks if matters(b)]
    if standing_out:
        block = max(standing_out, key=lambda b: (measured(b), experience(b)))
        why = (f"Refining `{block}`: its ablation moved the score by {measured(block):.4g}"
               f"{_noise_text(noise.get(block))}, the most of the blocks not yet refined.")
    else:
        block = max(open_blocks, key=experience)
        closed = [b for b in blocks if b not in open_blocks and matters(b)]
        if closed:
            each = "is" if len(closed) == 1 else "each is"
            why = (f"{', '.join(f'`{b}`' for b in closed)} moved the score beyond {NOISE_FACTOR:g} times its "
                   f"fold noise, but {each} refined already or has no recipe left to try; refining `{block}`, the "
                   f"block most often worth it among the others.")
        elif any(measured(b) is not None for b in blocks):
            why = (f"No block's ablation moved the score beyond {NOISE_FACTOR:g} times its fold noise, so the "
                   f"study does not say which block matters; refining `{block}`, the block most often worth it.")
        else:
            why = f"The ablation gave no usable scores; refining `{block}`, the block most often worth it."
    recipe = applicable_recipes(code, block, brief, catalog)[0]
    impacts = ", ".join(f"{b}: {measured(b):.4g}{_noise_text(noise.get(b))}" for b in blocks
                        if measured(b) is not None)
    summary = (f"Ablation impacts vs baseline {baseline:.6g}: {impacts}. " if impacts else "") + why
    return BlockChoiceAnswer(block=block, summary=summary, plan=recipe.plan, recipe=recipe.name)


def _noise_text(se: Optional[float]) -> str:
    return f" (noise {se:.2g})" if se is not None and math.isfinite(se) and se > 0 else ""


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
