"""Builds this report's five dev tables (not bench tasks) into the folder given: wide tables whose columns
are the samples of one signal on one scale, from the UCR archive sets that sktime's wheel carries.

    pip download sktime==0.36.0 --no-deps -d /tmp/sktime_whl
    unzip -q /tmp/sktime_whl/sktime-0.36.0-py3-none-any.whl 'sktime/datasets/data/*' -d /tmp/sktime_whl/x
    python eval/bench/reports/2026-12-06-dev-wide-same-scale-300s-1core/make_dev_tables.py \
        /tmp/sktime_whl/x/sktime/datasets/data /tmp/devwide

Each archive's own train and test parts are pooled; the split is the bundled tasks' (a fixed 80/20
shuffle). None is a bench task, so the runs used each table's own test split; these scores are dev evidence.
"""

import sys
from pathlib import Path

import pandas as pd

from machine_learning_engineering.bundled_tasks.build import _write_task
from machine_learning_engineering.bundled_tasks.sources import TaskSpec


def read_ts(folder: Path, name: str, target: str) -> pd.DataFrame:
    """Both parts of a univariate, equal-length `.ts` file as one frame: columns t000... and `target`."""
    rows = []
    for part in ("TRAIN", "TEST"):
        in_data = False
        for line in (folder / name / f"{name}_{part}.ts").read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.lower().startswith("@data"):
                in_data = True
            elif in_data:
                values, label = line.rsplit(":", 1)
                rows.append([float(v) for v in values.split(",")] + [label])
    width = len(rows[0]) - 1
    frame = pd.DataFrame(rows, columns=[f"t{i:03d}" for i in range(width)] + [target])
    if target == "fat":
        frame[target] = frame[target].astype(float)
    return frame


TABLES = [  # archive, task, target, kind, metric, submission, overview
    ("GunPoint", "dev-gunpoint", "motion", "binary", "accuracy", "label",
     "Each row is the x-coordinate of an actor's hand over 150 frames; tell a gun draw from a point."),
    ("ArrowHead", "dev-arrowhead", "shape", "multiclass", "accuracy", "label",
     "Each row is an arrowhead's outline as 251 distances from its centre; name its type (3)."),
    ("OSULeaf", "dev-osuleaf", "species", "multiclass", "accuracy", "label",
     "Each row is a leaf's outline as 427 distances from its centre; name its tree species (6)."),
    ("ACSF1", "dev-acsf1", "appliance", "multiclass", "accuracy", "label",
     "Each row is one day of an appliance's power draw (1,460 samples); name the appliance type (10)."),
    ("Tecator", "dev-tecator", "fat", "regression", "rmse", "value",
     "Each row is a meat sample's near-infrared absorbance spectrum (100 bands); predict its fat content."),
]


def spec(folder: Path, archive: str, name: str, target: str, kind: str, metric: str, submission: str,
         overview: str) -> TaskSpec:
    def load() -> pd.DataFrame:
        return read_ts(folder, archive, target)
    load.__doc__ = f"The UCR time-series archive's {archive} set, as shipped in sktime 0.36.0 (its own terms)."
    columns = {column: "one sample of the signal" for column in load().columns if column != target}
    columns[target] = "the target"
    return TaskSpec(name=name, title=name, load=load, target=target, task_kind=kind, metric=metric,
                    submission=submission, overview=overview, source=load.__doc__, columns=columns)


if __name__ == "__main__":
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    for archive, *rest in TABLES:
        task = spec(data, archive, *rest)
        root = out / task.name
        if not root.exists():
            _write_task(task, root)
        print(root, pd.read_csv(root / "public" / "train.csv").shape)
