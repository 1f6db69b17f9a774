"""Debugger, data-leakage checker and data-usage checker.

The debugger matches the error against known failure patterns and applies the fix each names; the
leakage checker traces, in the script's syntax tree, which variables hold test rows and flags any
`fit`/`fit_transform` on them; the usage checker compares the files the script reads with the inventory.
"""

from __future__ import annotations

import ast
import re
from typing import Mapping, Optional

from ....knowledge import Catalog
from ....tools.code_blocks import block_names, get_block, replace_block
from ....tools.python_ast import parse as parse_python
from ..composer import candidate_script
from ..composer.joins import add_joins, find_joins
from ....protocol import LeakageAnswer, ScriptAnswer, UsageAnswer
from ....sub_agents.guards.prompt import DebugRequest, LeakageRequest, UsageRequest
from .common import Reply, brief_of
from .writing import default_card

_TEST_NAME = re.compile(r"(^|_)(test|tst|all|full|combined)(_|$|df|data)", re.IGNORECASE)


def debug(request: DebugRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    brief, code, error = brief_of(request), request.code, request.error
    reference = candidate_script(brief, default_card(catalog, brief))
    for pattern, block, why in DEBUG_RULES:
        if re.search(pattern, error) and block in block_names(code):
            fixed = replace_block(code, block, get_block(reference, block))
            if fixed.strip() != code.strip():
                return ScriptAnswer(code=fixed, note=f"{why} The `{block}` block is replaced by a known-good version.")
    if block_names(code) != block_names(reference):
        return ScriptAnswer(code=reference,
                            note="The script does not follow the block layout; rewritten from the default model card.")
    return "I found no fix for this error."


# (error pattern, block to restore from the known-good template, explanation) - checked in order.
DEBUG_RULES: tuple[tuple[str, str, str], ...] = (
    (r"No module named '(xgboost|catboost|timm|torch)'", "model", "A model library is not installed."),
    (r"could not convert string to float|dtype.*object|Cannot use .* strategy with non-numeric",
     "preprocessing", "Text columns reached the model without encoding."),
    (r"Input (X )?contains NaN|NaN.*not (accepted|supported)|contains infinity", "preprocessing",
     "Missing or infinite values reached the model."),
    (r"(?s)in fit_predict|lightgbm|xgboost|catboost", "model", "The model failed to train."),
    (r"(?s)in add_features", "features", "Feature engineering failed."),
    (r"(?s)in preprocess", "preprocessing", "Preprocessing failed."),
    (r"submission", "submission", "Writing the submission failed."),
)


def check_leakage(request: LeakageRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    code = request.code
    findings = find_leaks(code)
    if not findings:
        return LeakageAnswer(leakage=False, explanation="Every fit uses training data only.")
    explanation = "; ".join(findings)
    brief = brief_of(request)
    fixed: Optional[str] = None
    if "preprocessing" in block_names(code):
        reference = candidate_script(brief, default_card(catalog, brief))
        fixed = replace_block(code, "preprocessing", get_block(reference, "preprocessing"))
        if find_leaks(fixed):
            fixed = None
    return LeakageAnswer(leakage=True, explanation=explanation, code=fixed)


def find_leaks(code: str) -> list[str]:
    """Calls that fit on variables holding test rows: a test-named variable, or one derived from it
    by indexing, attributes or combining calls (concat, append, vstack...). A call to the script's
    own function (e.g. `preprocess(train, test)` returning separate frames) does not carry test rows."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return []
    tainted: set[str] = set()

    def holds_test(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in tainted or _is_test_name(node.id)
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            return holds_test(node.value)
        if isinstance(node, (ast.List, ast.Tuple)):
            return any(holds_test(e) for e in node.elts)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in COMBINING_CALLS:
                return any(holds_test(a) for a in [*node.args, *[k.value for k in node.keywords]]) or \
                    (isinstance(node.func, ast.Attribute) and holds_test(node.func.value))
            if isinstance(node.func, ast.Attribute) and name in ROW_PRESERVING_METHODS:
                return holds_test(node.func.value)
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and holds_test(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    tainted.add(target.id)
    leaks = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("fit", "fit_transform") and node.args and holds_test(node.args[0])):
            leaks.append(f"line {node.lineno}: `{ast.unparse(node)[:100]}` fits on data that includes test rows")
    return leaks


# Calls whose result holds the rows of their arguments.
COMBINING_CALLS = {"concat", "append", "vstack", "hstack", "concatenate", "merge", "join", "DataFrame", "array"}
# Methods that keep the rows of the object they are called on.
ROW_PRESERVING_METHODS = {"copy", "drop", "fillna", "astype", "select_dtypes", "reset_index", "to_numpy",
                          "values", "assign", "replace", "where", "filter", "rename"}


def _is_test_name(name: str) -> bool:
    return bool(_TEST_NAME.search(name)) and "train" not in name.lower()


def check_usage(request: UsageRequest, catalog: Catalog, _: Mapping[str, object]) -> Reply:
    """Files the script never names; tables among them that share a key with train and test are
    joined onto their rows (scripts in the composer's layout), the rest are reported."""
    code = request.code
    brief = brief_of(request)
    provided = set(request.data_files)
    known = {brief.get("train_file"), brief.get("test_file"), brief.get("sample_submission_file")}
    unused = sorted(f for f in provided - known if f.split("/")[-1] not in code)
    missing_core = sorted(f for f in known if f and f.split("/")[-1] not in code)
    if not unused and not missing_core:
        return UsageAnswer(all_used=True, explanation="The script reads every data file.")
    joins = find_joins(unused, request.table_columns, brief.get("train_file", ""),
                       brief.get("test_file", ""), brief.get("id_columns") or (), brief.get("target_columns") or ())
    revised = add_joins(code, joins)
    if revised is None:
        return UsageAnswer(all_used=False, unused=missing_core + unused,
                           explanation="These provided files are never read, and none shares a key column "
                                       "with both train and test to join them by (or they hold train rows "
                                       "only); recorded for the user.")
    joined = ", ".join(f"{j.file} (on {j.key})" for j in joins)
    rest = [f for f in unused if f not in {j.file for j in joins}]
    return UsageAnswer(all_used=False, unused=missing_core + unused,
                       explanation=f"Joined onto train and test by their shared key: {joined}."
                                   + (f" Still unused (no shared key, or rows of train only): {', '.join(rest)}."
                                      if rest else ""),
                       code=revised)
