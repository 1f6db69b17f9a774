"""python -m eval.bench: this agent against FLAML, AutoGluon and default LightGBM, same tasks, budget, cores, grader.

Run from the repository root, or anywhere with `bash eval/bench/run.sh`. See eval/bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

from machine_learning_engineering.bundled_tasks.lite import MissingSourceError

from .execute import available_cpus
from .harness import BenchConfig, run_bench
from .report import DEFAULT_TIE_TOLERANCE
from .systems import DEFAULT_SYSTEMS, REPO_ROOT, SYSTEMS

SUITE_DIRS = {"tables": "tasks", "lite": "tasks-lite"}  # the default --tasks-dir of each suite


def _numbers(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds separated by commas, e.g. 60,180,600; got {text!r}")
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"budgets must be positive seconds, got {text!r}")
    return values


def _names(choices: Sequence[str]):
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(v.strip() for v in text.split(",") if v.strip())
        unknown = [n for n in names if n not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {', '.join(choices)}")
        return names
    return parse


def _parser() -> argparse.ArgumentParser:
    cpus = len(available_cpus())
    parser = argparse.ArgumentParser(
        prog="python -m eval.bench",
        description="Benchmark this agent (offline engine) against FLAML, AutoGluon and default LightGBM: same "
                    "tasks, budget, cores and grader. Writes results.csv, results.md and normalised.png (and "
                    "sweep.csv, sweep.md, sweep.png with --sweep) under --out.")
    parser.add_argument("--suite", choices=tuple(SUITE_DIRS), default="tables",
                        help="which bundled tasks: tables (default) or lite, the stand-ins for MLE-bench-Lite's "
                             "22 competitions (in their layouts and metrics), built into --tasks-dir")
    parser.add_argument("--tasks-dir", type=Path,
                        help="folder of task folders (our layout or MLE-bench's prepared layout); the bundled "
                             "tasks are built into it when it does not exist (default: tasks/ in the repository, "
                             "tasks-lite/ with --suite lite)")
    parser.add_argument("--tasks", type=lambda s: tuple(v.strip() for v in s.split(",") if v.strip()),
                        help="comma-separated task folder names (default: every task in --tasks-dir)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "eval" / "bench" / "results",
                        help="where reports and runs go (default: eval/bench/results/ in the repository)")
    parser.add_argument("--budget", type=float, help="seconds per system per task (default: 300, or the "
                                                     "largest budget of --sweep)")
    parser.add_argument("--sweep", type=_numbers, help="also run these budgets, e.g. 60,180,600, and write "
                                                       "sweep.csv/md/png")
    parser.add_argument("--cores", type=int, default=cpus, help=f"CPU cores (and threads) every system gets (default: all {cpus})")
    parser.add_argument("--systems", type=_names(tuple(SYSTEMS)),
                        help=f"comma-separated systems to run, of {','.join(SYSTEMS)} (default: "
                             f"{','.join(DEFAULT_SYSTEMS['tables'])}; with --suite lite: "
                             f"{','.join(DEFAULT_SYSTEMS['lite'])})")
    parser.add_argument("--grace", type=float, default=60.0,
                        help="seconds past the budget before a system is killed (default: 60)")
    parser.add_argument("--resume", action="store_true",
                        help="reuse runs already recorded under --out instead of repeating them")
    parser.add_argument("--tie-tolerance", type=float, default=DEFAULT_TIE_TOLERANCE,
                        help="two valid scores within this fraction of the trivial-to-best gap tie "
                             f"(default: {DEFAULT_TIE_TOLERANCE})")
    parser.add_argument("--autogluon-presets", default="medium_quality",
                        help="presets of the `autogluon` system (default: medium_quality, AutoGluon's own "
                             "default); `autogluon-best` always runs best_quality, its strongest")
    parser.add_argument("--dev", action="store_true",
                        help="run on dev splits of the tasks (a fifth of each public train held back as answers, "
                             "held-out tasks left out), to compare settings without the private answers")
    parser.add_argument("--quiet", action="store_true", help="only warnings and the files written")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    if args.cores < 1 or args.cores > len(available_cpus()):
        parser.error(f"--cores must be between 1 and {len(available_cpus())}, got {args.cores}")
    main_budget = args.budget or (max(args.sweep) if args.sweep else 300.0)
    budgets = tuple(sorted(set(args.sweep or ()) | {main_budget}))
    tasks_dir = args.tasks_dir or REPO_ROOT / SUITE_DIRS[args.suite]
    config = BenchConfig(tasks_dir=tasks_dir, suite=args.suite, out_dir=args.out, budgets=budgets, main_budget=main_budget,
                         cores=args.cores, systems=args.systems or DEFAULT_SYSTEMS[args.suite], only_tasks=args.tasks, grace_s=args.grace,
                         resume=args.resume, tie_tolerance=args.tie_tolerance,
                         autogluon_presets=args.autogluon_presets, dev=args.dev)
    try:
        written = run_bench(config)
    except (ValueError, MissingSourceError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
