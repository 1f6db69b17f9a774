"""Every role's request renders into a complete prompt that reads back into the same request, and
every role's answer parses from the untidy forms real models write, or is refused with what to fix.

The requests are built as the orchestrators build them, from a real task (the bundled breast-cancer
task), its brief, and scripts written by the offline engine's composer. The answer cases are data:
one line per case in `CASES` (`SCRIPT_CASES` apply to every role whose answer is a whole script).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Union

import pandas as pd
import pytest

from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.knowledge.catalog import load_catalog
from machine_learning_engineering.models.offline.composer import (ablation_script, apply_recipe, candidate_script,
                                                                  ensemble_script, merge_scripts)
from machine_learning_engineering.protocol import (JSON, PREVIOUS_PROBLEM, AnswerError, BlockAnswer,
                                                   BlockChoiceAnswer, EnsemblePlanAnswer, LeakageAnswer,
                                                   ModelListAnswer, PlanAnswer, RoleAnswer, RoleRequest, ScriptAnswer,
                                                   UsageAnswer, fence, fences, role_header, role_of, split_sections)
from machine_learning_engineering.state import PlanTrial, RetrievedModel
from machine_learning_engineering.sub_agents.roles import REQUESTS, read_request
from machine_learning_engineering.task import load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.grader import check_submission
from machine_learning_engineering.task.inventory import summarise_inventory
from machine_learning_engineering.task.tables import read_header
from machine_learning_engineering.tools.code_blocks import block_names, get_block, replace_block

HINT = "Hint-7f3a: the clinicians trust the worst_* measurements most; keep every model small."
PLAIN_DESCRIPTION = ("Predict the probability that a breast mass is benign (target = 1) from 30 measurements of "
                     "its cell nuclei. Submissions are scored by ROC AUC.")
HEADED_DESCRIPTION = """\
# Breast cancer: benign or malignant?

## Data

- `train.csv`: 455 rows with the target.
- `test.csv`: 114 rows to predict.

### Metric

ROC AUC of the predicted probabilities.

#Hashtag lines and ####### deep ones are not headings of ours."""
# What the prompt holds: `#` and `##` headings two levels down, so none of them ends the section early.
HEADED_DESCRIPTION_AS_READ = HEADED_DESCRIPTION.replace("# Breast", "### Breast").replace("## Data", "#### Data")

ABLATION_OUTPUT = """\
Ablation baseline -> 0.992134
Ablation result: preprocessing -> 0.991502
Ablation result: model -> 0.962870
Ablation result: postprocess -> 0.992134
Final Validation Performance: 0.992134"""
ERROR = """\
the script failed (exit code 1)

Traceback (most recent call last):
  File "solution.py", line 212, in <module>
    X_tr, X_va = preprocess(train_df.iloc[tr_idx], train_df.iloc[va_idx])
  File "solution.py", line 131, in preprocess
    X_tr = pd.DataFrame(out_tr, index=train_df.idx)
AttributeError: 'DataFrame' object has no attribute 'idx'"""
LEAK = """\
    both = pd.concat([train_df, test_df])
    train_df = (train_df - both.mean()) / both.std()
    test_df = (test_df - both.mean()) / both.std()
"""
PLANS = [PlanTrial(plan="Cut the learning rate to 0.02 and allow 3000 rounds with early stopping.",
                   recipe="slower_learning_more_rounds", score=0.993412, kept=True),
         PlanTrial(plan="Switch LightGBM to extremely randomised trees.", recipe="lightgbm_extra_trees",
                   failure="the script timed out after 300 s")]
ENSEMBLE_TRIALS = [{"plan": "Average the members' probabilities.", "strategy": "mean", "score": 0.994071,
                    "failure": None},
                   {"plan": "Stack with a logistic regression on the out-of-fold predictions.", "strategy": "stacking",
                    "score": None, "failure": "ValueError: Found input variables with inconsistent numbers of samples"}]
MEMBERS = {"m3": 0.992134, "m7": 0.989876}


