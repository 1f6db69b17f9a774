"""The bench's arithmetic on a hand-made results frame: ranks, normalised scores, wins/ties/losses."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eval.bench import report


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (task, system, budget, score or None for invalid); auc-task is higher-better with trivial 0.5,
    rmse-task lower-better with trivial 10."""
    anchors = {"auc-task": ("roc_auc", True, 0.5), "rmse-task": ("rmse", False, 10.0)}
    records = []
    for task, system, budget, score in rows:
        metric, higher, trivial = anchors[task]
        records.append({"task": task, "system": system, "budget": budget, "metric": metric,
                        "higher_is_better": higher, "score": math.nan if score is None else score,
                        "valid": score is not None, "wall_s": 1.0, "timed_out": False,
                        "error": "" if score is not None else "no submission file was written",
                        "grader": "task.grade", "trivial_score": trivial})
    return report.results_frame(records)


RESULTS = _frame([
    ("auc-task", "mle-star", 60, 0.90),
    ("auc-task", "flaml", 60, 0.70),
    ("auc-task", "lightgbm", 60, 0.40),      # worse than the trivial predictor
    ("rmse-task", "mle-star", 60, 4.0),
    ("rmse-task", "flaml", 60, 2.0),
    ("rmse-task", "lightgbm", 60, None),     # invalid
])


def _value(frame: pd.DataFrame, task: str, system: str, column: str) -> float:
    return frame[(frame["task"] == task) & (frame["system"] == system)][column].iloc[0]


def test_normalised_score_is_zero_at_trivial_one_at_best_clipped_and_zero_when_invalid():
    table = report.add_normalised(RESULTS)
    assert _value(table, "auc-task", "mle-star", "normalised") == pytest.approx(1.0)
    assert _value(table, "auc-task", "flaml", "normalised") == pytest.approx((0.70 - 0.5) / (0.90 - 0.5))
    assert _value(table, "auc-task", "lightgbm", "normalised") == 0.0
    # Lower is better: trivial 10, best 2, so 4 sits at (10 - 4) / (10 - 2).
    assert _value(table, "rmse-task", "flaml", "normalised") == pytest.approx(1.0)
    assert _value(table, "rmse-task", "mle-star", "normalised") == pytest.approx(6 / 8)
    assert _value(table, "rmse-task", "lightgbm", "normalised") == 0.0


def test_without_a_trivial_score_the_worst_valid_run_is_zero():
    frame = RESULTS.assign(trivial_score=math.nan)
    table = report.add_normalised(frame)
    assert _value(table, "auc-task", "lightgbm", "normalised") == 0.0
    assert _value(table, "auc-task", "flaml", "normalised") == pytest.approx((0.70 - 0.40) / (0.90 - 0.40))


def test_when_no_system_beats_the_trivial_predictor_everyone_scores_zero():
    frame = _frame([("auc-task", "mle-star", 60, 0.5), ("auc-task", "flaml", 60, 0.45)])
    assert report.add_normalised(frame)["normalised"].tolist() == [0.0, 0.0]


def test_ranks_follow_the_metric_direction_and_invalid_runs_share_the_last_rank():
    table = report.add_ranks(RESULTS)
    assert [_value(table, "auc-task", s, "rank") for s in ("mle-star", "flaml", "lightgbm")] == [1, 2, 3]
    assert [_value(table, "rmse-task", s, "rank") for s in ("flaml", "mle-star", "lightgbm")] == [1, 2, 3]
    tied = report.add_ranks(_frame([("auc-task", "a", 60, 0.8), ("auc-task", "b", 60, 0.8),
                                    ("auc-task", "c", 60, None), ("auc-task", "d", 60, None)]))
    assert tied["rank"].tolist() == [1, 1, 3, 3]


def test_wins_ties_losses_against_each_peer():
    record = report.wins_ties_losses(RESULTS, "mle-star").set_index("peer")
    # auc: beats flaml and lightgbm; rmse: loses to flaml, beats the invalid lightgbm.
    assert record.loc["flaml", ["wins", "ties", "losses"]].tolist() == [1, 0, 1]
    assert record.loc["lightgbm", ["wins", "ties", "losses"]].tolist() == [2, 0, 0]


def test_scores_within_the_tolerance_of_the_gap_tie_and_two_invalid_runs_tie():
    frame = _frame([("auc-task", "mle-star", 60, 0.900), ("auc-task", "flaml", 60, 0.898),
                    ("rmse-task", "mle-star", 60, None), ("rmse-task", "flaml", 60, None)])
    # The auc gap is 0.4; 0.002 apart is 0.5% of it: a win at the default 0.1%, a tie at 1%.
    assert report.wins_ties_losses(frame, "mle-star")[["wins", "ties", "losses"]].values.tolist() == [[1, 1, 0]]
    loose = report.wins_ties_losses(frame, "mle-star", tolerance=0.01)
    assert loose[["wins", "ties", "losses"]].values.tolist() == [[0, 2, 0]]


