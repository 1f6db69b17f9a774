"""What each ensemble noise factor would have submitted in finished bench runs, scored on the held-back rows.

The final choice is the last thing a run does and nothing depends on it, so one run answers for both
factors: with factor 1 (the setting these runs used) the log's final submission; with factor 0, the ensemble
with the best cross-fitted score when that score is better at all than the best solution's (or than the
submitted ensemble's). Every attempt's own submission is graded with the bench's grader against the dev
answers, and the gain and noise come from the run's own keep rule, on the run's folds.

    python ensemble_choice.py OUT TASKS_DIR [OUT TASKS_DIR ...]

OUT is a bench `--out` folder; TASKS_DIR the folder of its tasks with their answers (`OUT/dev-tasks` for a
`--dev` run). Run it from the repository root. It prints one markdown row per run.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from eval.bench.grading import grade_submission  # noqa: E402
from eval.bench.tasks import discover_tasks  # noqa: E402
from machine_learning_engineering.record.run_folder import RunFolder  # noqa: E402
from machine_learning_engineering.task import load_task  # noqa: E402
from machine_learning_engineering.tools.keep_rule import KeepRule  # noqa: E402

SOLUTION_PHASES = ("candidate", "merge", "refine")


def held_back_score(agent: Path, attempt_id: int, bench_task) -> float | None:
    """The bench's grade of one attempt's own submission, or None when it wrote none."""
    for workspace in agent.glob(f"attempts/{attempt_id:04d}-*"):
        for submission in (workspace / "submission").glob("*.csv"):
            return grade_submission(submission, bench_task).score
    return None


def one_run(agent: Path, bench_task) -> str:
    run = json.loads((agent / "run.json").read_text())
    task, folder = load_task(Path(run["task"])), RunFolder(agent)
    better = task.metric.is_better
    n_folds = json.loads(next(agent.glob("attempts/*/artifacts/meta.json")).read_text())["n_folds"]
    rule = KeepRule(task, folder, n_folds, run["settings"]["seed"], factor=1.0)
    attempts = [a for a in folder.journal.read() if a.ok]
    final = folder.journal.find(int(re.findall(r"final submission from attempt (\d+)",
                                               (agent / "log.txt").read_text())[-1]))
    solutions = [a for a in attempts if a.phase in SOLUTION_PHASES]
    ensembles = [a for a in attempts if a.phase == "ensemble"]
    sign = 1.0 if task.metric.higher_is_better else -1.0
    best_solution = final if final.phase != "ensemble" else max(solutions, key=lambda a: sign * a.score)
    best_ensemble = max(ensembles, key=lambda a: sign * a.score, default=None)
    factor0 = best_solution
    if best_ensemble is not None and (final.phase == "ensemble" or better(best_ensemble.score, best_solution.score)):
        factor0 = best_ensemble
    ids = {a.id for a in (final, factor0, best_solution, best_ensemble) if a is not None}
    test = {aid: held_back_score(agent, aid, bench_task) for aid in ids}
    ensemble_text = "-"
    if best_ensemble is not None:
        gain = rule.fold_gain(best_ensemble, best_solution)
        noise = f" ({gain.gain:+.3g}, noise {gain.se:.2g})" if gain else ""
        ensemble_text = f"{best_ensemble.label} {best_ensemble.score:.5g} / {test[best_ensemble.id]:.5g}{noise}"
    now, then = test[final.id], test[factor0.id]
    change = "same" if factor0.id == final.id or abs(then - now) < 1e-12 else \
        ("**better**" if better(then, now) else "worse") + f" ({then - now:+.4g})"
    return (f"| {agent.parts[-3]} | {run['settings']['seed']} | {best_solution.score:.5g} / "
            f"{test[best_solution.id]:.5g} | {ensemble_text} | {now:.5g} | {then:.5g} | {change} |")


def main(pairs: list[str]) -> None:
    print("| dev table | seed | best solution: validation / held back | best ensemble: validation / held back "
          "(gain, noise) | submitted, factor 1 | factor 0 | factor 0 against 1 |")
    print("|---|---|---|---|---|---|---|")
    for out, tasks_dir in zip(pairs[::2], pairs[1::2]):
        tasks = {t.name: t for t in discover_tasks(Path(tasks_dir))}
        for agent in sorted(Path(out).glob("runs/*/*/mle-star/agent")):
            print(one_run(agent, tasks[agent.parts[-3]]))


if __name__ == "__main__":
    main(sys.argv[1:])
