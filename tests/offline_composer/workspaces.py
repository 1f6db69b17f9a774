"""Small real tasks laid out as agent workspaces (input/ with train, test and sample submission)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split


def _column_info(frame: pd.DataFrame, roles: dict[str, str]) -> list[dict]:
    out = []
    for name in frame.columns:
        out.append({"name": name, "role": roles.get(name, "numeric"), "dtype": str(frame[name].dtype),
                    "n_unique": int(frame[name].nunique()), "missing_frac": float(frame[name].isna().mean())})
    return out


def _write(workspace: Path, full: pd.DataFrame, target: str, stratify: bool, seed: int = 0,
           test_size: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    full = full.reset_index(drop=True)
    full.insert(0, "id", np.arange(1000, 1000 + len(full)))
    train, test = train_test_split(full, test_size=test_size, random_state=seed,
                                   stratify=full[target] if stratify else None)
    inp = workspace / "input"
    inp.mkdir(parents=True, exist_ok=True)
    train.to_csv(inp / "train.csv", index=False)
    test.drop(columns=[target]).to_csv(inp / "test.csv", index=False)
    return train, test


def _brief(name, kind, metric, fmt, target, classes, train, roles, n_test, **extra) -> dict:
    return {"task_name": name, "task_kind": kind, "metric": metric,
            "higher_is_better": metric not in ("log_loss", "rmse", "mae", "rmsle"),
            "prediction_format": fmt, "train_file": "train.csv", "test_file": "test.csv",
            "sample_submission_file": "sample_submission.csv", "id_columns": ["id"],
            "target_columns": extra.pop("target_columns", [target]), "train_target_column": target,
            "classes": classes, "columns": _column_info(train, {"id": "id", target: "target", **roles}),
            "n_train": len(train), "n_test": n_test, "image_column": extra.pop("image_column", None),
            "seed": 7, "n_folds": 3, **extra}  # extra may override any field above


def breast_cancer_task(workspace: Path) -> dict:
    """Binary task, P(target=1) submission, roc_auc."""
    data = datasets.load_breast_cancer(as_frame=True)
    full = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    train, test = _write(workspace, full, "target", stratify=True)
    pd.DataFrame({"id": test["id"], "target": 0.5}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("breast-cancer", "binary", "roc_auc", "probability", "target", [0, 1], train, {}, len(test))


def wine_task(workspace: Path) -> dict:
    """Multiclass task with string labels, label submission, accuracy."""
    data = datasets.load_wine(as_frame=True)
    full = data.frame.copy()
    full["cultivar"] = np.array(["barolo", "grignolino", "barbera"])[full.pop("target")]
    train, test = _write(workspace, full, "cultivar", stratify=True)
    pd.DataFrame({"id": test["id"], "cultivar": "barolo"}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("wine", "multiclass", "accuracy", "label", "cultivar", ["barbera", "barolo", "grignolino"],
                  train, {}, len(test))


def wine_proba_task(workspace: Path) -> dict:
    """Multiclass task scored by log loss with one probability column per class."""
    brief = wine_task(workspace)
    test = pd.read_csv(workspace / "input/test.csv")
    classes = brief["classes"]
    pd.DataFrame({"id": test["id"], **{c: 1 / 3 for c in classes}}).to_csv(
        workspace / "input/sample_submission.csv", index=False)
    brief.update(metric="log_loss", higher_is_better=False, prediction_format="class_probabilities",
                 target_columns=list(classes))
    return brief


def diabetes_task(workspace: Path, metric: str = "rmse") -> dict:
    """Regression task."""
    data = datasets.load_diabetes(as_frame=True, scaled=False)
    full = data.frame.copy()
    train, test = _write(workspace, full, "target", stratify=False)
    pd.DataFrame({"id": test["id"], "target": 0.0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("diabetes", "regression", metric, "label", "target", None, train, {"sex": "categorical"}, len(test))


def visits_task(workspace: Path, n: int = 1500, seed: int = 0) -> dict:
    """Regression on skewed counts scored by MAE: visits are Poisson with a mean of exp(0.8 x - 0.5), so
    about half are 0 and few exceed 5 (the whole-number median of a row differs from its mean)."""
    rng = np.random.default_rng(seed)
    x, noise = rng.normal(size=n), rng.normal(size=n)
    full = pd.DataFrame({"x": x, "noise": noise, "visits": rng.poisson(np.exp(0.8 * x - 0.5))})
    train, test = _write(workspace, full, "visits", stratify=False, seed=seed)
    pd.DataFrame({"id": test["id"], "visits": 0.0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("visits", "regression", "mae", "value", "visits", None, train, {}, len(test))


def ratings_task(workspace: Path, n: int = 20000, seed: int = 0) -> dict:
    """Regression on two high-cardinality ids (1000 raters, 500 items): the rating is additive in their
    effects plus noise of standard deviation 0.5, so one-hot encodes them into over 1,000 columns."""
    rng = np.random.default_rng(seed)
    rater, item = rng.integers(0, 1000, n), rng.integers(0, 500, n)
    rating = 3 + rng.normal(size=1000)[rater] + rng.normal(size=500)[item] + 0.5 * rng.normal(size=n)
    full = pd.DataFrame({"rater": [f"R{i}" for i in rater], "item": [f"I{i}" for i in item], "rating": rating})
    train, test = _write(workspace, full, "rating", stratify=False)
    pd.DataFrame({"id": test["id"], "rating": 0.0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("ratings", "regression", "rmse", "value", "rating", None, train,
                  {"rater": "categorical", "item": "categorical"}, len(test))


def mixed_task(workspace: Path, n: int = 600, seed: int = 0) -> dict:
    """Binary task with categorical, missing, datetime and text columns (synthetic, with signal in each).

    The penguins data would do for categoricals and missing values, but it lacks dates and text.
    """
    rng = np.random.default_rng(seed)
    city = rng.choice(["paris", "rome", "oslo", "lima", "kyiv", "baku", "rare1", "rare2"], n,
                      p=[.3, .25, .15, .1, .1, .06, .02, .02])
    size = rng.normal(50, 15, n)
    age = rng.integers(18, 80, n).astype(float)
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    words = np.array(["good", "bad", "great", "poor", "fine", "awful", "nice", "ok"])
    text = [" ".join(rng.choice(words, rng.integers(2, 8))) for _ in range(n)]
    logit = (0.04 * (size - 50) + np.isin(city, ["paris", "oslo"]) * 1.2 - 0.6 * (when.dayofweek >= 5)
             + np.array([t.count("good") + t.count("great") - t.count("bad") - t.count("awful") for t in text]) * 0.5)
    target = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    age[rng.random(n) < 0.15] = np.nan
    city = city.astype(object)
    city[rng.random(n) < 0.1] = None
    full = pd.DataFrame({"city": city, "size": size, "age": age, "signup": when.strftime("%Y-%m-%d"),
                         "review": text, "label": target})
    train, test = _write(workspace, full, "label", stratify=True)
    pd.DataFrame({"id": test["id"], "label": "no"}).to_csv(workspace / "input/sample_submission.csv", index=False)
    roles = {"city": "categorical", "signup": "datetime", "review": "text"}
    return _brief("mixed", "binary", "accuracy", "label", "label", ["no", "yes"], train, roles, len(test))


def office_hours_task(workspace: Path, n: int = 800, seed: int = 0) -> dict:
    """Binary task: was a message sent in office hours (9-17)? Timestamps over two years, one noise column;
    roc_auc with P(yes) submitted."""
    rng = np.random.default_rng(seed)
    sent = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 730 * 86400, n), unit="s")
    label = ((sent.hour >= 9) & (sent.hour < 17)) ^ (rng.random(n) < 0.03)
    full = pd.DataFrame({"sent": sent.strftime("%Y-%m-%d %H:%M:%S"), "noise": rng.normal(size=n),
                         "label": label.astype(int)})
    train, test = _write(workspace, full, "label", stratify=True)
    pd.DataFrame({"id": test["id"], "label": 0.5}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("office-hours", "binary", "roc_auc", "probability", "label", [0, 1], train,
                  {"sent": "datetime"}, len(test))


def digits_image_task(workspace: Path, n: int = 200) -> dict:
    """Multiclass image task: 8x8 digit PNGs under input/images, accuracy."""
    from PIL import Image

    data = datasets.load_digits()
    images = np.rint(data.images[:n] * (255.0 / 16.0)).astype(np.uint8)
    (workspace / "input/images").mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        Image.fromarray(img, mode="L").save(workspace / f"input/images/{i}.png")
        paths.append(f"images/{i}.png")
    full = pd.DataFrame({"image": paths, "label": data.target[:n]})
    train, test = _write(workspace, full, "label", stratify=True)
    pd.DataFrame({"id": test["id"], "label": 0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _brief("digits", "multiclass", "accuracy", "label", "label", list(range(10)), train,
                  {"image": "image"}, len(test), image_column="image")


def _profiled_brief(workspace: Path, description: str) -> dict:
    """The brief of the task written under `workspace/input`, from the task loader and profiler as a run's."""
    from machine_learning_engineering.task import load_task, profile_task
    from machine_learning_engineering.task.brief import make_brief

    (workspace / "input/description.md").write_text(description)
    task = load_task(workspace / "input")
    return make_brief(task, profile_task(task), n_folds=3, seed=7)