# ---------------------------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> SimpleNamespace:
    """A real task with its brief and catalog, and the scripts the roles see and write."""
    task = load_task(build_task("breast-cancer", tmp_path_factory.mktemp("tasks")))
    brief = make_brief(task, profile_task(task), n_folds=5, seed=42)
    catalog = load_catalog()
    code = candidate_script(brief, catalog.card("lightgbm"))
    other = candidate_script(brief, catalog.card("random_forest"))
    refined = apply_recipe(code, catalog.recipe("regularise_trees"), brief)
    broken = code.replace("index=train_df.index)", "index=train_df.idx)", 1)
    leaky = code.replace("    for step in PREPROCESS_STEPS:\n", LEAK + "    for step in PREPROCESS_STEPS:\n", 1)
    assert broken != code and leaky != code
    sample = pd.read_csv(task.data_dir / task.sample_submission_file)

    def recipes(block: str) -> dict[str, str]:
        try:
            return {r.name: r.plan for r in catalog.recipes_for(block, brief=brief)}
        except ValueError:
            return {}

    return SimpleNamespace(
        task=task, brief=brief, catalog=catalog, code=code, other=other, broken=broken, leaky=leaky,
        refined=refined, merged=merge_scripts(code, other, brief), ablation=ablation_script(code, brief, catalog),
        ensemble=ensemble_script(brief, list(MEMBERS), catalog.ensemble("greedy_weights")),
        strategies={s.name: s.plan for s in catalog.ensembles_for(brief["task_kind"]) if s.holds_for(brief)},
        recipes=recipes, refined_blocks=["features"],
        problems=check_submission(sample.rename(columns={"target": "prediction"}).head(100), task),
        sample_head=(task.data_dir / task.sample_submission_file).read_text().splitlines()[:5])


def _task_fields(w: SimpleNamespace, description: str) -> dict[str, Any]:
    return dict(brief=w.brief, description=description, hints=HINT)


# How each orchestrator builds its role's request (extra keys a request does not have are ignored).
BUILDERS: dict[str, Callable[[SimpleNamespace, str], RoleRequest]] = {
    "retriever": lambda w, d: REQUESTS["retriever"](**_task_fields(w, d), count=3),
    "candidate_writer": lambda w, d: REQUESTS["candidate_writer"](
        **_task_fields(w, d), model_name="lightgbm", model_description=w.catalog.card("lightgbm").summary,
        example_code="import lightgbm as lgb\nmodel = lgb.LGBMClassifier(n_estimators=500, learning_rate=0.05)\n"
                     "model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)])\n"),
    "merger": lambda w, d: REQUESTS["merger"](**_task_fields(w, d), base_code=w.code, reference_code=w.other),
    "ablation_writer": lambda w, d: REQUESTS["ablation_writer"](**_task_fields(w, d), code=w.code,
                                                                refined_blocks=w.refined_blocks),
    "block_chooser": lambda w, d: REQUESTS["block_chooser"](
        **_task_fields(w, d), code=w.code, ablation_output=ABLATION_OUTPUT, refined_blocks=w.refined_blocks,
        recipes={b: w.recipes(b) for b in block_names(w.code) if b not in w.refined_blocks and w.recipes(b)}),
    "planner": lambda w, d: REQUESTS["planner"](
        **_task_fields(w, d), code=w.code, block="model", baseline=0.992134, recipes=w.recipes("model"),
        trials=[t.model_dump(include={"plan", "recipe", "score", "failure", "kept"}) for t in PLANS]),
    "implementer": lambda w, d: REQUESTS["implementer"](
        **_task_fields(w, d), code=w.code, block="model", block_code=get_block(w.code, "model"),
        plan={"plan": w.catalog.recipe("regularise_trees").plan, "recipe": "regularise_trees"}),
    "ensemble_planner": lambda w, d: REQUESTS["ensemble_planner"](
        **_task_fields(w, d), members=MEMBERS, strategies=w.strategies, trials=ENSEMBLE_TRIALS),
    "ensemble_implementer": lambda w, d: REQUESTS["ensemble_implementer"](
        **_task_fields(w, d), members=MEMBERS,
        plan={"plan": w.strategies["greedy_weights"], "strategy": "greedy_weights"}),
    "debugger": lambda w, d: REQUESTS["debugger"](**_task_fields(w, d), code=w.broken, error=ERROR),
    "leakage_checker": lambda w, d: REQUESTS["leakage_checker"](**_task_fields(w, d), code=w.leaky),
    "usage_checker": lambda w, d: REQUESTS["usage_checker"](
        **_task_fields(w, d), code=w.code, inventory=summarise_inventory(w.task.files),
        data_files=[str(f.path) for f in w.task.files if f.kind == "csv"],
        table_columns={str(f.path): read_header(w.task.data_dir / f.path) for f in w.task.files if f.kind == "csv"}),
    "submission_fixer": lambda w, d: REQUESTS["submission_fixer"](
        **_task_fields(w, d), code=w.code, problems=w.problems, sample_head="\n".join(w.sample_head)),
}

