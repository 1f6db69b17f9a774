"""Builds the three dev count tables of this report (not bench tasks) into the folder given: skewed counts
scored on MAE, from the R data pydataset keeps on disk; one has thousands of person ids.

    python eval/bench/reports/2026-12-06-dev-counts-mae-300s-1core/make_dev_tables.py /tmp/devcount

Columns that are other outcomes of the same year (hospital stays, other kinds of visit) are dropped. The
split is the bundled tasks' (a fixed 80/20 shuffle); the runs used `--dev`, so only public training rows
were read.
"""

import sys
from pathlib import Path

import pandas as pd

from machine_learning_engineering.bundled_tasks.build import _write_task
from machine_learning_engineering.bundled_tasks.sources import TaskSpec

R_DATA = Path.home() / ".pydataset" / "resources" / "rdata" / "csv"


def german() -> pd.DataFrame:
    """COUNT::rwm5yr: German health registry, 1984-88; a person appears in several years."""
    frame = pd.read_csv(R_DATA / "COUNT/rwm5yr.csv").drop(
        columns=["Unnamed: 0", "hospvis", "edlevel1", "edlevel2", "edlevel3", "edlevel4"])
    frame["patient"] = "P" + frame.pop("id").astype(str)
    return frame


def office() -> pd.DataFrame:
    """Ecdat::OFP: physician office visits of US people aged 66 and over."""
    return pd.read_csv(R_DATA / "Ecdat/OFP.csv").drop(columns=["Unnamed: 0", "ofnp", "opp", "opnp", "emr", "hosp"])


def australia() -> pd.DataFrame:
    """Ecdat::DoctorAUS: doctor consultations in two weeks, Australian health survey 1977-78."""
    return pd.read_csv(R_DATA / "Ecdat/DoctorAUS.csv").drop(columns=["Unnamed: 0", "nondocco", "hospadmi", "hospdays"])


def spec(name: str, load, target: str, overview: str) -> TaskSpec:
    return TaskSpec(name=name, title=name, load=load, target=target, task_kind="regression", metric="mae",
                    submission="value", overview=overview, source=load.__doc__,
                    columns={column: column for column in load().columns})


SPECS = [
    spec("dev-german-docvis", german, "docvis", "Predict a person's doctor visits in the year (skewed counts)."),
    spec("dev-office-visits", office, "ofp", "Predict the number of physician office visits (skewed counts)."),
    spec("dev-doctor-aus", australia, "doctorco", "Predict doctor consultations in two weeks (mostly zero)."),
]

if __name__ == "__main__":
    for task in SPECS:
        root = Path(sys.argv[1]) / task.name
        if not root.exists():
            _write_task(task, root)
        print(root, pd.read_csv(root / "public" / "train.csv").shape)
