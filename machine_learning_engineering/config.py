"""One configuration object for a run, read at the edge (environment, `.env`, CLI) and passed down.

Every setting has a default that works offline on a laptop; `.env.example` documents each one
with the environment variable that sets it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

ENV_PREFIX = "MLE_STAR_"
ISOLATIONS = ("auto", "bwrap", "unshare", "none")
# Seconds a run spends, inside its budget, before its first script starts: loading and profiling the
# task and the first model answers (about 1 s with the offline engine).
STARTUP_S = 5.0
# Memory one script may use before it is killed, unless set.
DEFAULT_MEMORY_LIMIT_MB = 8192
# A categorical column with at least this share of the training rows as distinct values groups the rows
# into many small groups, of 20 rows or fewer on average (see Settings.folds_for).
MANY_LEVELS_SHARE = 0.05
# The ensemble keeps its whole share of the budget from this many training rows up, or this many rows
# times the square of the prediction columns (classes), and a share scaled to them below, but never less
# than ENSEMBLE_MIN_RESERVE_S (see Settings.ensemble_reserve_for).
ENSEMBLE_FULL_SHARE_ROWS = 50_000
ENSEMBLE_FULL_SHARE_CELLS = 1_000_000
ENSEMBLE_MIN_RESERVE_S = 30.0
ENV_SOURCE = "in the environment or .env"


class SettingsError(ValueError):
    """A setting that cannot work.

    `name` is the setting (a field of `Settings`), `value` its value; the message names the setting the
    way the user gave it (`--solutions 0`, `MLE_STAR_NUM_SOLUTIONS='0' in the environment or .env`, or
    the field's name) and says what it must be.
    """

    def __init__(self, name: str, value: Any, requirement: str, given_as: Optional[str] = None) -> None:
        self.name, self.value, self.requirement = name, value, requirement
        super().__init__(f"{given_as} {requirement}" if given_as else f"{name} {requirement}, got {value!r}")

    def given_as(self, setting: str) -> "SettingsError":
        """The same error, naming the setting as the user wrote it, e.g. "--solutions 0"."""
        return SettingsError(self.name, self.value, self.requirement, setting)

    def from_environment(self, environ: Mapping[str, str]) -> "SettingsError":
        """The same error, naming the environment variable that set the value."""
        variable = env_variable(self.name)
        return self.given_as(f"{variable}={environ.get(variable, '')!r} {ENV_SOURCE}")


def env_variable(name: str) -> str:
    """The environment variable of a setting: MLE_STAR_ and the field's name in capitals."""
    return ENV_PREFIX + name.upper()


def _executor_limits() -> tuple[float, float]:
    """(FINAL_RESERVE_S, MIN_USEFUL_TIMEOUT_S) of the script executor, which the budget checks rely on."""
    # Imported here: the executor's imports are too heavy for every `Settings`, and only checks need it.
    from .tools.code_execution import FINAL_RESERVE_S, MIN_USEFUL_TIMEOUT_S

    return FINAL_RESERVE_S, MIN_USEFUL_TIMEOUT_S


def _default_max_parallel() -> int:
    """As many script slots as cores, but no more than the machine's memory holds at the default
    per-script limit, so scripts at their limit together cannot exhaust it."""
    cores = os.cpu_count() or 1
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    except (ValueError, OSError, AttributeError):  # no sysconf (not Linux or macOS): cores alone
        return max(1, cores)
    return max(1, min(cores, memory_mb // DEFAULT_MEMORY_LIMIT_MB))


def min_time_budget_s(ensemble_time_share: float) -> float:
    """The shortest budget in which one candidate script can run: the start-up, the shortest useful
    script and the final reserve, out of the part of the budget the ensemble leaves to the solutions."""
    final_reserve, min_script = _executor_limits()
    return float(math.ceil((STARTUP_S + min_script + final_reserve) / (1 - ensemble_time_share)))


@dataclass(frozen=True)
class Settings:
    """Settings for one MLE-STAR run.

    Attributes:
        model: backend for every agent: "offline" (built-in engine, no key), a Gemini model name
            such as "gemini-2.5-flash", or "litellm/<provider>/<model>".
        agent_models: per-role overrides, e.g. {"debugger": "gemini-2.5-pro"}.
        time_budget_s: wall-clock budget of the whole run; the run ends within it plus a small margin.
        num_solutions: solutions developed in parallel. 2 on validation evidence: 1 scored worse on 4 of
            10 dev tables and better on none (`eval/bench/reports/2026-12-06-dev-choices-300s-1core`); 3
            scored the same on 5 of the 7 dev tables of at most 2,000 rows and worse on 2, though it spent
            more of the budget (`eval/bench/reports/2026-12-06-dev-three-solutions-300s-1core`).
        parallel_solutions: develop the solutions at once (False: one after another, for comparison).
        num_candidates: retrieved models (candidate scripts) per solution.
        outer_steps: refinement outer-loop steps (ablation, then one block) per solution.
        extra_outer_steps: further outer steps a solution may take after `outer_steps` (when it took at
            least one) while its share of the budget allows: each starts only if the time left is at
            least what the previous step took, and while a block is left to refine. Off by default: on
            dev splits of the eight non-held-out bundled tasks (`eval/bench --dev`, 300 s, one core) 2
            extra steps scored better on 1, worse on 2 and the same on 5, and left no less budget unused;
            on two dev count tables (`eval/bench/reports/2026-12-06-dev-counts-mae-300s-1core`) they gave
            the same scores, every extra plan being within the fold noise.
        inner_steps: plans tried for the chosen block per outer step.
        keep_noise_factor: a refined plan or a merge replaces the script it would improve (and any script
            but an ensemble replaces the run's best submission) only when its mean per-fold gain, on the
            same folds, exceeds this many standard errors of the per-fold gains (`tools.keep_rule`); 0
            keeps any better score.
        ensemble_noise_factor: the same for an ensemble replacing the run's best submission. 0 on
            validation evidence: in 29 dev runs at 300 s, one core (17 tables, two seeds on 12 of them;
            `eval/bench/reports/2026-12-07-dev-ensemble-choice-300s-1core`), factor 0 would have submitted
            a better held-back score on 7, a worse one on 1 and the same on 21; on two 100k-row tables at
            900 s the submission was the same.
        ensemble_rounds: ensemble plans tried.
        max_debug_rounds: debugger fixes tried on one failing script before rolling back.
        script_timeout_s: longest a single script may run (also capped by the remaining budget).
        candidate_time_share: longest one initial candidate may run, as a share of the time budget, so
            one slow model cannot starve the others of time.
        ensemble_time_share: share of the time budget the solutions leave for the ensemble on a large
            table; a smaller one keeps less (`ensemble_reserve_for`).
        max_parallel: scripts running at once in this process (default: the cores, but no more than
            the memory holds at DEFAULT_MEMORY_LIMIT_MB each); the slots the solutions leave free run
            more of a solution's candidates at once (`candidates_at_once`).
        cores_per_run: threads granted to each script.
        memory_limit_mb: memory a script may use before it is killed.
        isolation: how scripts are confined (`sandbox.confinement` says what each protects): "auto"
            (bubblewrap when it works, else Linux namespaces), "bwrap", "unshare" or "none".
        check_leakage: run the data-leakage checker before code counts.
        check_data_usage: run the data-usage checker on every candidate script.
        runs_dir: where run folders are created.
        events_file: file the run's events are appended to as JSON lines (`record/events.py`), for
            machines following the run; None: no events.
        model_cards_dirs: extra folders of user model cards and recipes (human-in-the-loop).
        hints: free-text advice from a human, shown to every agent.
        max_cost_usd: model spend at which the run stops asking models and ends with the best
            submission so far (0: no limit). Calls of models with no known price are not counted.
        llm_timeout_s: longest one model call may take (also capped by the remaining budget).
        max_answer_retries: times a role is asked again when its answer cannot be used, before the
            step goes on without it.
        n_folds: cross-validation folds the solutions use (on a training set of fewer than
            `large_data_rows` rows).
        large_data_folds: folds on a training set of `large_data_rows` rows or more, where each fold
            trains on plenty of rows and a fit costs the most. 3 on validation evidence: on dev splits of
            three tables of 30k-43k training rows (`eval/bench`, 300 s, one core) 3 folds scored within
            the bench's tie margin of 5 on all three (0.1% lower RMSLE on one, 0.00012 lower AUC on
            another), and the refinement loop ran 2-4 steps where with 5 folds it ran none.
        large_data_rows: the smallest training set that takes `large_data_folds`, unless a categorical
            column groups its rows into many small groups (see `folds_for`).
        small_data_repeats: times a training set of at most `small_data_rows` rows repeats its k-fold
            split (new seeds, predictions averaged), so that scores are steadier where folds are small.
            3 on validation evidence: on dev splits of the eight non-held-out bundled tasks (`eval/bench
            --dev`, 300 s, one core) 3 repeats scored better than 1 on 3 of the 6 tasks within the row
            limit, worse on 1 and the same on 2, and left 30% of the budget unused on average, not 47%.
        small_data_rows: the largest training set whose split is repeated.
        refit_rows: the smallest table (no images, sounds or form) whose scripts, when their time allows, also
            fit each model once on all training rows but a stop set and average its test predictions with the
            folds' (0: never). Off by default on validation evidence
            (`eval/bench/reports/2026-12-08-dev-refit-all-rows-300s-1core`): rerun without a time limit, the final
            choices of four dev tables of 25k-60k rows scored better on all four with it (0.03-0.16%), but in
            whole 300 s runs (one core) the longer scripts left less time for the rest: better on 1 of 5 tables,
            worse on 1 (both beyond the noise) and the same on 3. 20000 is worth trying with larger budgets.
        seed: seed for folds and models.
    """

    model: str = "offline"
    agent_models: Mapping[str, str] = field(default_factory=dict)
    time_budget_s: float = 900.0
    num_solutions: int = 2
    parallel_solutions: bool = True
    num_candidates: int = 3
    outer_steps: int = 2
    extra_outer_steps: int = 0
    inner_steps: int = 3
    keep_noise_factor: float = 1.0
    ensemble_noise_factor: float = 0.0
    ensemble_rounds: int = 3
    max_debug_rounds: int = 2
    script_timeout_s: float = 600.0
    candidate_time_share: float = 0.4
    ensemble_time_share: float = 0.1
    max_parallel: int = field(default_factory=_default_max_parallel)
    cores_per_run: int = 1
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB
    isolation: str = "auto"
    check_leakage: bool = True
    check_data_usage: bool = True
    runs_dir: Path = Path("runs")
    events_file: Optional[Path] = None
    model_cards_dirs: tuple[Path, ...] = ()
    hints: str = ""
    max_cost_usd: float = 0.0
    llm_timeout_s: float = 300.0
    max_answer_retries: int = 2
    n_folds: int = 5
    large_data_folds: int = 3
    large_data_rows: int = 20000
    small_data_repeats: int = 3
    small_data_rows: int = 2000
    refit_rows: int = 0
    seed: int = 42

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type == "float" and not math.isfinite(value):
                raise SettingsError(f.name, value, "must be a finite number")
        if not 0 < self.candidate_time_share <= 1:
            raise SettingsError("candidate_time_share", self.candidate_time_share, "must be in (0, 1]")
        if not 0 <= self.ensemble_time_share < 1:
            raise SettingsError("ensemble_time_share", self.ensemble_time_share, "must be in [0, 1)")
        if self.time_budget_s <= 0:
            minimum = min_time_budget_s(self.ensemble_time_share)
            raise SettingsError("time_budget_s", self.time_budget_s,
                                f"must be positive: a run needs at least {minimum:g} s; give {minimum:g} or more")
        if self.script_timeout_s <= 0:
            shortest = _executor_limits()[1]
            raise SettingsError("script_timeout_s", self.script_timeout_s, f"must be positive: no script is "
                                f"started with less than {shortest:g} s; give {shortest:g} or more")
        for name in ("llm_timeout_s", "max_parallel", "cores_per_run", "memory_limit_mb", "n_folds",
                     "large_data_folds", "small_data_repeats"):
            if getattr(self, name) <= 0:
                raise SettingsError(name, getattr(self, name), "must be positive")
        for name in ("num_solutions", "num_candidates"):
            if getattr(self, name) < 1:
                raise SettingsError(name, getattr(self, name), "must be at least 1")
        for name in ("outer_steps", "extra_outer_steps", "inner_steps", "ensemble_rounds", "max_debug_rounds",
                     "max_answer_retries", "max_cost_usd", "keep_noise_factor", "ensemble_noise_factor",
                     "small_data_rows", "refit_rows"):
            if getattr(self, name) < 0:
                raise SettingsError(name, getattr(self, name), "must be zero or more")
        if self.isolation not in ISOLATIONS:
            raise SettingsError("isolation", self.isolation, "must be one of " + ", ".join(map(repr, ISOLATIONS)))

    def check(self) -> None:
        """Checks that a run with these settings can produce a submission (construction has checked
        each value's range); `mle-star run` calls it before anything starts.

        Raises:
            SettingsError: a budget too short for one candidate script, a script time-out too short
                for any script to start, or a model-card folder that does not exist.
        """
        final_reserve, min_script = _executor_limits()
        minimum = min_time_budget_s(self.ensemble_time_share)
        if self.time_budget_s < minimum:
            raise SettingsError(
                "time_budget_s", self.time_budget_s,
                f"is too short for one candidate script: a run needs at least {minimum:g} s ({STARTUP_S:g} s to "
                f"start, {min_script:g} s for the shortest useful script, {final_reserve:g} s kept for the final "
                f"submission, and {self.ensemble_time_share:.0%} of the budget kept for the ensemble); give "
                f"{minimum:g} or more (default {Settings.time_budget_s:g})")
        if self.script_timeout_s < min_script:
            raise SettingsError(
                "script_timeout_s", self.script_timeout_s,
                f"is too short: no script is started with less than {min_script:g} s; give {min_script:g} or "
                f"more (default {Settings.script_timeout_s:g})")
        for folder in self.model_cards_dirs:
            if not folder.is_dir():
                problem = "is not a folder" if folder.exists() else "does not exist"
                raise SettingsError("model_cards_dirs", self.model_cards_dirs,
                                    f"names no folder ({folder} {problem}): give folders that hold model cards "
                                    f"(YAML files)")

    @property
    def candidates_at_once(self) -> int:
        """Candidate scripts of one solution that run at once: the script slots (`max_parallel`) left
        when each solution developed at the same time holds one, at least 1 and at most `num_candidates`."""
        sharing = self.num_solutions if self.parallel_solutions else 1
        return max(1, min(self.num_candidates, self.max_parallel // sharing))

    def folds_for(self, n_rows: Optional[int], level_counts: Sequence[int] = ()) -> int:
        """The cross-validation folds for a training set of `n_rows` rows (None: unknown, `n_folds`) whose
        categorical columns have `level_counts` distinct values.

        A large training set keeps `n_folds` when a categorical column groups its rows into many small
        groups (people, products, counties: levels on at least 5% of the rows, and repeated): with fewer
        folds each fold's model sees fewer rows of every group. On validation evidence: on the dev table of
        German doctor visits (`eval/bench/reports/2026-12-06-dev-counts-mae-300s-1core`, 5,517 person
        levels in 12,549 rows, 2-3 rows each), 3 folds scored 0.8% and 2.0% worse MAE than 5 in two runs
        with two seeds; in whole 300 s runs on 25,000-30,000-row dev tables
        (`eval/bench/reports/2026-12-07-dev-large-folds-300s-1core`), 5 folds scored 3.0% lower MAE on
        county murders (levels on 7.3% of the rows) and 0.3% lower RMSE on chemistry scores (9.5%), both
        beyond the test rows' noise, and 0.15% lower MAE, within it, on incomes by occupation (1.8%).
        """
        if n_rows is None or n_rows < self.large_data_rows:
            return self.n_folds
        grouped = any(MANY_LEVELS_SHARE * n_rows <= levels <= n_rows / 2 for levels in level_counts)
        return self.n_folds if grouped else self.large_data_folds

    def ensemble_reserve_for(self, n_rows: Optional[int], n_columns: int = 1) -> float:
        """Seconds the solutions leave for the ensemble on a training table of `n_rows` rows (None: unknown,
        or examples that are not table rows) predicted in `n_columns` columns (the classes of a multiclass
        task, the labels of a multilabel one, else 1): `ensemble_time_share` of the budget, scaled down on
        a smaller table, and never below ENSEMBLE_MIN_RESERVE_S.

        The ensemble's scripts combine saved predictions. A weighted blend computes the metric at every
        step, so its time grows with the rows; a stacking meta-model has a weight per member, column and
        class, so its time grows with the rows times the columns squared. On the dev tables of
        `eval/bench/reports/2026-12-07-dev-ensemble-reserve-900s-1core` the three ensemble scripts took
        10-11 s on 6,400 rows (binary), 16-19 s on 4,800 rows of 10 classes and 36-44 s on 100,000 rows
        (binary), and stacking alone 150 s on 100,000 rows of 7 classes. A fixed tenth of 900 s left the
        small tables' runs about 80 s unused.
        """
        full = self.ensemble_time_share * self.time_budget_s
        if n_rows is None:
            return full
        scale = max(n_rows / ENSEMBLE_FULL_SHARE_ROWS, n_rows * n_columns ** 2 / ENSEMBLE_FULL_SHARE_CELLS)
        return min(full, max(ENSEMBLE_MIN_RESERVE_S, full * scale))

    def model_for(self, role: str) -> str:
        """The model string for one agent role (its override, else the run's model)."""
        return self.agent_models.get(role, self.model)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some settings changed; `None` values are ignored (unset CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["runs_dir"] = str(self.runs_dir)
        data["events_file"] = str(self.events_file) if self.events_file else None
        data["model_cards_dirs"] = [str(p) for p in self.model_cards_dirs]
        data["agent_models"] = dict(self.agent_models)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Settings":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("runs_dir", "events_file"):
            if values.get(name) is not None:
                values[name] = Path(values[name])
        if "model_cards_dirs" in values:
            values["model_cards_dirs"] = tuple(Path(p) for p in values["model_cards_dirs"])
        return cls(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> "Settings":
        """Settings from `MLE_STAR_*` variables (after loading `.env` from the working directory)."""
        if dotenv and environ is None:
            from dotenv import find_dotenv, load_dotenv

            load_dotenv(find_dotenv(usecwd=True), override=False)
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        try:
            for f in dataclasses.fields(cls):
                raw = env.get(env_variable(f.name))
                if raw is None or raw == "":
                    continue
                values[f.name] = _parse(f.name, raw)
            return cls(**values)
        except SettingsError as exc:
            raise exc.from_environment(env) from None


def _parse(name: str, raw: str) -> Any:
    """Turns one environment string into the field's type.

    Raises:
        SettingsError: the string is not a value of the field's type.
    """
    kind = Settings.__dataclass_fields__[name].type
    if name == "agent_models":
        pairs = [p.partition("=") for p in raw.split(",") if p.strip()]
        if not all(sep and role.strip() and model.strip() for role, sep, model in pairs):
            raise SettingsError(name, raw, "is not ROLE=MODEL pairs separated by commas, e.g. "
                                           "debugger=gemini-2.5-pro,planner=offline")
        return {role.strip(): model.strip() for role, _, model in pairs}
    if name == "model_cards_dirs":
        return tuple(Path(p) for p in raw.split(os.pathsep) if p)
    if name in ("runs_dir", "events_file"):
        return Path(raw)
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise SettingsError(name, raw, "is not a valid bool: use 1/0, true/false, yes/no or on/off")
        return lowered in ("1", "true", "yes", "on")
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        wanted = "a whole number" if kind == "int" else "a number" + (" of seconds" if name.endswith("_s") else "")
        raise SettingsError(name, raw, f"is not a valid {kind}: give {wanted}") from None
    return raw
