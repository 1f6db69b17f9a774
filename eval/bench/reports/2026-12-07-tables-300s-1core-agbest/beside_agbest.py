"""The agent rows of fresh 300 s runs beside AutoGluon best_quality's rows of 2026-12-06 (same machine kind),
scored by the bench's own rules (`eval/bench/report.py`).

    python eval/bench/reports/2026-12-07-tables-300s-1core-agbest/beside_agbest.py OUT [OUT ...]

Run it from the repository root; each OUT is a bench `--out` folder with the agent's `results.csv`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path.cwd()))

from eval.bench.report import add_normalised, wins_ties_losses  # noqa: E402

AGENT, PEER = "mle-star", "autogluon-best"
EARLIER = Path("eval/bench/reports/2026-12-06-tables-300s-1core-agbest/results.csv")


def main(outs: list[str]) -> None:
    agent = pd.concat([pd.read_csv(Path(out) / "results.csv") for out in outs], ignore_index=True)
    earlier = pd.read_csv(EARLIER).set_index("task")["autogluon_best"]
    # The peer's row shares the task's metric, direction and trivial score with the agent's.
    peer = agent.assign(system=PEER, score=agent["task"].map(earlier), valid=True)
    frame = add_normalised(pd.concat([agent, peer], ignore_index=True))
    record = wins_ties_losses(frame, AGENT).iloc[0]

    print("| task | metric | agent | AutoGluon best_quality (2026-12-06) | agent normalised | AG normalised "
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
    main(sys.argv[1:])
