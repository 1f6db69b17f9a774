"""The systems a bench compares: this agent and its peers, and how each one is launched on a task.

Every system is a subprocess that reads the task's public files and writes a submission file:
- `mle-star`: this agent's CLI with the offline engine (`--model offline`, no LLM), on the task folder.
- `flaml`, `autogluon`, `autogluon-best`: small runner scripts (`runners/`) run by each peer's own virtual
  environment (`autogluon-best` is AutoGluon with its competition preset, best_quality).
- `lightgbm`: the default-LightGBM runner, run by this project's Python (LightGBM is one of our deps).
- `baseline`: the simple baseline of the task's kind (TF-IDF + logistic regression for text, pixels +
  logistic regression for images, default LightGBM for tables), also run by this project's Python.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .envs import PEER_ENVS
from machine_learning_engineering.task.forms import graded_view

from .tasks import BenchTask, TabularView, targets_for

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNNERS_DIR = Path(__file__).resolve().parent / "runners"
AGENT = "mle-star"


@dataclass(frozen=True)
class System:
    """One competitor.

    Attributes:
        name: the name in tables and plots.
        label: what it is, for the report.
        env: the peer environment it runs in (`envs.PEER_ENVS`), or None for this project's Python.
        runner: its runner script under `runners/`, or None for the agent.
        options: runner settings fixed for this system, as (key, value) pairs (they win over the bench's).
    """

    name: str
    label: str
    env: Optional[str]
    runner: Optional[str]
    options: tuple[tuple[str, str], ...] = ()

    @property
    def is_agent(self) -> bool:
        return self.runner is None


SYSTEMS: dict[str, System] = {s.name: s for s in (
    System(AGENT, "this agent, offline engine (no LLM)", None, None),
    System("flaml", f"FLAML AutoML on the task metric ({', '.join(PEER_ENVS['flaml'].requirements)})", "flaml",
           "flaml_runner.py"),
    System("autogluon", "AutoGluon TabularPredictor on the task metric, no torch models "
           f"({', '.join(PEER_ENVS['autogluon'].requirements)})", "autogluon", "autogluon_runner.py"),
    System("autogluon-best", "AutoGluon as above with presets=best_quality (its competition preset: bagging "
           "and stacking)", "autogluon", "autogluon_runner.py", options=(("presets", "best_quality"),)),
    System("lightgbm", "LightGBM with default parameters", None, "lightgbm_default.py"),
    System("baseline", "the simple baseline of the task's kind: TF-IDF + logistic regression for text, pixels + "
           "logistic regression for images, default LightGBM for tables", None, "kind_baseline.py"),
)}
# What a bench runs unless told: the peers on the tables; the agent and the baselines on the Lite stand-ins.
DEFAULT_SYSTEMS: dict[str, tuple[str, ...]] = {
    "tables": (AGENT, "flaml", "autogluon", "autogluon-best", "lightgbm"),
    "lite": (AGENT, "baseline"),
}


def runner_options(system: System, autogluon_presets: str) -> dict[str, str]:
    """The job options of `system`: plain `autogluon` takes the bench's presets, a system's own options win."""
    options = {"presets": autogluon_presets} if system.name == "autogluon" else {}
    return {**options, **dict(system.options)}


@dataclass(frozen=True)
class Launch:
    """A ready-to-run system: command, working folder, environment additions, and where it writes."""

    command: list[str]
    cwd: Path
    extra_env: dict[str, str]
    drop_env: tuple[str, ...]
    submission: Path


def submission_path(system: System, run_dir: Path) -> Path:
    """Where `system`'s run in `run_dir` writes its submission."""
    return run_dir / "agent" / "submission.csv" if system.is_agent else run_dir / "submission.csv"


def prepare_launch(system: System, bench_task: BenchTask, view: Optional[TabularView], *, budget_s: float,
                   cores: int, run_dir: Path, python: str, options: dict, seed: int = 0) -> Launch:
    """Writes what the system needs into `run_dir` and returns how to start it.

    Args:
        view: the peers' tables (ignored for the agent).
        python: the interpreter that runs it (the peer environment's for peers).
        options: runner-specific settings, passed in the job file.

    Raises:
        ValueError: the task's format cannot be expressed as a job for the runners.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    if system.is_agent:
        output = run_dir / "agent"
        command = [python, "-m", "machine_learning_engineering.cli", "run", str(bench_task.root),
                   "--time-budget", f"{budget_s:g}", "--output", str(output), "--model", "offline"]
        pythonpath = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        # The agent runs `cores` scripts at once, one thread each: the same CPU time as a peer's `cores` threads.
        extra = {"PYTHONPATH": pythonpath, "MLE_STAR_MAX_PARALLEL": str(cores), "MLE_STAR_CORES_PER_RUN": "1"}
        return Launch(command, run_dir, extra, (), submission_path(system, run_dir))
    if view is None:
        raise ValueError(f"{bench_task.name} has no tabular view for {system.name}")
    task = graded_view(bench_task.task)  # a form's peers predict the rows of its long submission
    submission = submission_path(system, run_dir)
    job = {
        "train": str(view.train), "test": str(view.test), "output": str(submission),
        "id_columns": list(task.id_columns), "feature_columns": list(view.feature_columns),
        "modality": view.modality, "text_columns": list(view.text_columns),
        "targets": targets_for(task), "metric": task.metric.name, "time_budget_s": budget_s,
        "started_at": time.time(), "threads": cores, "seed": seed, "work_dir": str(run_dir / "work"),
        "options": options,
    }
    job_file = run_dir / "job.json"
    job_file.write_text(json.dumps(job, indent=2), encoding="utf-8")
    command = [python, str(RUNNERS_DIR / system.runner), str(job_file)]
    return Launch(command, run_dir, {}, ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"), submission)
