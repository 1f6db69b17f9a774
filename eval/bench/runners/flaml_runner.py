"""FLAML `AutoML.fit(time_budget=...)` with the task's metric, run by the FLAML environment's Python.

Each target gets an equal share of what is left of the budget after start-up, less a reserve for
predicting. The task metric is mapped to FLAML's name for it; RMSLE is optimised as RMSE on log1p(y),
which is the same objective; a metric FLAML does not know falls back to FLAML's default for the task kind.
"""

from __future__ import annotations

import sys

from flaml import AutoML

from common import Job, main_guard, model_predictions, read_tables, target_values, write_submission

METRICS = {
    "accuracy": "accuracy", "f1": "f1", "f1_macro": "macro_f1", "f1_micro": "micro_f1", "log_loss": "log_loss",
    "rmse": "rmse", "rmsle": "rmse", "mse": "mse", "mae": "mae", "r2": "r2", "mape": "mape",
}


def flaml_metric(name: str, kind: str) -> str:
    if name == "roc_auc":
        return "roc_auc" if kind == "binary" else "roc_auc_ovr"
    return METRICS.get(name, "auto")


def run(job: Job) -> None:
    train, test = read_tables(job)
    features = list(job.feature_columns)
    parts = []
    for index, target in enumerate(job.targets):
        y = target_values(train, target, log=target.log_metric)
        automl = AutoML()
        automl.fit(train[features], y.to_numpy(), task="regression" if target.kind == "regression" else "classification",
                   metric=flaml_metric(job.metric, target.kind),
                   time_budget=job.fit_budget_s(len(job.targets) - index), n_jobs=job.threads, seed=job.seed,
                   verbose=0, log_file_name=str(job.work_dir / f"flaml-{index}.log"))
        parts.append(model_predictions(target, automl, test[features], from_log=target.log_metric))
    write_submission(job, test, parts)


if __name__ == "__main__":
    sys.exit(main_guard(run))