def digits_table_task(workspace: Path) -> dict:
    """Multiclass table of 64 pixel columns (8x8 digits flattened, 0-16 each), accuracy; profiled."""
    data = datasets.load_digits(as_frame=True)
    full = data.frame.rename(columns={"target": "label"})
    train, test = _write(workspace, full, "label", stratify=True)
    pd.DataFrame({"id": test["id"], "label": 0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _profiled_brief(workspace, "# Digits\n\nEach row is an 8x8 image of a digit, one column per pixel. "
                                      "Submissions are evaluated on accuracy.\n")


def codes_task(workspace: Path, n: int = 1200, seed: int = 0) -> dict:
    """Binary task whose label is read from one character of an 8-letter code that is nearly unique per
    row ("BAACBAHD"), beside a noise column; roc_auc; profiled."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRST"))
    weights = 0.7 ** np.arange(len(letters))
    codes = rng.choice(letters, size=(n, 8), p=weights / weights.sum())
    label = np.isin(codes[:, 2], ["A", "B"]) ^ (rng.random(n) < 0.05)
    full = pd.DataFrame({"code": ["".join(row) for row in codes], "noise": rng.normal(size=n),
                         "label": label.astype(int)})
    train, test = _write(workspace, full, "label", stratify=True)
    pd.DataFrame({"id": test["id"], "label": 0.5}).to_csv(workspace / "input/sample_submission.csv", index=False)
    return _profiled_brief(workspace, "# Codes\n\nPredict the probability that label is 1. Submissions are "
                                      "evaluated on area under the ROC curve.\n")


def zipped_digits_task(workspace: Path, n_train: int = 150, n_test: int = 50) -> tuple[dict, np.ndarray]:
    """aerial-cactus's layout with 8x8 digits: images inside train.zip/train/ and test.zip/test/, the same
    names in both (only the folder tells them apart), ids that read as numbers (3e3), no test table (the
    sample submission lists the test images). Returns the brief and the test images' true digits."""
    import io
    import zipfile

    from PIL import Image

    data = datasets.load_digits()
    images = np.rint(data.images * (255.0 / 16.0)).astype(np.uint8)
    ids = [f"{i}e{i % 7}" for i in range(max(n_train, n_test))]
    (workspace / "input").mkdir(parents=True, exist_ok=True)
    for archive, folder, offset, count in (("train.zip", "train", 0, n_train), ("test.zip", "test", n_train, n_test)):
        with zipfile.ZipFile(workspace / "input" / archive, "w") as out:
            for i in range(count):
                png = io.BytesIO()
                Image.fromarray(images[offset + i], mode="L").save(png, "PNG")
                out.writestr(f"{folder}/{ids[i]}.png", png.getvalue())
    train = pd.DataFrame({"id": ids[:n_train], "label": data.target[:n_train]})
    train.to_csv(workspace / "input/train.csv", index=False)
    pd.DataFrame({"id": ids[:n_test], "label": 0}).to_csv(workspace / "input/sample_submission.csv", index=False)
    brief = _brief("zipped-digits", "multiclass", "accuracy", "label", "label", list(range(10)), train, {},
                   n_test, image_column="id", image_folder="train.zip/train", test_image_folder="test.zip/test",
                   test_file="sample_submission.csv")
    return brief, data.target[n_train: n_train + n_test]


def keyed_tables_task(workspace: Path, n: int = 600, seed: int = 0) -> dict:
    """Binary task whose signal lives in tables beside train and test: `extra.csv` (one row per id, with a
    column named like a train column), `events.csv` (several rows per id) and `notes.csv` (no shared key)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    full = pd.DataFrame({"x1": rng.normal(size=n), "score": rng.normal(size=n),
                         "label": ((signal + 0.3 * rng.normal(size=n)) > 0).astype(int)})
    train, test = _write(workspace, full, "label", stratify=True)
    ids = np.arange(1000, 1000 + n)
    inp = workspace / "input"
    pd.DataFrame({"id": ids, "score": signal + 0.2 * rng.normal(size=n)}).sample(frac=1, random_state=seed) \
        .to_csv(inp / "extra.csv", index=False)
    events = pd.DataFrame({"id": np.repeat(ids, 3), "amount": np.repeat(signal, 3) + 0.5 * rng.normal(size=3 * n)})
    events.to_csv(inp / "events.csv", index=False)
    pd.DataFrame({"note_id": [1, 2], "text": ["a", "b"]}).to_csv(inp / "notes.csv", index=False)
    pd.DataFrame({"id": test["id"], "label": 0.5}).to_csv(inp / "sample_submission.csv", index=False)
    return _brief("keyed", "binary", "roc_auc", "probability", "label", [0, 1], train, {}, len(test))