# What each role must be shown, beyond the task, hints and every section's value.
NEEDS: dict[str, Callable[[SimpleNamespace], list[str]]] = {
    "retriever": lambda w: ["3 effective, diverse models"],
    "candidate_writer": lambda w: ["`lightgbm`", "lgb.LGBMClassifier(n_estimators=500"],
    "merger": lambda w: [w.code, w.other],
    "ablation_writer": lambda w: [w.code, '"features"', "Ablation result: <block> -> <score>"],
    "block_chooser": lambda w: [w.code, ABLATION_OUTPUT, '"features"',
                                str([b for b in block_names(w.code) if b not in w.refined_blocks])],
    "planner": lambda w: [w.code, "`model`", "0.992134", PLANS[0].plan, '"score": 0.993412', PLANS[1].plan,
                          '"failure": "the script timed out after 300 s"'],
    "implementer": lambda w: [w.code, get_block(w.code, "model").strip(), "`model` block",
                              w.catalog.recipe("regularise_trees").plan],
    "ensemble_planner": lambda w: ['"m3": 0.992134', '"m7": 0.989876', *w.strategies, ENSEMBLE_TRIALS[0]["plan"],
                                   '"score": 0.994071', ENSEMBLE_TRIALS[1]["failure"]],
    "ensemble_implementer": lambda w: ['"m3": 0.992134', "greedy_weights", "./members/<name>/"],
    "debugger": lambda w: [w.broken, ERROR],
    "leakage_checker": lambda w: [w.leaky, "both = pd.concat([train_df, test_df])"],
    "usage_checker": lambda w: [w.code, "train.csv (", '"mean_radius"', '"sample_submission.csv"'],
    "submission_fixer": lambda w: [w.code, *w.problems, "\n".join(w.sample_head)],
}

SCRIPT_ROLES = ("candidate_writer", "merger", "ablation_writer", "ensemble_implementer", "debugger",
                "submission_fixer")
# The script each script role answers with (for the debugger the repaired one).
SCRIPTS: dict[str, Callable[[SimpleNamespace], str]] = {
    "candidate_writer": lambda w: w.code, "merger": lambda w: w.merged, "ablation_writer": lambda w: w.ablation,
    "ensemble_implementer": lambda w: w.ensemble, "debugger": lambda w: w.code, "submission_fixer": lambda w: w.code,
}
MODELS = [RetrievedModel(name="lightgbm", description="Gradient boosting; strong on small numeric tables.",
                          example_code="import lightgbm as lgb\nm = lgb.LGBMClassifier(**{'num_leaves': 15})"),
          RetrievedModel(name="logistic_regression", description="A well-regularised linear baseline.",
                          example_code="LogisticRegression(C=1.0, max_iter=1000)"),
          RetrievedModel(name="random_forest", description="Bagged trees, robust to noisy features.",
                          example_code="RandomForestClassifier(n_estimators=500, min_samples_leaf=2)")]


def _canonical(role: str, w: SimpleNamespace, request: RoleRequest) -> RoleAnswer:
    """A valid answer of `role`, as the offline engine would write it."""
    if role in SCRIPT_ROLES:
        return ScriptAnswer(code=SCRIPTS[role](w))
    if role == "implementer":
        block = get_block(w.refined, "model").rstrip("\n") + "\n"
        return BlockAnswer(block_code=block, script=replace_block(w.code, "model", block))
    return {
        "retriever": lambda: ModelListAnswer(models=MODELS),
        "block_chooser": lambda: BlockChoiceAnswer(
            block="model", summary="Replacing the model block costs the most (0.992134 -> 0.962870).",
            plan="Constrain the trees: fewer leaves, a minimum of 20 rows per leaf.", recipe="regularise_trees"),
        "planner": lambda: PlanAnswer(plan="Regularise the trees: num_leaves 15, min_child_samples 30, "
                                           "lambda_l2 1.0, keeping the slower learning rate that helped.",
                                      recipe="regularise_trees"),
        "ensemble_planner": lambda: EnsemblePlanAnswer(
            plan="Greedy weights fit on the out-of-fold predictions, cross-fitted.", strategy="greedy_weights"),
        "leakage_checker": lambda: LeakageAnswer(
            leakage=True, explanation="preprocess standardises with statistics of train and test combined.",
            code=w.code),
        "usage_checker": lambda: UsageAnswer(all_used=True, explanation="The script reads train.csv and test.csv "
                                                                         "and uses every feature column."),
    }[role]()


@pytest.fixture(scope="module")
def requests(world) -> dict[str, RoleRequest]:
    return {role: build(world, PLAIN_DESCRIPTION) for role, build in BUILDERS.items()}


# ---------------------------------------------------------------------------------------------- prompts


def test_every_role_has_a_builder_here():
    assert set(BUILDERS) == set(REQUESTS) == set(NEEDS) and len(REQUESTS) == 13


