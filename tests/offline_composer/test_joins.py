"""The offline data-usage checker joins ignored tables that share a key with train and test."""

from __future__ import annotations

import pandas as pd

from machine_learning_engineering.models.offline.composer import candidate_script
from machine_learning_engineering.models.offline.roles.guards import check_usage
from machine_learning_engineering.protocol import UsageAnswer
from machine_learning_engineering.sub_agents.guards.prompt import UsageRequest

from .conftest import check_outputs, run_script
from .workspaces import keyed_tables_task

FILES = ["train.csv", "test.csv", "sample_submission.csv", "extra.csv", "events.csv", "notes.csv"]


def _usage_answer(root, brief, code, catalog) -> UsageAnswer:
    """The offline usage checker's answer to the prompt the orchestrator would render."""
    columns = {f: list(pd.read_csv(root / "input" / f, nrows=0).columns) for f in FILES}
    request = UsageRequest(brief=brief, code=code, inventory="6 files", data_files=FILES, table_columns=columns)
    prompted = UsageRequest.read(request.render())
    return prompted.answer_text(check_usage(prompted, catalog, {}).render())


def test_ignored_keyed_tables_are_joined_and_lift_the_score(tmp_path, catalog):
    brief = keyed_tables_task(tmp_path)
    code = candidate_script(brief, catalog.card("linear"))
    verdict = _usage_answer(tmp_path, brief, code, catalog)
    revised = verdict.code

    assert verdict.all_used is False and set(verdict.unused) == {"extra.csv", "events.csv", "notes.csv"}
    assert "notes.csv" in verdict.explanation.split("Still unused")[1]
    before = run_script(tmp_path, "before", code).score
    after = run_script(tmp_path, "after", revised)
    assert after.score > before + 0.2, (before, after.score)
    check_outputs(after, brief)  # same rows, same ids, in the test file's order
    assert "joined extra.csv on id: 1 columns" in after.stdout
    assert "joined events.csv on id: 4 columns" in after.stdout  # mean, min, max and the row count


def test_a_script_that_reads_every_table_or_is_not_in_the_layout_is_left_alone(tmp_path, catalog):
    brief = keyed_tables_task(tmp_path)
    code = candidate_script(brief, catalog.card("linear"))
    revised = _usage_answer(tmp_path, brief, code, catalog).code
    again = _usage_answer(tmp_path, brief, revised, catalog)
    assert again.unused == ["notes.csv"] and again.code is None

    foreign = "import pandas as pd\ntrain = pd.read_csv('input/train.csv')\ntest = pd.read_csv('input/test.csv')\n"
    answer = _usage_answer(tmp_path, brief, foreign, catalog)
    assert answer.all_used is False and answer.code is None
