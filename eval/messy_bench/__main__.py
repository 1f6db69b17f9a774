"""python -m eval.messy_bench: does the agent survive the answers real LLMs give?

For each task the whole graph runs twice, with the same settings and seed: once with the clean offline
engine (`--model offline`) and once with the messy model (`--model messy:<rate>`, which wraps the same
engine and makes a share of its answers untidy, see `machine_learning_engineering/models/messy.py`).
Each run is its own `mle-star run` subprocess, killed with its process group at budget + grace.
Both submissions are checked and graded on the private answers; the report puts them side by side
with what the messy model did and what went wrong in the run. See eval/messy_bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import queue
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from machine_learning_engineering.bundled_tasks import TASK_NAMES, build_task
from machine_learning_engineering.models.messy import DEFAULT_RATE, KINDS, KINDS_VAR, LOG_VAR, MESSY
from machine_learning_engineering.task import SubmissionError, TaskError, check_submission, grade, load_task

from ..bench.execute import available_cpus, limited_environment, run_limited

REPO_ROOT = Path(__file__).resolve().parents[2]
CLEAN, MESSY_VARIANT = "clean", "messy"
RESULT_FILE, CONSOLE_FILE, MESSY_LOG = "result.json", "console.txt", "messy.json"
# What the run's log.txt says when a model answer or call let a step down (sub_agents/llm_steps.py).
ISSUES = {"unusable": "answer not usable", "failed_calls": "model call failed", "retries": "; retrying in"}
MAX_EXAMPLES = 12

log = logging.getLogger("messy_bench")


@dataclass
class RunResult:
    """One run of the graph on one task.

    Attributes:
        valid: a submission exists and passes the format check.
        val_score: the validation score of the run's best attempt (None without one).
        test_score: the submission's score on the private answers (None when invalid or ungradable).
        issues: per kind of `ISSUES`, how many lines of log.txt say so.
        examples: the first distinct such lines, and the console's traceback when the run crashed.
        mess: the messy model's tally (`messy.json`), empty for the clean run.
    """

    task: str
    variant: str
    model: str
    run_dir: str
    returncode: Optional[int] = None
    timed_out: bool = False
    wall_s: float = 0.0
    valid: bool = False
    problems: list[str] = field(default_factory=list)
    val_score: Optional[float] = None
    test_score: Optional[float] = None
    issues: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    mess: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    tasks: tuple[str, ...]
    tasks_dir: Path
    out_dir: Path
    runs_dir: Path
    budget_s: float
    rate: float
    seed: int
    jobs: int
    cores: int
    grace_s: float
    kinds: tuple[str, ...]
    resume: bool

    @property
    def messy_model(self) -> str:
        return f"{MESSY}:{self.rate:g}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    unknown = sorted(set(args.kinds or ()) - set(KINDS))
    if unknown:
        print(f"messy_bench: unknown kind(s) {', '.join(unknown)}; kinds are {', '.join(KINDS)}", file=sys.stderr)
        return 2
    if not 0.0 <= args.rate <= 1.0:
        print(f"messy_bench: --rate must be between 0 and 1, got {args.rate}", file=sys.stderr)
        return 2
    out_dir = args.out or REPO_ROOT / "eval" / "messy_bench" / "reports" / time.strftime("%Y-%m-%d")
    config = Config(tasks=tuple(args.tasks or TASK_NAMES), tasks_dir=args.tasks_dir.resolve(), out_dir=out_dir,
                    runs_dir=(args.runs_dir or REPO_ROOT / "runs" / "messy-bench" / out_dir.name).resolve(),
                    budget_s=args.budget, rate=args.rate, seed=args.seed, jobs=max(1, args.jobs),
                    cores=max(1, args.cores), grace_s=args.grace, kinds=tuple(args.kinds or ()), resume=args.resume)
    try:
        roots = {name: _task_root(name, config.tasks_dir) for name in config.tasks}
    except ValueError as exc:
        print(f"messy_bench: {exc}", file=sys.stderr)
        return 2
    results = run_all(config, roots)
    for path in write_reports(config, results):
        print(path)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.messy_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per run (default: 120)")
    parser.add_argument("--tasks", nargs="+", help="task names (default: every bundled task)")
    parser.add_argument("--tasks-dir", type=Path, default=REPO_ROOT / "tasks",
                        help="folder of task folders; missing bundled tasks are built into it (default: tasks/)")
    parser.add_argument("--out", type=Path, help="where results.csv and results.md go "
                                                 "(default: eval/messy_bench/reports/<today>)")
    parser.add_argument("--runs-dir", type=Path, help="where the run folders go "
                                                      "(default: runs/messy-bench/<name of --out>)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE,
                        help=f"share of answers the messy model transforms (default: {DEFAULT_RATE})")
    parser.add_argument("--kinds", type=lambda s: tuple(k.strip() for k in s.split(",") if k.strip()),
                        help="only these transformations, comma-separated (default: all): " + ", ".join(KINDS))
    parser.add_argument("--seed", type=int, default=42, help="the runs' seed, MLE_STAR_SEED (default: 42)")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (default: 1)")
    parser.add_argument("--cores", type=int, default=1,
                        help="scripts at once per run (MLE_STAR_MAX_PARALLEL) and CPUs each run is pinned to "
                             "(default: 1)")
    parser.add_argument("--grace", type=float, default=60.0,
                        help="seconds past the budget before a run is killed (default: 60)")
    parser.add_argument("--resume", action="store_true", help="reuse runs that already have a result.json")
    return parser


def _task_root(name: str, tasks_dir: Path) -> Path:
    root = tasks_dir / name
    if root.exists():
        return root
    if name in TASK_NAMES:
        return build_task(name, tasks_dir)
    raise ValueError(f"no task {name!r} in {tasks_dir}, and it is not a bundled task ({', '.join(TASK_NAMES)})")


def run_all(config: Config, roots: dict[str, Path]) -> list[RunResult]:
    """Every task's clean and messy run, `config.jobs` at a time, each pinned to its own CPUs."""
    cpus = available_cpus()
    slots: queue.Queue = queue.Queue()
    for slot in range(config.jobs):
        chosen = cpus[slot * config.cores:(slot + 1) * config.cores]
        slots.put(chosen if len(chosen) == config.cores else cpus[:config.cores])

    def one(job: tuple[str, str]) -> RunResult:
        cpu_set = slots.get()
        try:
            return run_one(config, job[0], roots[job[0]], job[1], cpu_set)
        finally:
            slots.put(cpu_set)

    jobs = [(task, variant) for task in config.tasks for variant in (CLEAN, MESSY_VARIANT)]
    with ThreadPoolExecutor(max_workers=config.jobs) as pool:
        return list(pool.map(one, jobs))