def _outside_fences(text: str) -> str:
    """`text` with every fenced block removed (code and JSON legitimately hold braces and None)."""
    out, ticks = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if ticks is None and re.match(r"^`{3,}", stripped):
            ticks = re.match(r"^`+", stripped).group(0)
        elif ticks is not None and stripped == ticks:
            ticks = None
        elif ticks is None:
            out.append(line)
    return "\n".join(out)


def _value_in_prompt(value: Any, kind: str) -> str:
    if kind == JSON:
        return json.dumps(value, indent=1)
    return str(value).strip()


@pytest.mark.parametrize("role", sorted(REQUESTS))
def test_the_prompt_is_complete(role, world, requests):
    request = requests[role]
    prompt = request.render()
    assert prompt.splitlines()[0] == role_header(role) and role_of(prompt) == role
    prose = _outside_fences(prompt)
    assert not re.search(r"\{[A-Za-z_][\w.]*\}|\$\{|\bNone\b", prose), prose
    assert not any(f.body.strip() in ("", "[]", "{}", "null", "None") for f in fences(prompt))
    bodies = split_sections(prompt)
    assert all(body.strip() for body in bodies.values()), [t for t, b in bodies.items() if not b.strip()]
    for name, section in request.sections():
        value = getattr(request, name)
        assert value not in (None, "", [], {}), f"the test request leaves section {section.title!r} empty"
        assert section.title in bodies
        assert _value_in_prompt(value, section.kind) in prompt, section.title
    for needed in [PLAIN_DESCRIPTION, HINT, '"task_name": "breast-cancer"', *NEEDS[role](world)]:
        assert needed in prompt, needed
    assert request.answer_format().strip() in bodies["Answer format"]


@pytest.mark.parametrize("role", sorted(REQUESTS))
def test_a_request_with_only_its_required_fields_renders_without_gaps(role, requests):
    full = requests[role]
    cls = REQUESTS[role]
    minimal = cls(**{n: getattr(full, n) for n, f in cls.model_fields.items() if f.is_required()})
    prompt = minimal.render()
    assert not re.search(r"\{[A-Za-z_][\w.]*\}|\$\{|\bNone\b", _outside_fences(prompt))
    assert all(body.strip() for body in split_sections(prompt).values())
    assert cls.read(prompt) == minimal


@pytest.mark.parametrize("description, as_read", [
    (PLAIN_DESCRIPTION, PLAIN_DESCRIPTION),
    (HEADED_DESCRIPTION, HEADED_DESCRIPTION_AS_READ),
], ids=["plain", "headed"])
@pytest.mark.parametrize("role", sorted(REQUESTS))
def test_the_prompt_reads_back_into_the_request(role, description, as_read, world):
    request = BUILDERS[role](world, description)
    prompt = request.render()
    again = REQUESTS[role].read(prompt)
    assert again == request.model_copy(update={"description": as_read})
    assert read_request(prompt) == again
    assert again.render() == prompt


def test_the_real_task_description_reads_back_with_its_headings_shifted(world):
    description = world.task.description
    assert re.search(r"^## ", description, re.M) and "```" in description
    request = BUILDERS["planner"](world, description)
    again = REQUESTS["planner"].read(request.render())
    shifted = re.sub(r"^(#{1,2}) ", lambda m: "##" + m.group(1) + " ", description, flags=re.M)
    # Surrounding blank lines are not part of a section: the request holds the text as the prompt does.
    assert request.description == description.strip() != description
    assert again.description == shifted.strip()
    assert again.model_copy(update={"description": request.description}) == request


@pytest.mark.parametrize("role", sorted(REQUESTS))
def test_the_retry_prompt_holds_the_problem_and_the_original_sections(role, requests):
    request = requests[role]
    previous = "## My answer\nHere it is:\n```python\nimport numpy as np\n" + "x = 1\n" * 400 + "y = (\n"
    problem = "the answer was cut off: its last code fence is never closed; answer again with the complete script"
    retry = request.render_retry(previous, problem)
    assert retry.startswith(request.render())
    bodies = split_sections(retry)
    assert set(split_sections(request.render())) <= set(bodies)
    assert problem in bodies[PREVIOUS_PROBLEM] and "y = (" in bodies[PREVIOUS_PROBLEM]
    assert "## My answer" not in bodies  # the previous answer is quoted, not read as sections
    assert REQUESTS[role].read(retry) == request
    assert "exactly in the answer format above" in retry


# ---------------------------------------------------------------------------------------------- answers