def test_record_and_summary_are_per_budget():
    frame = pd.concat([RESULTS, RESULTS.assign(budget=180.0,
                                               score=RESULTS["score"].where(RESULTS["system"] != "flaml", 0.95))])
    frame = frame.reset_index(drop=True)
    record = report.wins_ties_losses(frame, "mle-star")
    assert sorted(record["budget"].unique()) == [60.0, 180.0]
    summary = report.summarise(report.add_normalised(report.add_ranks(frame)))
    at_60 = summary[summary["budget"] == 60].set_index("system")
    assert at_60.loc["mle-star", "mean_normalised"] == pytest.approx((1.0 + 0.75) / 2)
    assert at_60.loc["lightgbm", "valid"] == 1 and at_60.loc["lightgbm", "runs"] == 2


def test_write_reports_writes_tables_plots_and_sweep(tmp_path):
    frame = pd.concat([RESULTS, RESULTS.assign(budget=180.0)]).reset_index(drop=True)
    written = report.write_reports(frame, tmp_path, budget=180.0, agent="mle-star",
                                   systems={"mle-star": "agent", "flaml": "FLAML", "lightgbm": "LightGBM"},
                                   cores=2, grace_s=60, notes={"auc-task": "peers saw pixels"})
    names = sorted(p.name for p in written)
    assert names == ["normalised.png", "results.csv", "results.md", "sweep.csv", "sweep.md", "sweep.png"]
    csv = pd.read_csv(tmp_path / "results.csv")
    assert {"task", "system", "budget", "score", "rank", "wall_s", "valid", "error", "normalised"} <= set(csv.columns)
    text = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert "### auc-task" in text and "peers saw pixels" in text and "| flaml | 1 | 0 | 1 |" in text
    assert (tmp_path / "normalised.png").read_bytes()[:4] == b"\x89PNG"


def test_the_report_gives_the_agents_time_use_when_its_runs_recorded_it(tmp_path):
    systems = {"mle-star": "agent", "flaml": "FLAML", "lightgbm": "LightGBM"}
    plain = report.results_markdown(report.score_table(RESULTS), budget=60, agent="mle-star", systems=systems,
                                    cores=1, grace_s=60, tolerance=0.001, notes={})
    assert "time use" not in plain  # runs from before time_use was recorded: no line, no error
    agent = RESULTS["system"] == "mle-star"
    frame = RESULTS.assign(outside_scripts_share=np.where(agent, [0.02, 0.0, 0.0, 0.04, 0.0, 0.0], np.nan),
                           unused_budget_share=np.where(agent, [0.5, 0.0, 0.0, 0.1, 0.0, 0.0], np.nan))
    text = report.results_markdown(report.score_table(frame), budget=60, agent="mle-star", systems=systems,
                                   cores=1, grace_s=60, tolerance=0.001, notes={})
    assert ("`mle-star` time use over 2 run(s): on average 3.0% of its wall time outside generated code "
            "(at most 4.0%); 30.0% of the budget left unused (at most 50.0%).") in text


def test_held_out_tasks_are_summarised_again_on_their_own():
    systems = {"mle-star": "agent", "flaml": "FLAML", "lightgbm": "LightGBM"}
    table = report.score_table(RESULTS)
    plain = report.results_markdown(table, budget=60, agent="mle-star", systems=systems, cores=1, grace_s=60,
                                    tolerance=0.001, notes={}, held_out=["flights-late"])
    assert "Held-out tasks" not in plain  # none of the bench's tasks is held out
    text = report.results_markdown(table, budget=60, agent="mle-star", systems=systems, cores=1, grace_s=60,
                                   tolerance=0.001, notes={}, held_out=["rmse-task", "flights-late"])
    overall, held_out = text.split("### Held-out tasks")
    assert "| flaml | 1 | 0 | 1 |" in overall  # both tasks: one win, one loss
    assert "(`rmse-task`)" in held_out and "| flaml | 0 | 0 | 1 |" in held_out.split("## Per task")[0]
    # Over rmse-task alone flaml is best (normalised 1) and mle-star 0.75: (10 - 4) / (10 - 2).
    assert "| flaml | 1 |" in held_out and "| mle-star | 0.75 |" in held_out
