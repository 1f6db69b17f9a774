"""Test predictions from the k fold models' average, from one refit on every training row, or from both.

LightGBM with the parameters the catalog's card gives the table (at learning rates 0.1 and 0.05), graded
with the task layer's metric on a dev split's held-back answers. The refit trains for the folds' mean best round count scaled by k / (k - 1), for the extra rows.

    python refit_check.py DEV_TASK_DIR TARGET METRIC FOLDS
    python refit_check.py /tmp/s22-devdiam/dev-tasks/diamonds-price price rmsle 3
"""
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from machine_learning_engineering.knowledge.catalog import load_catalog  # noqa: E402
from machine_learning_engineering.task import get_metric  # noqa: E402


def load(task: str, target: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    train = pd.read_csv(f"{task}/public/train.csv")
    test = pd.read_csv(f"{task}/public/test.csv")
    answers = pd.read_csv(f"{task}/private/answers.csv")
    key = answers.columns[0]  # the id column, first in the answers file
    answers = answers.set_index(key).loc[test[key], target].to_numpy()
    X, X_test = train.drop(columns=[target, key]), test[train.columns.drop([target, key])]
    for col in list(X.columns):
        if pd.api.types.is_numeric_dtype(X[col]):
            continue
        if X[col].nunique() > 1000:  # near-unique codes: the agent derives features from them; left out here
            X, X_test = X.drop(columns=col), X_test.drop(columns=col)
            continue
        levels = pd.CategoricalDtype(sorted(set(X[col].dropna()) | set(X_test[col].dropna())))
        X[col], X_test[col] = X[col].astype(levels), X_test[col].astype(levels)
    return X, train[target].to_numpy(), X_test, answers


def main(task: str, target: str, metric: str, k: int) -> None:
    X, y, X_test, answers = load(task, target)
    classify = metric in ("roc_auc", "accuracy")
    classes = np.unique(y) if classify else None
    fit_y = np.searchsorted(classes, y) if classify else (np.log1p(y) if metric == "rmsle" else y)
    back = np.expm1 if metric == "rmsle" else (lambda p: p)
    Model = lgb.LGBMClassifier if classify else lgb.LGBMRegressor
    card = load_catalog().card("lightgbm").params_for({"metric": metric, "n_train": len(X)})
    for name in ("learning_rate", "early_stopping_rounds"):  # set here: the rate is varied, stopping is explicit
        card.pop(name)
    card.update(random_state=42, n_jobs=1)
    graded = get_metric(metric)

    def predict(model, rows):
        return model.predict_proba(rows) if classify else model.predict(rows)

    def score(pred) -> float:
        if metric == "accuracy":
            return graded.score(answers, classes[pred.argmax(1)])
        if classify:
            return graded.score(answers, pred, labels=list(classes))
        return graded.score(answers, np.clip(pred, 0, None) if metric == "rmsle" else pred)

    for rate in (0.1, 0.05):
        start = time.time()
        split = (StratifiedKFold if classify else KFold)(k, shuffle=True, random_state=42)
        average, rounds = 0.0, []
        for fit_rows, stop_rows in split.split(X, fit_y):
            model = Model(learning_rate=rate, **card).fit(
                X.iloc[fit_rows], fit_y[fit_rows], eval_set=[(X.iloc[stop_rows], fit_y[stop_rows])],
                callbacks=[lgb.early_stopping(100, verbose=False)])
            rounds.append(model.best_iteration_)
            average = average + predict(model, X_test) / k
        folds_s, start = time.time() - start, time.time()
        total = int(np.mean(rounds) * k / (k - 1))
        refit = predict(Model(learning_rate=rate, **{**card, "n_estimators": total}).fit(X, fit_y), X_test)
        print(f"{task.rstrip('/').split('/')[-1]} learning rate {rate}: {k}-fold average {score(back(average)):.6f} "
              f"({folds_s:.0f} s) | refit on all rows, {total} rounds {score(back(refit)):.6f} "
              f"({time.time() - start:.0f} s) | mean of both {score(back((average + refit) / 2)):.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