def run_one(config: Config, task_name: str, task_root: Path, variant: str, cpus: Sequence[int]) -> RunResult:
    """One `mle-star run` subprocess on one task, then its submission checked and graded."""
    folder = config.runs_dir / task_name / variant
    if config.resume and (folder / RESULT_FILE).exists():
        log.info("%s / %s: reusing %s", task_name, variant, folder / RESULT_FILE)
        return RunResult(**json.loads((folder / RESULT_FILE).read_text(encoding="utf-8")))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run_dir = folder / "agent"
    model = config.messy_model if variant == MESSY_VARIANT else "offline"
    command = [sys.executable, "-m", "machine_learning_engineering.cli", "run", str(task_root.resolve()),
               "--time-budget", f"{config.budget_s:g}", "--output", str(run_dir), "--model", model]
    extra = {"PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
             "MLE_STAR_SEED": str(config.seed), "MLE_STAR_MAX_PARALLEL": str(config.cores),
             "MLE_STAR_CORES_PER_RUN": "1"}
    if variant == MESSY_VARIANT:
        extra[LOG_VAR] = str(run_dir / MESSY_LOG)
        if config.kinds:
            extra[KINDS_VAR] = ",".join(config.kinds)
    env = limited_environment(config.cores, extra=extra, drop=(LOG_VAR, KINDS_VAR))
    log.info("%s / %s: %s", task_name, variant, " ".join(command[1:]))
    result = RunResult(task=task_name, variant=variant, model=model, run_dir=_shown(run_dir))
    ended = run_limited(command, cwd=REPO_ROOT, env=env, cores=len(cpus), hard_limit_s=config.budget_s + config.grace_s,
                        log=folder / CONSOLE_FILE, cpus=cpus)
    result.returncode, result.wall_s, result.timed_out = ended.returncode, round(ended.wall_s, 1), ended.timed_out
    _assess(result, task_root, run_dir, folder / CONSOLE_FILE)
    (folder / RESULT_FILE).write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    log.info("%s / %s: valid=%s val=%s test=%s in %.0f s", task_name, variant, result.valid,
             _number(result.val_score), _number(result.test_score), result.wall_s)
    return result


