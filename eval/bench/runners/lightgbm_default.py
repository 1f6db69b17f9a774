"""Default LightGBM: `LGBMClassifier()` / `LGBMRegressor()` with no tuning, the baseline any user has.

Non-numeric columns become pandas categories (LightGBM's own categorical handling). Only the thread
count and the seed are set. For RMSLE the target is not transformed (that would be tuning); negative
predictions are clipped to 0.
"""

from __future__ import annotations

import sys

import lightgbm as lgb

from common import Job, main_guard, model_predictions, read_tables, target_values, to_categories, write_submission


def run(job: Job) -> None:
    train, test = read_tables(job)
    features = list(job.feature_columns)
    train_x, test_x = to_categories(train[features], test[features])
    parts = []
    for target in job.targets:
        y = target_values(train, target)
        params = dict(n_jobs=job.threads, random_state=job.seed, verbose=-1)
        estimator = lgb.LGBMRegressor if target.kind == "regression" else lgb.LGBMClassifier
        parts.append(model_predictions(target, estimator(**params).fit(train_x, y), test_x))
    write_submission(job, test, parts)


if __name__ == "__main__":
    sys.exit(main_guard(run))
