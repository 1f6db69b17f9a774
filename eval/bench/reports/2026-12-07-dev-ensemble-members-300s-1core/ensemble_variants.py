"""What other ensemble member sets, or a plain mean, would have submitted in finished bench runs.

Each run's ensemble scripts are run again on its saved member predictions with one change, and the final
choice is made as the run makes it (`ensemble_noise_factor` 0: the ensemble with the best cross-fitted
score replaces the best solution's submission when that score is better at all). Both choices are graded
on the held-back rows with the bench's grader.

    python ensemble_variants.py VARIANT OUT TASKS_DIR [OUT TASKS_DIR ...]

VARIANT is one of:
- `candidates`: the run's members plus every initial candidate that is not one of them;
- `members=N`: the first N members by the ensembler's own order (`sub_agents/ensembler._members`
  without its cap of 8);
- `mean`: the run's members and ensembles, plus one more ensemble that averages the members with equal
  weights (the catalog's `mean` strategy).

OUT is a bench `--out` folder; TASKS_DIR the folder of its tasks with their answers (`OUT/dev-tasks` for a
`--dev` run). Run it from the repository root. It prints one markdown row per run with ensembles.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "2026-12-07-dev-ensemble-choice-300s-1core"))

from ensemble_choice import SOLUTION_PHASES, held_back_score  # noqa: E402
from eval.bench.grading import grade_submission  # noqa: E402
from eval.bench.tasks import discover_tasks  # noqa: E402
from machine_learning_engineering.record.run_folder import RunFolder  # noqa: E402
from machine_learning_engineering.sandbox import parse_score  # noqa: E402
from machine_learning_engineering.sandbox.environment import THREAD_VARIABLES  # noqa: E402
from machine_learning_engineering.sub_agents.ensembler.ensembler import ARTIFACTS  # noqa: E402
from machine_learning_engineering.task import load_task  # noqa: E402

MEAN_COMBINE = "def combine(oofs, tests):\n    return np.mean(oofs, axis=0), np.mean(tests, axis=0)\n\n\n"


def rerun(script: str, members: dict[int, Path], task_dir: Path, bench_task) -> tuple[float, float]:
    """(validation, held-back) scores of an ensemble script run on the saved predictions of `members`
    (attempt id: its workspace)."""
    script = re.sub(r"^ENSEMBLE_MEMBERS = .*$", f"ENSEMBLE_MEMBERS = {[f'm{m}' for m in members]!r}", script,
                    count=1, flags=re.M)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "solution.py").write_text(script)
        (folder / "input").symlink_to(task_dir / "public")
        for member, member_workspace in members.items():
            target = folder / "members" / f"m{member}"
            target.mkdir(parents=True)
            for artifact in (member_workspace / "artifacts").iterdir():
                (target / artifact.name).symlink_to(artifact)
        # One thread, as the runs gave their scripts: the weight fits' last digits depend on the threads.
        one_thread = {**os.environ, **{name: "1" for name in THREAD_VARIABLES}}
        done = subprocess.run([sys.executable, "solution.py"], cwd=folder, capture_output=True, text=True,
                              timeout=900, env=one_thread)
        score = parse_score(done.stdout)
        if score is None:
            raise RuntimeError(f"ensemble script failed: {done.stderr[-500:]}")
        return score, grade_submission(next((folder / "submission").glob("*.csv")), bench_task).score


def with_mean(script: str) -> str:
    """The ensemble script with its strategy replaced by an equal-weight mean."""
    end_of_head = script.index("\n", script.index('raise SystemExit("no usable ensemble members')) + 1
    return script[:end_of_head] + "\n\n" + MEAN_COMBINE + script[script.index("oof, test_pred = combine("):]


def solution_bests(log: str, attempts: dict) -> list[int]:
    """Each solution's best attempt when the ensembles ran, followed through the log: its top-ranked
    candidate, then every merge that improved it and every plan kept."""
    best: dict[str, int] = {}
    last: dict[str, int] = {}
    for line in log.splitlines():
        if started := re.search(r"attempt (\d+) \[(s\d+) ", line):
            last[started[2]] = int(started[1])
        elif ranked := re.search(r"\[(s\d+)\] ranking: ([^=]+)=", line):
            best[ranked[1]] = next(a.id for a in attempts.values() if a.solution_id == ranked[1]
                                   and a.phase == "candidate" and a.label == ranked[2])
        elif kept := re.search(r"\[(s\d+)\] (merge with .* improved|plan kept)", line):
            best[kept[1]] = last[kept[1]]
    return [best[sid] for sid in sorted(best)]


def one_run(agent: Path, bench_task, variant: str) -> str | None:
    run = json.loads((agent / "run.json").read_text())
    task, folder = load_task(Path(run["task"])), RunFolder(agent)
    better, sign = task.metric.is_better, (1.0 if task.metric.higher_is_better else -1.0)
    attempts = {a.id: a for a in folder.journal.read()}
    ensembles = [a for a in attempts.values() if a.ok and a.phase == "ensemble"]
    if not ensembles:
        return None
    log = (agent / "log.txt").read_text()
    best_ids = [int(i) for i in re.findall(r"new best submission: attempt (\d+)", log)]
    best_solution = attempts[[i for i in best_ids if attempts[i].phase != "ensemble"][-1]]
    def workspace(attempt_id: int) -> Path:
        return folder.workspace_of(attempts[attempt_id])

    def on(members: list[int]) -> dict[int, Path]:
        return {m: workspace(m) for m in members}

    script = (workspace(ensembles[0].id) / "solution.py").read_text()
    members = [int(m) for m in re.findall(r"'m(\d+)'", re.search(r"^ENSEMBLE_MEMBERS = (.*)$", script, re.M)[1])]

    def has_predictions(a) -> bool:
        return all((workspace(a.id) / "artifacts" / name).exists() for name in ARTIFACTS)

    def by_score(pool):
        return sorted(pool, key=lambda a: -sign * a.score)

    task_dir = Path(run["task"])
    held = {a.id: held_back_score(agent, a.id, bench_task) for a in [best_solution, *ensembles]}
    now = [(e.score, held[e.id]) for e in ensembles]
    if variant == "mean":
        then = now + [rerun(with_mean(script), on(members), task_dir, bench_task)]
        change = "+ mean"
    else:
        if variant == "candidates":
            extra = by_score(a for a in attempts.values() if a.ok and a.phase == "candidate"
                             and a.id not in members and has_predictions(a))
            new_members = members + [a.id for a in extra]
        else:
            cap = int(variant.split("=")[1])
            chosen = solution_bests(log, attempts)
            seen = {(attempts[i].solution_id, attempts[i].score) for i in chosen}
            for a in by_score(a for a in attempts.values() if a.ok and a.phase in SOLUTION_PHASES
                              and a.id not in chosen and has_predictions(a)):
                if (a.solution_id, a.score) not in seen:
                    chosen.append(a.id)
                    seen.add((a.solution_id, a.score))
            if sorted(chosen[:8]) != sorted(members):
                raise RuntimeError(f"the ensembler's order was not followed: {chosen[:8]} against {members}")
            new_members = chosen[:cap]
        if sorted(new_members) == sorted(members):
            then = now
        else:
            then = [rerun((workspace(e.id) / "solution.py").read_text(), on(new_members), task_dir, bench_task)
                    for e in ensembles]
        change = f"{len(members)} -> {len(new_members)} members"

    def choice(pairs):
        top = max(pairs, key=lambda p: sign * p[0])
        return top if better(top[0], best_solution.score) else (best_solution.score, held[best_solution.id])

    (v0, h0), (v1, h1) = choice(now), choice(then)
    verdict = "same" if abs(h1 - h0) < 1e-12 else ("**better**" if better(h1, h0) else "worse") + f" ({h1 - h0:+.4g})"
    return (f"| {agent.parts[-3]} | {run['settings']['seed']} | {change} | {v0:.6g} / {h0:.5g} | "
            f"{v1:.6g} / {h1:.5g} | {verdict} |")


def main(variant: str, pairs: list[str]) -> None:
    print(f"variant `{variant}`\n")
    print("| dev table | seed | change | submitted now: validation / held back | with the variant | variant against now |")
    print("|---|---|---|---|---|---|")
    for out, tasks_dir in zip(pairs[::2], pairs[1::2]):
        tasks = {t.name: t for t in discover_tasks(Path(tasks_dir))}
        for agent in sorted(Path(out).glob("runs/*/*/mle-star/agent")):
            row = one_run(agent, tasks[agent.parts[-3]], variant)
            if row:
                print(row, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
