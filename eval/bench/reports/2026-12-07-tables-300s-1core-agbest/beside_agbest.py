"""The agent rows of fresh runs beside AutoGluon best_quality's rows of an earlier report (same machine kind),
scored by the bench's own rules (`eval/bench/report.py`).

    python eval/bench/reports/2026-12-07-tables-300s-1core-agbest/beside_agbest.py [--peer CSV] OUT [OUT ...]

Run it from the repository root; each OUT is a bench `--out` folder with the agent's `results.csv`. CSV holds
AutoGluon's rows: a bench `results.csv` (a `system` column) or a report's table with an `autogluon_best`
column; by default the 300 s rows of 2026-12-06.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path.cwd()))

from eval.bench.report import add_normalised, wins_ties_losses  # noqa: E402

AGENT, PEER = "mle-star", "autogluon-best"
EARLIER = Path("eval/bench/reports/2026-12-06-tables-300s-1core-agbest/results.csv")


def peer_scores(path: Path) -> pd.Series:
    """AutoGluon best_quality's score per task from a bench results.csv or a report's wide table."""
    rows = pd.read_csv(path)
    if "system" in rows.columns:
        return rows[rows["system"] == PEER].set_index("task")["score"]
    return rows.set_index("task")["autogluon_best"]


def main(outs: list[str], earlier_rows: Path = EARLIER) -> None:
    agent = pd.concat([pd.read_csv(Path(out) / "results.csv") for out in outs], ignore_index=True)
    earlier = peer_scores(earlier_rows)
    # The peer's row shares the task's metric, direction and trivial score with the agent's.
    peer = agent.assign(system=PEER, score=agent["task"].map(earlier), valid=True)
    frame = add_normalised(pd.concat([agent, peer], ignore_index=True))
    record = wins_ties_losses(frame, AGENT).iloc[0]

    print("| task | metric | agent | AutoGluon best_quality (earlier) | agent normalised | AG normalised "
          "| result | agent unused budget | agent outside scripts |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = frame.set_index(["task", "system"])
    for task in sorted(agent["task"]):
        a, g = rows.loc[(task, AGENT)], rows.loc[(task, PEER)]
        one = wins_ties_losses(frame[frame["task"] == task], AGENT).iloc[0]
        result = next(word for word, key in (("win", "wins"), ("tie", "ties"), ("loss", "losses")) if one[key])
        print(f"| {task} | {a['metric']} | {a['score']:.5g} | {g['score']:.5g} | {a['normalised']:.4f} | "
              f"{g['normalised']:.4f} | {result} | {a['unused_budget_share']:.1%} | {a['outside_scripts_share']:.1%} |")
    means = frame.groupby("system")["normalised"].mean()
    print(f"\nmean normalised: agent {means[AGENT]:.4f}, AG best {means[PEER]:.4f}; agent wins {record['wins']}, "
          f"ties {record['ties']}, losses {record['losses']} of {len(agent)}")
    print(f"agent unused budget mean {agent['unused_budget_share'].mean():.1%}; outside scripts mean "
          f"{agent['outside_scripts_share'].mean():.2%}, max {agent['outside_scripts_share'].max():.2%}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--peer"]:
        main(args[2:], Path(args[1]))
    else:
        main(args)
