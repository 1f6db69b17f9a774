"""Paired bootstrap of two agent runs (arms) on the same dev tables, from the repository root:

    python eval/bench/reports/2026-12-07-dev-many-levels-300s-1core/compare_arms.py BASE_OUT NEW_OUT TASKS_DIR [...]

Each OUT is a bench --out folder and TASKS_DIR the --tasks-dir both ran on (dev splits made by --dev are
read from BASE_OUT/dev-tasks). A table run in both is compared on its test rows: the 95% interval of the
new arm's advantage, positive = better.
"""

import sys
from pathlib import Path

from eval.bench.bootstrap import submissions_interval
from eval.bench.tasks import discover_tasks


def runs(out: Path) -> dict[str, Path]:
    return {p.parents[2].name: p for p in out.glob("runs/*/*/mle-star/agent/submission.csv")}


def tasks_dir(out: Path, fallback: Path) -> Path:
    return out / "dev-tasks" if (out / "dev-tasks").is_dir() else fallback


pairs = [(Path(a), Path(b), Path(c)) for a, b, c in zip(*[iter(sys.argv[1:])] * 3)]  # BASE NEW TASKS_DIR
for base_out, new_out, fallback in pairs:
    base, new = runs(base_out), runs(new_out)
    for name in sorted(set(base) & set(new)):
        bench_task = discover_tasks(tasks_dir(base_out, fallback), [name])[0]
        higher = bench_task.task.metric.higher_is_better
        print(name, submissions_interval(new[name], base[name], bench_task, higher))