def _assess(result: RunResult, task_root: Path, run_dir: Path, console: Path) -> None:
    """Fills in the submission's validity and scores, the messy tally and what went wrong."""
    task = load_task(task_root)
    submission = run_dir / "submission.csv"
    if submission.exists():
        result.problems = check_submission(submission, task)
        result.valid = not result.problems
    else:
        result.problems = ["no submission.csv in the run folder"]
    best = run_dir / "best" / "score.json"
    if best.exists():
        result.val_score = json.loads(best.read_text(encoding="utf-8")).get("score")
    if result.valid:
        try:
            result.test_score = grade(submission, task)
        except (SubmissionError, TaskError) as exc:
            result.problems = [f"grading failed: {exc}"]
    if (run_dir / MESSY_LOG).exists():
        result.mess = json.loads((run_dir / MESSY_LOG).read_text(encoding="utf-8"))
    story = (run_dir / "log.txt").read_text(encoding="utf-8", errors="replace") if (run_dir / "log.txt").exists() \
        else ""
    lines = story.splitlines()
    result.issues = {name: sum(marker in line for line in lines) for name, marker in ISSUES.items()}
    seen: list[str] = []
    for line in lines:
        if any(marker in line for marker in ISSUES.values()):
            text = re.sub(r"^\d\d:\d\d:\d\d ", "", line)[:400]
            if text not in seen:
                seen.append(text)
    result.examples = seen[:MAX_EXAMPLES]
    output = console.read_text(encoding="utf-8", errors="replace") if console.exists() else ""
    result.issues["tracebacks"] = output.count("Traceback (most recent call last)")
    if result.issues["tracebacks"]:
        last = output[output.rfind("Traceback (most recent call last)"):].splitlines()
        result.examples.append("console traceback:\n" + "\n".join(last[-25:]))


def write_reports(config: Config, results: list[RunResult]) -> list[Path]:
    """results.csv (one row per task, both runs) and results.md (the table, the mess, what went wrong)."""
    config.out_dir.mkdir(parents=True, exist_ok=True)
    by_task = {(r.task, r.variant): r for r in results}
    rows = []
    for name in config.tasks:
        clean, messy = by_task[(name, CLEAN)], by_task[(name, MESSY_VARIANT)]
        metric = load_task(_task_root(name, config.tasks_dir)).metric
        rows.append(_row(name, metric.name, metric.higher_is_better, clean, messy))
    csv_path = config.out_dir / "results.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    md_path = config.out_dir / "results.md"
    md_path.write_text(_markdown(config, rows, results), encoding="utf-8")
    return [csv_path, md_path]


def _row(task: str, metric: str, higher_is_better: bool, clean: RunResult, messy: RunResult) -> dict:
    diff = None
    if clean.test_score is not None and messy.test_score is not None:
        diff = messy.test_score - clean.test_score
    return {
        "task": task, "metric": metric, "higher_is_better": higher_is_better,
        "clean_valid": clean.valid, "clean_val": clean.val_score, "clean_test": clean.test_score,
        "messy_valid": messy.valid, "messy_val": messy.val_score, "messy_test": messy.test_score,
        "test_diff": diff, "messy_change": _change(diff, higher_is_better, clean, messy),
        "clean_wall_s": clean.wall_s, "messy_wall_s": messy.wall_s,
        "clean_returncode": clean.returncode, "messy_returncode": messy.returncode,
        "messy_answers": messy.mess.get("answers", 0), "messy_transformed": messy.mess.get("transformed", 0),
        "messy_counts": json.dumps({k: v for k, v in messy.mess.get("counts", {}).items() if k != "clean"}),
        "clean_unusable": clean.issues.get("unusable", 0), "messy_unusable": messy.issues.get("unusable", 0),
        "messy_failed_calls": messy.issues.get("failed_calls", 0), "messy_retries": messy.issues.get("retries", 0),
        "messy_tracebacks": messy.issues.get("tracebacks", 0),
        "clean_problems": "; ".join(clean.problems), "messy_problems": "; ".join(messy.problems),
    }


