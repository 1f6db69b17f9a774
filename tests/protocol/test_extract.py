"""Reading code and JSON out of answers as real models write them (extract.find_code / find_json)."""

from __future__ import annotations

import json

import pytest

from machine_learning_engineering.protocol import AnswerError, fence, fences, find_code, find_json, is_refusal

SCRIPT = """\
# [block: setup]
import numpy as np
import pandas as pd

train = pd.read_csv("input/train.csv")


# [block: model]
def fit_predict(X, y):
    return np.full(len(X), y.mean())


# [block: submission]
print(f"Final Validation Performance: {0.5:.4f}")
"""
SNIPPET = "import lightgbm as lgb\nmodel = lgb.LGBMClassifier()\n"
VERDICT = {"leakage": False, "explanation": "the scaler is fit inside each fold"}


def _fenced(label: str, body: str) -> str:
    return f"```{label}\n{body.rstrip()}\n```"


# ---------------------------------------------------------------------------------------------- find_code


@pytest.mark.parametrize("reply", [
    _fenced("python", SCRIPT),
    "Here is the complete solution:\n\n" + _fenced("python", SCRIPT) + "\n\nIt uses 5-fold CV and writes the submission.",
    _fenced("", SCRIPT),
    _fenced("py", SCRIPT),
    _fenced("python3", SCRIPT),
    _fenced("Python", SCRIPT),
    _fenced("json", SCRIPT),
    _fenced("text", SCRIPT),
    "```python title=solution.py\n" + SCRIPT + "```",
    "~~~python\n" + SCRIPT + "~~~",
    "  ```python\n" + SCRIPT + "  ```",
    SCRIPT,
    "\n\n" + SCRIPT + "\n\n",
], ids=["python", "prose-around", "unlabelled", "py", "python3", "capitalised", "labelled-json", "labelled-text",
        "label-with-title", "tildes", "indented-fence", "bare", "bare-blank-lines"])
def test_find_code_reads_the_script_whatever_the_wrapping(reply):
    assert find_code(reply) == SCRIPT


def test_the_longest_parsing_fence_wins():
    reply = ("Install it first:\n" + _fenced("python", "import os") + "\nThen the script:\n"
             + _fenced("python", SCRIPT) + "\nand a usage example:\n" + _fenced("python", SNIPPET))
    assert find_code(reply) == SCRIPT


def test_a_longer_fence_that_does_not_parse_loses_to_one_that_does():
    broken = SCRIPT + "def oops(:\n    pass\n" * 5
    assert find_code(_fenced("python", broken) + "\n" + _fenced("python", SNIPPET)) == SNIPPET


def test_json_fences_are_never_taken_as_code_even_when_longer():
    big_json = fence("json", '{"plan": "' + "tune the learning rate " * 40 + '", "recipe": null}')
    assert find_code(big_json + "\n" + _fenced("python", SNIPPET)) == SNIPPET
    # A JSON body is JSON whatever its label.
    assert find_code(_fenced("python", '{"a": [1, 2, 3]}') + "\n" + _fenced("", SNIPPET)) == SNIPPET


def test_code_labels_are_preferred_to_other_labels():
    output = "print('Final Validation Performance: 0.9') or " + " + ".join(["1"] * 80)
    assert find_code(_fenced("text", output) + "\n" + _fenced("python", SNIPPET)) == SNIPPET


def test_fences_that_are_not_python_are_skipped():
    reply = _fenced("bash", "pip install lightgbm==4.3.0 && python solution.py") + "\n" + _fenced("python", SNIPPET)
    assert find_code(reply) == SNIPPET


def test_four_backtick_fences_hold_triple_backticks():
    body = 'DOC = """\nRun:\n```bash\npython solution.py\n```\n"""\nprint(DOC)\n'
    reply = "Here:\n````python\n" + body + "````\nDone."
    assert find_code(reply) == body
    assert fence("python", body).startswith("````python\n")
    assert find_code(fence("python", body)) == body


@pytest.mark.parametrize("reply", [
    "```python\n" + SCRIPT[:150],
    "Here is the script:\n```python\n" + SCRIPT[:-40],
    _fenced("python", SNIPPET) + "\nAnd the full version:\n```python\n" + SCRIPT[:200],
], ids=["cut-mid-script", "prose-then-cut", "complete-then-cut"])
def test_a_cut_off_answer_is_rejected_as_cut_off(reply):
    with pytest.raises(AnswerError, match="cut off") as info:
        find_code(reply)
    assert "complete script" in str(info.value) and info.value.retry


@pytest.mark.parametrize("reply", [
    "I'm sorry, but I can't help with that request.",
    "I am unable to write code that scrapes medical data.",
    "As an AI language model, I cannot run code. I can't assist with executing it either.",
])
def test_a_refusal_is_rejected_as_a_refusal(reply):
    assert is_refusal(reply)
    with pytest.raises(AnswerError, match="declines the task") as info:
        find_code(reply)
    assert "```python fence" in str(info.value)


@pytest.mark.parametrize("reply", [
    fence("json", '{"plan": "use more trees", "recipe": null}'),
    "```\n[{\"name\": \"lightgbm\"}]\n```",
    "Verdict:\n" + fence("json", "{'leakage': False,}"),
])
def test_json_where_a_script_was_asked_is_rejected(reply):
    with pytest.raises(AnswerError, match="JSON where a Python script was asked"):
        find_code(reply)


