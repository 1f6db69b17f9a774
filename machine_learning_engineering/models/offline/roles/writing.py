"""Candidate writer, merger and submission fixer: whole scripts composed from model cards."""

from __future__ import annotations

from typing import Mapping, Optional

from ....knowledge import Catalog, ModelCard
from ....knowledge.catalog import conditions_hold
from ....tools.code_blocks import get_block, replace_block
from ....protocol import ScriptAnswer
from ....sub_agents.initializer.prompt import CandidateRequest, MergeRequest
from ....sub_agents.submitter.prompt import SubmissionFixRequest
from ..composer import apply_recipe, candidate_script, merge_scripts
from .common import Reply, brief_of

# Tree models meet an id-like column (`many_level_categoricals`) with its out-of-fold mean target and its
# frequency from the start: split on category codes, thousands of user or school levels fit poorly
# (eval/bench/reports/2026-12-07-dev-many-levels-300s-1core). Linear models one-hot such columns already
# and scored worse with the encodings.
ID_ENCODED_FAMILIES = ("lightgbm", "xgboost", "hist_gradient_boosting", "catboost")
ID_ENCODING_RECIPES = ("target_encoding", "frequency_encoding")


def write_candidate(request: CandidateRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    brief = brief_of(request)
    card = find_card(catalog, request.model_name.strip(), brief)
    code, note = candidate_script(brief, card), f"A {card.title} solution with k-fold validation."
    if card.family in ID_ENCODED_FAMILIES and conditions_hold({"many_level_categoricals": True}, brief):
        encoded = _with_recipes(code, ID_ENCODING_RECIPES, brief, catalog)
        if encoded != code:
            code, note = encoded, note + " Id-like categoricals also enter as out-of-fold target means and frequencies."
    return ScriptAnswer(code=code, note=note)


def _with_recipes(code: str, names: tuple[str, ...], brief: dict, catalog: Catalog) -> str:
    """`code` with each named recipe applied; one that a user's catalog replaced with something that no
    longer applies here is left out, so the candidate is still written."""
    for name in names:
        try:
            code = apply_recipe(code, catalog.recipe(name), brief)
        except (KeyError, ValueError):
            continue
    return code


def merge(request: MergeRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    merged = merge_scripts(request.base_code, request.reference_code, brief_of(request))
    return ScriptAnswer(code=merged, note="The base solution now also trains the reference model and blends both.")


def fix_submission(request: SubmissionFixRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    """Rewrites the submission block from the composer's template, which follows the sample's format."""
    brief = brief_of(request)
    code = request.code
    reference = candidate_script(brief, default_card(catalog, brief))
    try:
        fixed = replace_block(code, "submission", get_block(reference, "submission"))
    except ValueError:
        fixed = reference
    return ScriptAnswer(code=fixed, note="The submission block now writes exactly the sample submission's columns and ids.")


def find_card(catalog: Catalog, name: str, brief: dict) -> ModelCard:
    """The card of that name; else the most relevant card for the name; else the default card."""
    card: Optional[ModelCard] = None
    try:
        card = catalog.card(name)
    except KeyError:
        card = None
    if card is None and name:
        found = catalog.search_for_task(name, brief, k=1)
        card = found[0] if found else None
    return card or default_card(catalog, brief)


def default_card(catalog: Catalog, brief: dict) -> ModelCard:
    found = catalog.search_models("gradient boosting lightgbm", modality="tabular", task_kind=brief["task_kind"], k=1)
    if not found:
        raise RuntimeError("the model-card catalog has no usable tabular card; reinstall the package")
    return found[0]