@pytest.mark.parametrize("role", sorted(REQUESTS))
def test_the_canonical_answer_parses_back_equal(role, world, requests):
    request = requests[role]
    answer = _canonical(role, world, request)
    assert isinstance(answer, request.answer)
    assert request.answer_text(answer.render()) == answer


def test_the_implementer_canonical_answer_is_the_refined_script(world, requests):
    answer = _canonical("implementer", world, requests["implementer"])
    assert answer.script == world.refined and answer.script != world.code


@dataclass(frozen=True)
class Gives:
    """The reply parses to the role's canonical answer with `changes` applied (values may be functions of
    the context), compared on the fields in `only` when it is given."""

    changes: dict[str, Any] = field(default_factory=dict)
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """The reply raises AnswerError whose message holds every phrase (regular expressions)."""

    phrases: tuple[str, ...]


def gives(*only: str, **changes: Any) -> Gives:
    return Gives(changes, only)


def rejected(*phrases: str) -> Rejected:
    return Rejected(phrases)


@dataclass(frozen=True)
class Case:
    """One reply of `role`, written from the context `c` (see `_context`), and what must come of it."""

    role: str
    name: str
    reply: Callable[[SimpleNamespace], str]
    expect: Union[Gives, Rejected]


def _py(body: str, label: str = "python") -> str:
    return fence(label, body)


