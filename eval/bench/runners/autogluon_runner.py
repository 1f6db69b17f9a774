"""AutoGluon `TabularPredictor(...).fit(time_limit=...)` with the task's metric, run by its own Python.

Presets come from the job's options (default "medium_quality", AutoGluon's own default). Each target
gets an equal share of what is left of the budget, less a reserve for predicting. RMSLE is optimised as
RMSE on log1p(y); a metric AutoGluon does not know falls back to its default for the problem type.
"""

from __future__ import annotations

import sys

from autogluon.tabular import TabularPredictor

from common import Job, main_guard, predictions_frame, read_tables, target_values, write_submission

METRICS = {
    "accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "f1": "f1", "f1_macro": "f1_macro",
    "f1_micro": "f1_micro", "log_loss": "log_loss", "rmse": "root_mean_squared_error",
    "rmsle": "root_mean_squared_error", "mse": "mean_squared_error", "mae": "mean_absolute_error", "r2": "r2",
    "qwk": "quadratic_kappa",
}
LABEL = "__label__"


def ag_metric(name: str, kind: str) -> str | None:
    if name == "roc_auc":
        return "roc_auc" if kind == "binary" else "roc_auc_ovo_macro"
    return METRICS.get(name)


def fit_predictor(job: Job, data, name: str, problem: str, metric: str | None, presets: str,
                  targets_left: int) -> TabularPredictor:
    """A predictor fit on `data` in its share of what is left of the budget.

    With best_quality, AutoGluon first checks whether stacking overfits (dynamic stacking) on part of
    the time. When that check trains no model in its share (a large table on one core), AutoGluon 1.x
    then fails the main fit with "Learner is already fit."; the fit is made again without the check, in
    the time left, as a user would after reading that error.
    """
    def fit(path: str, **extra) -> TabularPredictor:
        predictor = TabularPredictor(label=LABEL, problem_type=problem, eval_metric=metric,
                                     path=str(job.work_dir / path), verbosity=2)
        return predictor.fit(data, time_limit=job.fit_budget_s(targets_left), presets=presets,
                             num_cpus=job.threads, num_gpus=0, **extra)

    try:
        return fit(name)
    except AssertionError as error:
        if "already fit" not in str(error):
            raise
        print(f"AutoGluon's main fit failed after its dynamic-stacking check ({error}); fitting again without "
              f"the check in the {job.fit_budget_s(targets_left):.0f} s left", flush=True)
        return fit(f"{name}-no-dynamic-stacking", dynamic_stacking=False)


def run(job: Job) -> None:
    train, test = read_tables(job)
    features = list(job.feature_columns)
    presets = job.options.get("presets", "medium_quality")
    parts = []
    for index, target in enumerate(job.targets):
        data = train[features].copy()
        data[LABEL] = target_values(train, target, log=target.log_metric).to_numpy()
        problem = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}[target.kind]
        predictor = fit_predictor(job, data, f"autogluon-{index}", problem, ag_metric(job.metric, target.kind),
                                  presets, len(job.targets) - index)
        test_x = test[features]
        if target.kind == "regression":
            parts.append(predictions_frame(target, len(test), values=predictor.predict(test_x),
                                           from_log=target.log_metric))
        elif target.output == "label":
            parts.append(predictions_frame(target, len(test), labels=predictor.predict(test_x)))
        else:
            proba = predictor.predict_proba(test_x, as_multiclass=True)
            parts.append(predictions_frame(target, len(test), proba=proba.to_numpy(), proba_classes=proba.columns))
    write_submission(job, test, parts)


if __name__ == "__main__":
    sys.exit(main_guard(run))