def test_a_syntax_error_is_reported_with_its_line():
    broken = SCRIPT.replace("def fit_predict(X, y):", "def fit_predict(X, y)")
    line = broken.splitlines().index("def fit_predict(X, y)") + 1
    with pytest.raises(AnswerError, match=rf"does not parse \(line {line}: .*\).*valid Python"):
        find_code(_fenced("python", broken))


@pytest.mark.parametrize("reply", ["", "   \n", "Use LightGBM with 5 folds and early stopping.",
                                   "The answer is below.\n```python\n```"])
def test_no_code_is_rejected(reply):
    with pytest.raises(AnswerError, match="holds no code"):
        find_code(reply)


def test_bare_prose_that_happens_to_parse_is_not_code():
    with pytest.raises(AnswerError, match="holds no code"):
        find_code("model")


# ---------------------------------------------------------------------------------------------- find_json


@pytest.mark.parametrize("reply", [
    fence("json", '{"leakage": false, "explanation": "the scaler is fit inside each fold"}'),
    "Checked.\n" + fence("json", '{"leakage": false, "explanation": "the scaler is fit inside each fold"}')
    + "\nNo changes needed.",
    _fenced("", '{"leakage": false, "explanation": "the scaler is fit inside each fold"}'),
    _fenced("text", '{"leakage": false, "explanation": "the scaler is fit inside each fold"}'),
    _fenced("jsonc", '{"leakage": false, "explanation": "the scaler is fit inside each fold"}'),
    '{"leakage": false, "explanation": "the scaler is fit inside each fold"}',
    'My verdict is {"leakage": false, "explanation": "the scaler is fit inside each fold"} as requested.',
    fence("json", '{\n "leakage": false,\n "explanation": "the scaler is fit inside each fold",\n}'),
    fence("json", '{\n "leakage": false, // nothing reaches training\n'
                  ' "explanation": "the scaler is fit inside each fold" /* per fold */\n}'),
    fence("json", "{'leakage': False, 'explanation': 'the scaler is fit inside each fold'}"),
    fence("python", "{'leakage': False, 'explanation': 'the scaler is fit inside each fold',}"),
    fence("json", "{'leakage': false, 'explanation': 'the scaler is fit inside each fold'}"),
], ids=["json", "prose-around", "unlabelled", "labelled-text", "jsonc", "bare", "inside-prose", "trailing-comma",
        "comments", "python-literals", "python-literals-trailing-comma", "single-quotes-json-literals"])
def test_find_json_reads_the_verdict_whatever_the_wrapping(reply):
    assert find_json(reply) == VERDICT


def test_a_json_list_is_read():
    reply = 'Models:\n[{"name": "lightgbm"}, {"name": "catboost"},]\nBoth are strong.'
    assert find_json(reply) == [{"name": "lightgbm"}, {"name": "catboost"}]


def test_none_and_true_become_json_values():
    assert find_json("{'stop': True, 'recipe': None, 'plan': ''}") == {"stop": True, "recipe": None, "plan": ""}


def test_braces_quotes_and_comment_marks_inside_strings_are_kept():
    value = {"example_code": "params = {'num_leaves': 31}  # see https://lightgbm.readthedocs.io/ {x}",
             "note": "a \"quoted\" word, and a /* not a comment */ ], }"}
    text = "Here you go: " + json.dumps(value) + " (that is all)."
    assert find_json(text) == value
    assert find_json(fence("json", json.dumps(value, indent=2).replace('"\n}', '",\n}'))) == value


def test_the_json_fence_is_preferred_to_code_around_it():
    reply = fence("json", '{"leakage": true, "explanation": "scaler fit on train+test"}') + "\n" + _fenced(
        "python", "scaler.fit(pd.concat([train, test]))  # {was: wrong}")
    assert find_json(reply) == {"leakage": True, "explanation": "scaler fit on train+test"}


@pytest.mark.parametrize("reply", [
    '```json\n{"plan": "use more trees", "recipe": "regu',
    '{"plan": "use more trees", "recipe": [',
    'Sure:\n```json\n[{"name": "lightgbm"},\n {"name": "cat',
], ids=["cut-fence", "cut-bare", "cut-list"])
def test_cut_off_json_is_rejected_as_cut_off(reply):
    with pytest.raises(AnswerError, match="cut off before its JSON ended"):
        find_json(reply)


def test_a_refusal_instead_of_json_is_rejected_as_a_refusal():
    with pytest.raises(AnswerError, match="declines the task.*JSON asked for"):
        find_json("I'm sorry, I can't help with evaluating medical data.")


@pytest.mark.parametrize("reply", ["", "The plan is to use more trees.", _fenced("python", SNIPPET),
                                   "{not json at all}"])
def test_no_json_is_rejected(reply):
    with pytest.raises(AnswerError, match="holds no JSON value.*```json fence"):
        find_json(reply)


# ---------------------------------------------------------------------------------------------- fences


def test_fences_reports_language_body_and_whether_closed():
    found = fences("a\n```Python\nx = 1\n```\nb\n````\n```\ninner\n```\n````\n```json\n{\"a\": 1")
    assert [(f.language, f.body, f.closed) for f in found] == [
        ("python", "x = 1\n", True), ("", "```\ninner\n```\n", True), ("json", '{"a": 1\n', False)]


def test_fence_outgrows_the_backticks_inside():
    assert fence("text", "a ``` b") == "````text\na ``` b\n````"
    assert fence("", "plain") == "```\nplain\n```"
