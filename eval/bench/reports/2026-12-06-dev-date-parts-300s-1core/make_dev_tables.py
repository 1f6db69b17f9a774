"""Builds this report's two dev tables with a timestamp column into the folder given; neither is a bench
task:

    python eval/bench/reports/2026-12-06-dev-date-parts-300s-1core/make_dev_tables.py \
        /tmp/lite22/new-york-city-taxi-fare-prediction/prepared/public/labels.csv /tmp/devdates

- dev-taxi: the first 50,000 public training rows of the new-york-city-taxi-fare-prediction stand-in
  (`labels.csv`, as the lite bench prepares it), RMSE on the fare;
- dev-seattle-weather: vega_datasets' Seattle weather, 2012-2015, one row a day; accuracy on the weather.

The split is the bundled tasks' (a fixed 80/20 shuffle).
"""

import sys
from pathlib import Path

import pandas as pd

from machine_learning_engineering.bundled_tasks.build import _write_task
from machine_learning_engineering.bundled_tasks.sources import TaskSpec


def taxi(labels: Path) -> TaskSpec:
    def load() -> pd.DataFrame:
        return pd.read_csv(labels, nrows=50_000).drop(columns="key")
    load.__doc__ = "The new-york-city-taxi-fare-prediction stand-in's public training rows (Kaggle's terms)."
    return TaskSpec(name="dev-taxi", title="dev-taxi", load=load, target="fare_amount", task_kind="regression",
                    metric="rmse", submission="value", overview="Predict a New York taxi ride's fare.",
                    source=load.__doc__, columns={c: c for c in load().columns})


def weather() -> TaskSpec:
    def load() -> pd.DataFrame:
        from vega_datasets import data
        return data.seattle_weather()
    load.__doc__ = "vega_datasets' seattle-weather table (NOAA data, public domain)."
    return TaskSpec(name="dev-seattle-weather", title="dev-seattle-weather", load=load, target="weather",
                    task_kind="multiclass", metric="accuracy", submission="label",
                    overview="Name a day's weather in Seattle from its temperatures, rain and wind.",
                    source=load.__doc__, columns={c: c for c in load().columns})


if __name__ == "__main__":
    for task in (taxi(Path(sys.argv[1])), weather()):
        root = Path(sys.argv[2]) / task.name
        if not root.exists():
            _write_task(task, root)
        print(root, pd.read_csv(root / "public" / "train.csv").shape)
