"""Applying refinement recipes to one block of a solution script, code-aware (via `ast`)."""

from __future__ import annotations

import ast
from typing import Any, Mapping

from ....knowledge.catalog import Catalog, Recipe
from ....tools.code_blocks import get_block, replace_block
from ....tools.python_ast import parse as parse_python
from .brief import normalise_brief
from .candidate import families_in
from .model_block import parse_model_block, render_param_sources, value_source

STEP_LISTS = {"features": "FEATURE_STEPS", "preprocessing": "PREPROCESS_STEPS", "postprocess": "POSTPROCESS_STEPS"}


def apply_recipe(code: str, recipe: Recipe, brief: Mapping[str, Any]) -> str:
    """`code` with `recipe` implemented in the recipe's block; every other block is left as it was.

    params recipes update the PARAMS dict of every model of the targeted families; settings recipes
    assign block constants; step recipes add a function to the block's step list; code recipes replace
    the block.

    Raises:
        ValueError: the recipe does not apply (conditions fail for the brief, no model of its families,
            block or constant missing, step already present); the message says why.
    """
    brief = normalise_brief(brief)
    families = families_in(code)
    if not recipe.holds_for(brief):
        raise ValueError(f"recipe {recipe.name!r} does not apply to this task (conditions {dict(recipe.applies_to)})")
    if recipe.families and not set(recipe.families) & set(families):
        raise ValueError(f"recipe {recipe.name!r} targets {', '.join(recipe.families)} but the solution's models are "
                         f"{', '.join(families) or 'none'}")
    block = get_block(code, recipe.block)
    if recipe.kind == "params":
        new_block = _merge_params(block, recipe)
    elif recipe.kind == "settings":
        new_block = _assign_settings(block, recipe)
    elif recipe.kind == "step":
        new_block = _add_step(code, block, recipe)
    else:
        new_block = recipe.code
    result = replace_block(code, recipe.block, new_block)
    try:
        parse_python(result)
    except SyntaxError as exc:
        raise ValueError(f"recipe {recipe.name!r} produced invalid Python: {exc}") from exc
    return result


def applicable_recipes(code: str, block: str, brief: Mapping[str, Any], catalog: Catalog) -> list[Recipe]:
    """Recipes for `block` that apply to this solution and task and would change the code, in catalog order."""
    brief = normalise_brief(brief)
    families = families_in(code)
    found = []
    for recipe in catalog.recipes_for(block, brief=brief):
        if recipe.families and not set(recipe.families) & set(families):
            continue
        try:
            changed = apply_recipe(code, recipe, brief) != code
        except ValueError:
            continue
        if changed:
            found.append(recipe)
    return found


def _replace_lines(text: str, start: int, end: int, new: str) -> str:
    """Replaces 1-based lines start..end of text."""
    lines = text.split("\n")
    return "\n".join(lines[: start - 1] + new.split("\n") + lines[end:])


def _top_assign(tree: ast.Module, name: str) -> ast.Assign | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node
    return None


def _merge_params(block: str, recipe: Recipe) -> str:
    members = parse_model_block(block).members
    targets = [m for m in members if m.family in recipe.params]
    if not targets:
        raise ValueError(f"recipe {recipe.name!r} targets {', '.join(recipe.params)}; the model block has "
                         f"{', '.join(m.family for m in members) or 'no members'}")
    edits = []
    tree = parse_python(block)
    for member in targets:
        if member.params_name is None:
            raise ValueError(f"model {member.name!r} has no PARAMS dict to update")
        node = _top_assign(tree, member.params_name)
        if node is None or not isinstance(node.value, ast.Dict):
            raise ValueError(f"{member.params_name} is not a dict literal in the model block; cannot merge parameters")
        sources = {}
        for key, value in zip(node.value.keys, node.value.values):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
                raise ValueError(f"{member.params_name} has a non-string key; cannot merge parameters")
            sources[key.value] = ast.get_source_segment(block, value)
        for key, value in recipe.params[member.family].items():
            sources[key] = value_source(value)
        edits.append((node.lineno, node.end_lineno, f"{member.params_name} = {render_param_sources(sources)}"))
    for start, end, new in sorted(edits, reverse=True):
        block = _replace_lines(block, start, end, new)
    return block


def _replace_value(block: str, node: ast.Assign, new_source: str) -> str:
    lines = block.split("\n")
    value = node.value
    first, last = lines[value.lineno - 1], lines[value.end_lineno - 1]
    merged = first[: value.col_offset] + new_source + last[value.end_col_offset:]
    return "\n".join(lines[: value.lineno - 1] + merged.split("\n") + lines[value.end_lineno:])


def _assign_settings(block: str, recipe: Recipe) -> str:
    for name, value in recipe.settings.items():
        node = _top_assign(parse_python(block), name)
        if node is None:
            raise ValueError(f"recipe {recipe.name!r} sets {name}, which the {recipe.block} block does not define")
        block = _replace_value(block, node, value_source(value))
    return block


def _add_step(code: str, block: str, recipe: Recipe) -> str:
    list_name = STEP_LISTS[recipe.block]
    step_tree = parse_python(recipe.step)
    functions = [n.name for n in step_tree.body if isinstance(n, ast.FunctionDef)]
    step_name = functions[-1]
    script_names = {n.name for n in parse_python(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    clash = [name for name in functions if name in script_names]
    if clash:
        raise ValueError(f"recipe {recipe.name!r} is already applied (the script defines {', '.join(clash)})")
    tree = parse_python(block)
    node = _top_assign(tree, list_name)
    if node is None or not isinstance(node.value, ast.List):
        raise ValueError(f"the {recipe.block} block has no {list_name} list; a step recipe cannot be added to it")
    items = [ast.get_source_segment(block, e) for e in node.value.elts] + [step_name]
    block = _replace_value(block, node, "[" + ", ".join(items) + "]")
    return _insert_before_line(block, node.lineno, recipe.step.strip("\n") + "\n\n\n")


def _insert_before_line(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    return "\n".join(lines[: line - 1] + new.split("\n") + lines[line - 1:])
