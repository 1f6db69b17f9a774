"""The bench run: every system on every task at every budget, one at a time, then the reports.

Each run is recorded in `<out>/runs/<budget>s/<task>/<system>/` (the system's log, its job file or the
agent's run folder, its submission, and `result.json`), so a run can be inspected afterwards and, with
`resume`, reused instead of repeated.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Mapping, Optional

from . import report
from .bootstrap import submissions_interval
from .dev_split import make_dev_tasks
from .envs import ENVS_DIR, PEER_ENVS, EnvError, ensure_env
from .execute import limited_environment, run_limited
from .grading import Grade, grade_submission, trivial_submission
from .systems import (AGENT, DEFAULT_SYSTEMS, SYSTEMS, System, prepare_launch, runner_options,
                      submission_path)
from .tasks import BenchTask, TabularView, discover_tasks, ensure_bundled_tasks, held_out_tasks, tabular_view

log = logging.getLogger("bench")


@dataclass(frozen=True)
class BenchConfig:
    """Settings of one bench run (see `python -m eval.bench --help`)."""

    tasks_dir: Path
    out_dir: Path
    budgets: tuple[float, ...]
    main_budget: float
    cores: int
    systems: tuple[str, ...] = DEFAULT_SYSTEMS["tables"]
    only_tasks: Optional[tuple[str, ...]] = None
    grace_s: float = 60.0
    resume: bool = False
    tie_tolerance: float = report.DEFAULT_TIE_TOLERANCE
    autogluon_presets: str = "medium_quality"
    envs_dir: Path = ENVS_DIR
    dev: bool = False
    suite: str = "tables"

    def __post_init__(self) -> None:
        # Runs and peers work in folders of their own, so a relative path would point elsewhere there.
        for name in ("tasks_dir", "out_dir", "envs_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)).resolve())


def run_bench(config: BenchConfig) -> list[Path]:
    """Runs the bench and writes its reports; returns the files written."""
    ensure_bundled_tasks(config.tasks_dir, config.suite)
    tasks = discover_tasks(config.tasks_dir, list(config.only_tasks) if config.only_tasks else None)
    if config.dev:
        tasks = discover_tasks(make_dev_tasks(tasks, config.out_dir / "dev-tasks"))
    if not tasks:
        raise ValueError(f"no tasks found in {config.tasks_dir}" + (" that have a dev split" if config.dev else ""))
    systems = [SYSTEMS[name] for name in config.systems]
    pythons = _pythons(systems, config.envs_dir)
    runs = len(tasks) * len(systems) * len(config.budgets)
    log.info("%d tasks x %d systems x %d budgets = %d runs, about %.0f min", len(tasks), len(systems),
             len(config.budgets), runs, sum(config.budgets) * len(tasks) * len(systems) / 60)

    out = config.out_dir
    trivial = {t.name: _trivial_grade(t, out / "trivial") for t in tasks}
    views: dict[str, TabularView | str] = {}
    notes: dict[str, str] = {}
    for t in tasks:
        try:
            views[t.name] = tabular_view(t, out / "views")
            notes[t.name] = views[t.name].note
        except Exception as exc:  # noqa: BLE001 - the peers cannot run on this task; the agent still does
            views[t.name] = f"no tabular view for the peers: {type(exc).__name__}: {exc}"
            notes[t.name] = views[t.name]

    records = []
    done = 0
    for budget in config.budgets:
        for t in tasks:
            for system in systems:
                done += 1
                run_dir = out / "runs" / f"{budget:g}s" / t.name / system.name
                record = _load_record(run_dir) if config.resume else None
                if record is None:
                    shutil.rmtree(run_dir, ignore_errors=True)
                    run_dir.mkdir(parents=True)
                    record = _run_one(system, t, views[t.name], budget, config, pythons[system.name], run_dir,
                                      trivial[t.name])
                    (run_dir / "result.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
                score = f"{record['score']:.5g}" if record["valid"] else f"invalid ({record['error'][:120]})"
                log.info("[%d/%d] %gs %s %s: %s %s in %.0f s", done, runs, budget, t.name, system.name,
                         t.task.metric.name, score, record["wall_s"])
                records.append(record)

    _add_test_noise(records, {t.name: t for t in tasks}, systems, out)
    frame = report.results_frame(records)
    return report.write_reports(frame, out, budget=config.main_budget, agent=AGENT,
                                systems={s.name: _label(s, config) for s in systems}, cores=config.cores,
                                grace_s=config.grace_s, tolerance=config.tie_tolerance, notes=notes,
                                held_out=held_out_tasks() if config.suite == "tables" else [], dev=config.dev)


def _add_test_noise(records: list[dict], tasks: Mapping[str, BenchTask], systems: list[System], out: Path) -> None:
    """Adds to each valid peer record graded by this project's grader the paired-bootstrap interval of the
    agent's advantage over it on the test rows (`bootstrap.py`), when the agent's run is valid too."""
    agent = next((s for s in systems if s.is_agent), None)
    if agent is None:
        return
    by_system = {s.name: s for s in systems}
    mine = {(r["budget"], r["task"]): r for r in records if r["system"] == agent.name and r["valid"]}
    for record in records:
        key = (record["budget"], record["task"])
        if record["system"] == agent.name or not record["valid"] or key not in mine:
            continue
        if record["grader"] != "task.grade" or mine[key]["grader"] != "task.grade":
            continue  # MLE-bench's grader scores whole files only
        folder = out / "runs" / f"{record['budget']:g}s" / record["task"]
        interval = submissions_interval(submission_path(agent, folder / agent.name),
                                        submission_path(by_system[record["system"]], folder / record["system"]),
                                        tasks[record["task"]], bool(record["higher_is_better"]))
        if interval is not None:
            record["advantage_low"], record["advantage_high"] = interval


def _label(system: System, config: BenchConfig) -> str:
    if system.name == "autogluon":
        return f"{system.label}, presets {config.autogluon_presets}"
    if system.name == "lightgbm":
        return f"{system.label} (lightgbm=={metadata.version('lightgbm')})"
    return system.label


def _pythons(systems: list[System], envs_dir: Path) -> dict[str, str | EnvError]:
    """The interpreter of each system; a peer whose environment cannot be built gets the error instead."""
    pythons: dict[str, str | EnvError] = {}
    by_env: dict[str, str | EnvError] = {}  # systems sharing an environment (both AutoGluons) build it once
    for system in systems:
        if system.env is None:
            pythons[system.name] = sys.executable
            continue
        if system.env not in by_env:
            started = time.monotonic()
            try:
                by_env[system.env] = str(ensure_env(PEER_ENVS[system.env], envs_dir))
            except EnvError as exc:
                log.error("%s", exc)
                by_env[system.env] = exc
            log.info("%s environment ready in %.0f s", system.env, time.monotonic() - started)
        pythons[system.name] = by_env[system.env]
    return pythons


def _trivial_grade(bench_task: BenchTask, folder: Path) -> Grade:
    try:
        path = trivial_submission(bench_task, folder / f"{bench_task.name}.csv")
    except Exception as exc:  # noqa: BLE001 - without it the worst valid run anchors the normalisation
        log.warning("%s: no trivial predictor (%s); the worst valid run will count as 0", bench_task.name, exc)
        return Grade(math.nan, False, str(exc))
    graded = grade_submission(path, bench_task)
    if not graded.valid:
        log.warning("%s: the trivial predictor's submission is invalid: %s", bench_task.name, graded.error)
    return graded


def _load_record(run_dir: Path) -> Optional[dict]:
    try:
        return json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_one(system: System, bench_task: BenchTask, view: TabularView | str, budget: float, config: BenchConfig,
             python: str | EnvError, run_dir: Path, trivial: Grade) -> dict:
    # MLE-bench's grader states its own direction (seen on the trivial submission); else the task metric's.
    higher = trivial.higher_is_better
    higher = bool(bench_task.task.metric.higher_is_better) if higher is None else higher
    record = {"task": bench_task.name, "system": system.name, "budget": budget,
              "metric": bench_task.task.metric.name, "higher_is_better": higher,
              "score": math.nan, "valid": False, "wall_s": 0.0, "timed_out": False, "error": "",
              "grader": "task.grade", "trivial_score": trivial.score}
    if isinstance(python, EnvError):
        return {**record, "error": f"environment not available: {python}"}
    if isinstance(view, str) and not system.is_agent:
        return {**record, "error": view}
    try:
        launch = prepare_launch(system, bench_task, None if isinstance(view, str) else view, budget_s=budget,
                                cores=config.cores, run_dir=run_dir, python=python,
                                options=runner_options(system, config.autogluon_presets))
    except ValueError as exc:
        return {**record, "error": str(exc)}
    env = limited_environment(config.cores, extra=launch.extra_env, drop=launch.drop_env)
    result = run_limited(launch.command, cwd=launch.cwd, env=env, cores=config.cores,
                         hard_limit_s=budget + config.grace_s, log=run_dir / "log.txt")
    graded = grade_submission(launch.submission, bench_task)
    problems = [graded.error] if graded.error else []
    if result.timed_out:
        problems.insert(0, f"killed at the hard stop ({budget + config.grace_s:g} s)")
    elif result.returncode != 0:
        problems.append(f"exit status {result.returncode}: {_last_line(result.log)}")
    return {**record, "score": graded.score, "valid": graded.valid, "wall_s": round(result.wall_s, 2),
            "timed_out": result.timed_out, "error": "; ".join(problems), "grader": graded.grader,
            **(_agent_time_use(launch.submission.parent) if system.is_agent else {})}


def _agent_time_use(run_dir: Path) -> dict:
    """The agent's own account of its wall time (run.json's time_use), when its run got that far."""
    try:
        use = json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("time_use") or {}
    except (OSError, ValueError):
        return {}
    return {key: use[key] for key in ("outside_scripts_share", "unused_budget_share") if key in use}


def _last_line(log_file: Path) -> str:
    """The last meaningful line of a log (usually the exception), for the error column."""
    try:
        lines = [l.strip() for l in log_file.read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""
