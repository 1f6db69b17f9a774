"""Builds the two dev tables of this report into the folder given (validation only): 120,000 rows of the
public training table of two MLE-bench-Lite stand-ins, 100,000 to train and 20,000 held back as answers.

    python eval/bench/reports/2026-12-07-dev-probe-cut-1core/make_dev_tables.py OUT
"""
import sys
from pathlib import Path

import pandas as pd
import yaml

from machine_learning_engineering.bundled_tasks.lite import build_lite

OUT = Path(sys.argv[1])
SRC = OUT / ".lite-sources"
build_lite(SRC, ["tabular-playground-series-dec-2021", "tabular-playground-series-may-2022"])
SPECS = [
    ("dev-tps-may-100k", "tabular-playground-series-may-2022", "id", "target", "binary", "roc_auc", "probability",
     "Predict the probability that a manufacturing control state (`target`) is 1. Features f_00-f_30 are "
     "numeric or integer, f_27 is a 10-letter code. Scored by ROC AUC."),
    ("dev-forest-cover-100k", "tabular-playground-series-dec-2021", "Id", "Cover_Type", "multiclass", "accuracy",
     "label", "Predict the forest cover type (`Cover_Type`, 1-7) of each patch from its elevation, aspect, "
     "distances, hillshade, wilderness area and soil type columns. Scored by accuracy."),
]
for name, source, id_col, target, kind, metric, fmt, text in SPECS:
    frame = pd.read_csv(SRC / source / "prepared/public/train.csv")
    frame = frame.sample(n=min(len(frame), 120000), random_state=0).reset_index(drop=True)
    train, test = frame.iloc[:100000], frame.iloc[100000:]
    root = OUT / name
    (root / "public").mkdir(parents=True, exist_ok=True)
    (root / "private").mkdir(parents=True, exist_ok=True)
    train.to_csv(root / "public/train.csv", index=False, lineterminator="\n")
    test.drop(columns=[target]).to_csv(root / "public/test.csv", index=False, lineterminator="\n")
    test[[id_col, target]].to_csv(root / "private/answers.csv", index=False, lineterminator="\n")
    sample = test[[id_col]].copy()
    sample[target] = 0.5 if fmt == "probability" else train[target].mode()[0]
    sample.to_csv(root / "public/sample_submission.csv", index=False, lineterminator="\n")
    (root / "public/description.md").write_text(f"# {name}\n\n{text}\n\n- `train.csv`: {len(train)} rows.\n"
                                                f"- `test.csv`: {len(test)} rows.\n", encoding="utf-8")
    (root / "public/task.yaml").write_text(yaml.safe_dump({
        "name": name, "task_kind": kind, "metric": metric, "id_column": id_col, "target_columns": [target],
        "prediction_format": fmt}, sort_keys=False), encoding="utf-8")
    print(name, len(train), len(test))
