"""Merging the model of one solution into another: the model block becomes a blend of both."""

from __future__ import annotations

import ast
import re
from typing import Any, Mapping

from ....tools.code_blocks import get_block, replace_block, split_blocks
from ....tools.python_ast import parse as parse_python
from .brief import normalise_brief
from .model_block import GENERIC_NAMES, Member, ModelBlock, parse_model_block


def merge_scripts(base_code: str, other_code: str, brief: Mapping[str, Any]) -> str:
    """`base_code` whose model block also fits the models of `other_code`'s model block, blended.

    Every block except the model block is base's. The merged block keeps base's members and settings
    and adds the other's members (renamed where names clash); `fit_predict` blends all members with
    weights fit on each validation fold (cross-fitted on its halves, so the CV score stays honest).
    Merging again adds further members.

    Raises:
        ValueError: either script lacks a model block or its model block cannot be parsed.
    """
    normalise_brief(brief)
    base = parse_model_block(get_block(base_code, "model"))
    other = parse_model_block(get_block(other_code, "model"))
    taken = base.defined_names() | set(GENERIC_NAMES) | _script_names(base_code, skip="model")
    base_sources = {source for _, source in base.definitions}
    member_names = {m.name for m in base.members}
    renames: dict[str, str] = {}
    new_members = []
    for member in other.members:
        name = _unique(member.name, member_names)
        member_names.add(name)
        if name != member.name:
            for old, new in ((member.fit_name, f"fit_predict_{name}"), (member.params_name, f"PARAMS_{name.upper()}")):
                if old:
                    renames[old] = _unique(new, taken | set(renames.values()))
        new_members.append((name, member))
    definitions = []
    for names, source in other.definitions:
        if source in base_sources and not any(n in renames for n in names):
            continue  # an identical helper is already there
        for name in names:
            if name in taken and name not in renames:
                renames[name] = _unique(name, taken | set(renames.values()))
        definitions.append((names, source))
    merged = ModelBlock(
        imports=base.imports + other.imports,
        definitions=base.definitions + [([renames.get(n, n) for n in names], _rename(source, renames))
                                        for names, source in definitions],
        members=base.members + [
            Member(name, m.family, renames.get(m.fit_name, m.fit_name),
                   renames.get(m.params_name, m.params_name) if m.params_name else None)
            for name, m in new_members
        ],
        settings=dict(base.settings),
    )
    return replace_block(base_code, "model", merged.render())


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    i = 2
    while f"{name}_{i}" in taken:
        i += 1
    return f"{name}_{i}"


def _rename(source: str, renames: Mapping[str, str]) -> str:
    if not renames:
        return source
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(renames, key=len, reverse=True))) + r")\b")
    return pattern.sub(lambda m: renames[m.group(1)], source)


def _script_names(code: str, skip: str) -> set[str]:
    """Top-level names defined by every block but `skip`."""
    names: set[str] = set()
    for name, text in split_blocks(code):
        if name == skip:
            continue
        try:
            tree = parse_python(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names