def _change(diff: Optional[float], higher_is_better: bool, clean: RunResult, messy: RunResult) -> str:
    if not messy.valid:
        return "messy invalid" if clean.valid else "both invalid"
    if not clean.valid:
        return "clean invalid"
    if diff is None:
        return "ungraded"
    scale = max(abs(clean.test_score or 0.0), 1e-12)
    if abs(diff) <= 1e-3 * scale:
        return "same"
    return "better" if (diff > 0) == higher_is_better else "worse"


def _markdown(config: Config, rows: list[dict], results: list[RunResult]) -> str:
    lines = [
        "# Messy-answer bench", "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {_commit()}. Budget {config.budget_s:g} s per run, seed "
        f"{config.seed}, {config.cores} core(s) per run, {config.jobs} run(s) at once. Clean: `--model offline`; "
        f"messy: `--model {config.messy_model}` (the same engine, {config.rate:.0%} of its answers transformed"
        + (f", kinds {', '.join(config.kinds)}" if config.kinds else "") + ").", "",
        "| task | metric | clean valid | clean val | clean test | messy valid | messy val | messy test | "
        "test diff (messy − clean) | change | answers transformed | unusable answers (clean / messy) | "
        "wall s (clean / messy) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['metric']} | {_yes(r['clean_valid'])} | {_number(r['clean_val'])} | "
            f"{_number(r['clean_test'])} | {_yes(r['messy_valid'])} | {_number(r['messy_val'])} | "
            f"{_number(r['messy_test'])} | {_number(r['test_diff'], signed=True)} | {r['messy_change']} | "
            f"{r['messy_transformed']} / {r['messy_answers']} | {r['clean_unusable']} / {r['messy_unusable']} | "
            f"{r['clean_wall_s']:.0f} / {r['messy_wall_s']:.0f} |")
    valid = sum(r["messy_valid"] for r in rows)
    kept = sum(r["messy_change"] in ("same", "better") for r in rows)
    lines += ["", f"Messy runs with a valid submission: {valid} of {len(rows)}; as good as clean or better on the "
                  f"test set: {kept} of {len(rows)}.", ""]
    totals: Counter = Counter()
    for r in results:
        totals.update({k: v for k, v in r.mess.get("counts", {}).items() if k != "clean"})
    if totals:
        lines += ["## What the messy model did (all tasks)", "", "| transformation | answers |", "|---|---|"]
        lines += [f"| {kind} | {totals[kind]} |" for kind in KINDS if totals.get(kind)]
        lines.append("")
    lines += ["## What went wrong", "",
              "Lines of each run's `log.txt` where an answer could not be used or a call failed (first distinct "
              f"ones, at most {MAX_EXAMPLES}), and the console's traceback when the run crashed.", ""]
    for r in results:
        if not r.examples and r.valid:
            continue
        lines += [f"### {r.task} / {r.variant} (`{r.run_dir}`)", "",
                  f"exit {r.returncode}{', killed at the hard stop' if r.timed_out else ''}; "
                  + ", ".join(f"{k} {v}" for k, v in r.issues.items())
                  + (f"; submission: {'; '.join(r.problems)}" if r.problems else ""), ""]
        if r.examples:
            lines += ["```text", *r.examples, "```", ""]
    return "\n".join(lines)


def _number(value: Optional[float], signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _shown(path: Path) -> str:
    """`path` relative to the repository when it lies inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _commit() -> str:
    """The commit the runs were made at, marked when the working tree had changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD") or "unknown"
        return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