def _cut(text: str) -> str:
    """`text` cut two thirds of the way through, as when a model reaches its output limit."""
    return text[: len(text) * 2 // 3]


def _loose_markers(code: str) -> str:
    return re.sub(r"^# \[block: (\w+)\]$", lambda m: f"#[block:{m.group(1)} ]", code, flags=re.M)


def _json(value: Any, label: str = "json") -> str:
    return fence(label, json.dumps(value, indent=2))


def _trailing_commas_and_comments(value: dict) -> str:
    lines = json.dumps(value, indent=2).splitlines()
    lines = [lines[0], "  // the answer asked for", *[line.rstrip(",") + "," for line in lines[1:-1]],
             "  /* end */", lines[-1]]
    return fence("json", "\n".join(lines))


REFUSAL = "I'm sorry, but I can't help with that request."
SCRIPT_CASES: list[tuple[str, Callable[[SimpleNamespace], str], Union[Gives, Rejected]]] = [
    ("prose around", lambda c: "Here is the full solution.\n\n" + _py(c.code) + "\n\nIt keeps the 5 folds.", gives()),
    ("unlabelled fence", lambda c: _py(c.code, ""), gives()),
    ("labelled json", lambda c: _py(c.code, "json"), gives()),
    ("labelled py", lambda c: "Updated:\n" + _py(c.code, "py"), gives()),
    ("bare script", lambda c: c.code, gives()),
    ("with a shell fence", lambda c: _py("pip install lightgbm && python solution.py", "bash") + "\n" + _py(c.code),
     gives()),
    ("truncated", lambda c: _cut("Here it is:\n" + _py(c.code)), rejected("cut off", "complete script")),
    ("refusal", lambda c: REFUSAL, rejected("declines the task", "```python fence")),
    ("json for a script", lambda c: _json({"plan": "use more trees", "code": None}),
     rejected("JSON where a Python script was asked")),
    ("syntax error", lambda c: _py("def broken(:\n    pass\n" + c.code), rejected(r"does not parse \(line 1:")),
    ("prose only", lambda c: "I would train a LightGBM model with 5-fold CV and average the folds.",
     rejected("holds no code")),
]


def _block(c: SimpleNamespace) -> str:
    return c.answer.block_code


CASES: list[Case] = [Case(role, *case) for role in SCRIPT_ROLES for case in SCRIPT_CASES] + [
    # scripts: what a role's own context adds
    *[Case(r, "loose markers", lambda c: _py(_loose_markers(c.code)), gives())
      for r in SCRIPT_ROLES if r != "ablation_writer"],
    Case("candidate_writer", "four backticks", lambda c: "````python\n" + c.code + "````", gives()),
    Case("debugger", "traceback quoted", lambda c: "The index attribute was misspelled:\n" + _py(ERROR, "text")
         + "\nFixed:\n" + _py(c.code), gives()),
    Case("submission_fixer", "sample quoted", lambda c: _py("id,target\n5,0.5\n10,0.5", "csv") + "\n" + _py(c.code),
         gives()),
    Case("ablation_writer", "expected output quoted",
         lambda c: _py(c.code) + "\nExpected output:\n" + _py(ABLATION_OUTPUT, "text"), gives()),
    Case("merger", "shorter sketch first", lambda c: _py("blend = 0.5 * p_lgb + 0.5 * p_rf") + "\n" + _py(c.code),
         gives()),
    Case("ensemble_implementer", "meta.json quoted",
         lambda c: _json({"members": list(MEMBERS), "strategy": "greedy_weights"}) + "\n" + _py(c.code), gives()),

    # implementer: one block of the script
    Case("implementer", "prose around", lambda c: "New block:\n\n" + _py(_block(c)) + "\nThe rest is unchanged.",
         gives()),
    Case("implementer", "unlabelled fence", lambda c: _py(_block(c), ""), gives()),
    Case("implementer", "labelled json", lambda c: _py(_block(c), "json"), gives()),
    Case("implementer", "marker odd spacing",
         lambda c: _py(_block(c).replace("# [block: model]", "#  [ Block : model ]  ")), gives()),
    Case("implementer", "indented block", lambda c: "1. The block:\n" + textwrap.indent(_py(_block(c)), "    "),
         gives()),
    Case("implementer", "no marker line", lambda c: _py(_block(c).split("\n", 1)[1]), gives("script")),
    Case("implementer", "whole script", lambda c: _py(c.w.refined), gives("script")),
    Case("implementer", "whole script loose markers", lambda c: _py(_loose_markers(c.w.refined)), gives("script")),
    Case("implementer", "bare block", lambda c: _block(c), gives()),
    Case("implementer", "marker of another block", lambda c: _py(_block(c).replace("[block: model]", "[block: features]")),
         rejected("holds block `features`", "block `model` was asked")),
    Case("implementer", "whole script without the block",
         lambda c: _py("\n\n".join(get_block(c.w.code, b) for b in ("setup", "features", "submission"))),
         rejected(r"holds blocks \['setup', 'features', 'submission'\] but not `model`")),
    Case("implementer", "truncated", lambda c: _cut(_py(_block(c))), rejected("cut off", "complete `model` block")),
    Case("implementer", "syntax error", lambda c: _py(_block(c) + "PARAMS_EXTRA = {'a': 1\n"),
         rejected(r"does not parse \(line \d+", "valid Python")),
    Case("implementer", "refusal", lambda c: REFUSAL, rejected("declines the task", "`model` block")),
    Case("implementer", "json fence for a block", lambda c: _json({"plan": "more trees", "block": "model"}),
         rejected("JSON where", "`model` block")),
    Case("implementer", "bare json for a block", lambda c: json.dumps({"plan": "more trees", "block": "model"}),
         rejected("JSON where", "`model` block")),
    Case("implementer", "empty", lambda c: "  \n", rejected("holds no code", "`model` block")),

    # retriever: a list of models
    Case("retriever", "prose around", lambda c: "These suit the task:\n" + c.answer.render() + "\nAll run on CPU.",
         gives()),
    Case("retriever", "bare list", lambda c: json.dumps(c.json), gives()),
    Case("retriever", "wrapped in an object", lambda c: _json({"models": c.json}), gives()),
    Case("retriever", "trailing commas", lambda c: _json(c.json).replace("}\n", "},\n").replace("\n]", ",\n]"),
         gives()),
    Case("retriever", "python literals", lambda c: _py(repr(c.json)), gives()),
    Case("retriever", "names only", lambda c: _json([m.name for m in MODELS]),
         gives(models=[RetrievedModel(name=m.name) for m in MODELS])),
    Case("retriever", "duplicates and extra keys",
         lambda c: _json([{**m, "score": 0.9} for m in c.json] + [c.json[0]]), gives()),
    Case("retriever", "description as sentences", lambda c: _json(
        [{**c.json[0], "description": ["Gradient boosting;", "strong on small numeric tables."]}, *c.json[1:]]),
        gives()),
    Case("retriever", "padded names", lambda c: _json([{**m, "name": f"  {m['name']} "} for m in c.json]), gives()),
    Case("retriever", "truncated", lambda c: _cut(c.answer.render()), rejected("cut off", "complete JSON")),
    Case("retriever", "refusal", lambda c: REFUSAL, rejected("declines the task")),
    Case("retriever", "empty list", lambda c: _json([]), rejected("names no model", '"name"')),
    Case("retriever", "object without models", lambda c: _json({"error": "no web access"}), rejected("names no model")),

    # block_chooser: an open block and a plan
    Case("block_chooser", "prose and bare json", lambda c: "Reading the ablation: " + json.dumps(c.json) + " Done.",
         gives()),
    Case("block_chooser", "trailing commas and comments", lambda c: _trailing_commas_and_comments(c.json), gives()),
    Case("block_chooser", "block as marker", lambda c: _json({**c.json, "block": "`# [block: model]`"}), gives()),
    Case("block_chooser", "one-object list with extra keys",
         lambda c: _json([{**c.json, "confidence": "high", "ranking": ["model", "preprocessing"]}]), gives()),
    Case("block_chooser", "summary as sentences",
         lambda c: _json({**c.json, "summary": ["Replacing the model block costs the most", "(0.992134 -> 0.962870)."]}),
         gives()),
    Case("block_chooser", "python literals", lambda c: _py(repr({**c.json, "recipe": None})), gives(recipe=None)),
    Case("block_chooser", "no block worth refining", lambda c: _json({"block": None, "summary": "All blocks are flat."}),
         gives(block=None, summary="All blocks are flat.", plan="", recipe=None)),
    Case("block_chooser", "block refined already", lambda c: _json({**c.json, "block": "features"}),
         rejected("'features' is not one of the blocks left to refine", "'model'", '"block": null')),
    Case("block_chooser", "unknown block", lambda c: _json({**c.json, "block": "hyperparameters"}),
         rejected("'hyperparameters' is not one of the blocks left")),
    Case("block_chooser", "list of blocks", lambda c: _json(["model", "preprocessing"]),
         rejected("JSON list, not an object", '"block"')),
    Case("block_chooser", "block as a number", lambda c: _json({**c.json, "block": 4}),
         rejected("does not fit the format", "block")),
    Case("block_chooser", "truncated", lambda c: _cut(c.answer.render()), rejected("cut off")),
    Case("block_chooser", "refusal", lambda c: REFUSAL, rejected("declines the task")),

    # planner: the next plan, or stop
    Case("planner", "prose and text fence", lambda c: "Next:\n" + _json(c.json, "text") + "\nGood luck.", gives()),
    Case("planner", "trailing commas and comments", lambda c: _trailing_commas_and_comments(c.json), gives()),
    Case("planner", "stop in python literals", lambda c: _py("{'plan': '', 'stop': True, 'recipe': None}"),
         gives(plan="", recipe=None, stop=True)),
    Case("planner", "plan as steps", lambda c: _json({**c.json, "plan": ["Regularise the trees:", "num_leaves 15."]}),
         gives(plan="Regularise the trees: num_leaves 15.")),
    Case("planner", "extra keys", lambda c: _json({**c.json, "expected_gain": 0.001, "block": "model"}), gives()),
    Case("planner", "one-object list", lambda c: _json([c.json]), gives()),
    Case("planner", "empty plan without stop", lambda c: _json({"plan": "", "recipe": None}),
         rejected("the plan is empty", '"stop": true')),
    Case("planner", "several plans", lambda c: _json([c.json, c.json]), rejected("JSON list, not an object")),
    Case("planner", "prose plan", lambda c: "Lower the learning rate and add more rounds.",
         rejected("holds no JSON value", "```json fence")),
    Case("planner", "truncated", lambda c: _cut(c.answer.render()), rejected("cut off")),
    Case("planner", "refusal", lambda c: REFUSAL, rejected("declines the task")),

    # ensemble_planner: a plan naming an offered strategy, or stop
    Case("ensemble_planner", "prose around", lambda c: "Proposal:\n" + c.answer.render() + "\nThanks.", gives()),
    Case("ensemble_planner", "no strategy", lambda c: _json({"plan": c.json["plan"]}), gives(strategy=None)),
    Case("ensemble_planner", "stop in python literals", lambda c: "{'plan': '', 'stop': True}",
         gives(plan="", strategy=None, stop=True)),
    Case("ensemble_planner", "trailing commas and comments", lambda c: _trailing_commas_and_comments(c.json), gives()),
    Case("ensemble_planner", "extra keys", lambda c: _json({**c.json, "members": ["m3", "m7"]}), gives()),
    Case("ensemble_planner", "unknown strategy", lambda c: _json({**c.json, "strategy": "voting_classifier"}),
         rejected("'voting_classifier' is not one that suits this task", "greedy_weights", "stacking")),
    Case("ensemble_planner", "empty plan", lambda c: _json({"plan": " ", "strategy": "mean"}),
         rejected("the plan is empty")),
    Case("ensemble_planner", "list of strategies", lambda c: _json(["mean", "stacking"]),
         rejected("JSON list, not an object")),
    Case("ensemble_planner", "truncated", lambda c: _cut(c.answer.render()), rejected("cut off")),
    Case("ensemble_planner", "refusal", lambda c: REFUSAL, rejected("declines the task")),

    # leakage_checker: a verdict and, with leakage, the repaired script
    Case("leakage_checker", "prose around", lambda c: "Found it.\n" + c.answer.render() + "\nFit on train only now.",
         gives()),
    Case("leakage_checker", "no leakage in python literals",
         lambda c: _py("{'leakage': False, 'explanation': 'every step is fit on training folds',}", ""),
         gives(leakage=False, explanation="every step is fit on training folds", code=None)),
    Case("leakage_checker", "leakage without a script", lambda c: _json(c.json), gives(code=None)),
    Case("leakage_checker", "text fence and unlabelled script", lambda c: _json(c.json, "text") + "\n" + _py(c.code, ""),
         gives()),
    Case("leakage_checker", "explanation as sentences",
         lambda c: _json({**c.json, "explanation": ["preprocess standardises with statistics",
                                                    "of train and test combined."]}) + "\n" + _py(c.code), gives()),
    Case("leakage_checker", "script with a syntax error",
         lambda c: _json(c.json) + "\n" + _py("def broken(:\n" + c.code), rejected(r"does not parse \(line 1")),
    Case("leakage_checker", "script cut off", lambda c: _cut(c.answer.render() + "\n"), rejected("cut off")),
    Case("leakage_checker", "verdict without leakage key", lambda c: _json({"explanation": "fine"}),
         rejected("does not fit the format", "leakage", "required")),
    Case("leakage_checker", "list verdict", lambda c: _json([True, "scaler fit on test"]),
         rejected("JSON list, not an object", '"leakage"')),
    Case("leakage_checker", "refusal", lambda c: REFUSAL, rejected("declines the task")),

    # usage_checker: a verdict and, with unused data, the revised script
    Case("usage_checker", "prose around", lambda c: "Checked the inventory.\n" + c.answer.render() + "\nAll good.",
         gives()),
    Case("usage_checker", "unused as a string with a script",
         lambda c: _json({**c.json, "all_used": False, "unused": "sample_submission.csv"}) + "\n" + _py(c.w.code),
         gives(all_used=False, unused=["sample_submission.csv"], code=lambda c: c.w.code)),
    Case("usage_checker", "unused null", lambda c: _json({**c.json, "unused": None}), gives()),
    Case("usage_checker", "python literals", lambda c: repr({**c.json, "all_used": True}), gives()),
    Case("usage_checker", "unused without a script", lambda c: _json({**c.json, "all_used": False, "unused": ["id"]}),
         gives(all_used=False, unused=["id"], code=None)),
    Case("usage_checker", "script with a syntax error",
         lambda c: _json({**c.json, "all_used": False}) + "\n" + _py("import pandas as pd\npd.read_csv(\n"),
         rejected(r"does not parse \(line 2")),
    Case("usage_checker", "verdict without all_used", lambda c: _json({"unused": []}),
         rejected("does not fit the format", "all_used")),
    Case("usage_checker", "list of unused files", lambda c: _json(["test.csv"]), rejected("JSON list, not an object")),
    Case("usage_checker", "truncated", lambda c: _cut(c.answer.render()), rejected("cut off")),
    Case("usage_checker", "refusal", lambda c: REFUSAL, rejected("declines the task")),
]


def test_every_role_has_at_least_five_malformed_answer_cases():
    counts = {role: sum(c.role == role for c in CASES) for role in REQUESTS}
    assert min(counts.values()) >= 5, counts
    assert len({(c.role, c.name) for c in CASES}) == len(CASES)


def _context(world, requests, role: str) -> SimpleNamespace:
    """What a case's reply is written from: c.w (the world), c.request, c.answer (the canonical answer),
    c.code (its script) and c.json (its JSON, for the JSON answers)."""
    request = requests[role]
    answer = _canonical(role, world, request)
    code = getattr(answer, "code", None) or getattr(answer, "script", None)
    data = json.loads(fences(answer.render())[0].body) if request.answer not in (ScriptAnswer, BlockAnswer) else None
    return SimpleNamespace(w=world, request=request, answer=answer, code=code, json=data)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.role}-{c.name.replace(' ', '_')}" for c in CASES])
def test_an_untidy_answer_parses_or_is_refused_with_what_to_fix(case, world, requests):
    c = _context(world, requests, case.role)
    reply = case.reply(c)
    if isinstance(case.expect, Rejected):
        with pytest.raises(AnswerError) as info:
            c.request.answer_text(reply)
        for phrase in case.expect.phrases:
            assert re.search(phrase, str(info.value)), f"{phrase!r} not in {str(info.value)!r}"
        return
    got = c.request.answer_text(reply)
    changes = {k: v(c) if callable(v) else v for k, v in case.expect.changes.items()}
    expected = c.answer.model_copy(update=changes)
    fields = case.expect.only or tuple(type(expected).model_fields)
    assert {f: getattr(got, f) for f in fields} == {f: getattr(expected, f) for f in fields}
