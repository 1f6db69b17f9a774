"""One configuration object for a run, read at the edge (environment, `.env`, CLI) and passed down.

Every setting has a default that works offline on a laptop; `.env.example` documents each one
with the environment variable that sets it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ENV_PREFIX = "MLE_STAR_"


@dataclass(frozen=True)
class Settings:
    """Settings for one MLE-STAR run.

    Attributes:
        model: backend for every agent: "offline" (built-in engine, no key), a Gemini model name
            such as "gemini-2.5-flash", or "litellm/<provider>/<model>".
        agent_models: per-role overrides, e.g. {"debugger": "gemini-2.5-pro"}.
        time_budget_s: wall-clock budget of the whole run; the run ends within it plus a small margin.
        num_solutions: solutions developed in parallel.
        parallel_solutions: develop the solutions at once (False: one after another, for comparison).
        num_candidates: retrieved models (candidate scripts) per solution.
        outer_steps: refinement outer-loop steps (ablation, then one block) per solution.
        extra_outer_steps: further outer steps a solution may take after `outer_steps` (when it took at
            least one) while its share of the budget allows: each starts only if the time left is at
            least what the previous step took, and while a block is left to refine. Off by default: on
            the small bundled tasks the extra selection on validation scores did not carry over to the
            test sets (eval/bench/reports/2026-12-01-300s-1core/README.md).
        inner_steps: plans tried for the chosen block per outer step.
        ensemble_rounds: ensemble plans tried.
        max_debug_rounds: debugger fixes tried on one failing script before rolling back.
        script_timeout_s: longest a single script may run (also capped by the remaining budget).
        candidate_time_share: longest one initial candidate may run, as a share of the time budget, so
            one slow model cannot starve the others of time.
        ensemble_time_share: share of the time budget the solutions leave for the ensemble.
        max_parallel: scripts running at once in this process.
        cores_per_run: threads granted to each script.
        memory_limit_mb: memory a script may use before it is killed.
        isolation: "auto" (bubblewrap when present), "bwrap" or "none".
        check_leakage: run the data-leakage checker before code counts.
        check_data_usage: run the data-usage checker on every candidate script.
        runs_dir: where run folders are created.
        model_cards_dirs: extra folders of user model cards and recipes (human-in-the-loop).
        hints: free-text advice from a human, shown to every agent.
        max_cost_usd: model spend at which the run stops asking models and ends with the best
            submission so far (0: no limit). Calls of models with no known price are not counted.
        llm_timeout_s: longest one model call may take (also capped by the remaining budget).
        max_answer_retries: times a role is asked again when its answer cannot be used, before the
            step goes on without it.
        n_folds: cross-validation folds the solutions use.
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
    ensemble_rounds: int = 3
    max_debug_rounds: int = 2
    script_timeout_s: float = 600.0
    candidate_time_share: float = 0.4
    ensemble_time_share: float = 0.1
    max_parallel: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    cores_per_run: int = 1
    memory_limit_mb: int = 8192
    isolation: str = "auto"
    check_leakage: bool = True
    check_data_usage: bool = True
    runs_dir: Path = Path("runs")
    model_cards_dirs: tuple[Path, ...] = ()
    hints: str = ""
    max_cost_usd: float = 0.0
    llm_timeout_s: float = 300.0
    max_answer_retries: int = 2
    n_folds: int = 5
    seed: int = 42

    def __post_init__(self) -> None:
        positive = ("time_budget_s", "num_solutions", "num_candidates", "script_timeout_s",
                    "max_parallel", "cores_per_run", "memory_limit_mb", "n_folds", "llm_timeout_s")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("outer_steps", "extra_outer_steps", "inner_steps", "ensemble_rounds", "max_debug_rounds",
                     "max_answer_retries", "max_cost_usd"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be zero or more, got {getattr(self, name)!r}")
        if not 0 < self.candidate_time_share <= 1:
            raise ValueError(f"candidate_time_share must be in (0, 1], got {self.candidate_time_share!r}")
        if not 0 <= self.ensemble_time_share < 1:
            raise ValueError(f"ensemble_time_share must be in [0, 1), got {self.ensemble_time_share!r}")
        if self.isolation not in ("auto", "bwrap", "none"):
            raise ValueError(f"isolation must be 'auto', 'bwrap' or 'none', got {self.isolation!r}")

    def model_for(self, role: str) -> str:
        """The model string for one agent role (its override, else the run's model)."""
        return self.agent_models.get(role, self.model)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some settings changed; `None` values are ignored (unset CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["runs_dir"] = str(self.runs_dir)
        data["model_cards_dirs"] = [str(p) for p in self.model_cards_dirs]
        data["agent_models"] = dict(self.agent_models)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Settings":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "runs_dir" in values:
            values["runs_dir"] = Path(values["runs_dir"])
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
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw)
        return cls(**values)


def _parse(name: str, raw: str) -> Any:
    """Turns one environment string into the field's type, with an error that names the variable."""
    template = Settings.__dataclass_fields__[name]
    kind = template.type
    try:
        if name == "agent_models":
            pairs = [p.split("=", 1) for p in raw.split(",") if p.strip()]
            return {role.strip(): model.strip() for role, model in pairs}
        if name == "model_cards_dirs":
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
        if name == "runs_dir":
            return Path(raw)
        if kind in ("bool",):
            lowered = raw.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return lowered in ("1", "true", "yes", "on")
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        return raw
    except ValueError:
        raise ValueError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}; fix it in your environment or .env"
        ) from None
