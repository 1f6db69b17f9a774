import json
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from machine_learning_engineering.task import load_task, profile_task
from machine_learning_engineering.task.brief import make_brief

from .conftest import penguin_frames


def _mixed_frames(n: int = 60) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(2)
    train = pd.DataFrame({
        "id": range(n),
        "amount": rng.normal(100, 20, n).round(2),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n),
        "review": [f"review number {i} says the product was {'good' if i % 2 else 'bad'} overall" for i in range(n)],
        "day": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d"),
        "pickup": pd.date_range("2013-11-01 13:18:34", periods=n, freq="37min").strftime("%Y-%m-%d %H:%M:%S UTC"),
        "source": "web",
        "score": rng.uniform(0, 10, n).round(3),
    })
    train.loc[:5, "amount"] = np.nan
    test = train.drop(columns="score").iloc[:10].assign(id=range(n, n + 10))
    return {"train": train, "test": test, "sample": pd.DataFrame({"id": test["id"], "score": 0.0}),
            "answers": pd.DataFrame({"id": test["id"], "score": 1.0})}


def test_column_roles_and_stats(make_task):
    task = load_task(make_task("mixed", _mixed_frames(), description="Evaluated with RMSE."))
    profile = profile_task(task)
    json.dumps(profile, allow_nan=False)
    roles = {c["name"]: c["role"] for c in profile["columns"]}
    assert roles == {"id": "id", "amount": "numeric", "city": "categorical", "review": "text", "day": "datetime",
                     "pickup": "datetime", "source": "constant", "score": "target"}
    train = pd.read_csv(task.train_path)
    amount = next(c for c in profile["columns"] if c["name"] == "amount")
    assert amount["missing_frac"] == 0.1 and amount["n_unique"] == train["amount"].nunique()
    assert amount["examples"] == train["amount"].dropna().unique()[:3].tolist()
    assert (amount["min"], amount["max"]) == (train["amount"].min(), train["amount"].max())
    assert profile["train"] == {"file": "train.csv", "n_rows": 60, "n_cols": 8, "profiled_rows": 60}
    assert profile["test"] == {"file": "test.csv", "n_rows": 10, "n_cols": 7}
    assert profile["columns_only_in_train"] == ["score"]
    target = profile["target"]
    truth = train["score"]
    assert target["mean"] == round(truth.mean(), 6) and target["max"] == truth.max()
    assert abs(target["skew"] - truth.skew()) < 1e-6
    assert profile["images"] is None


def test_class_counts(penguin_task: Path):
    profile = profile_task(load_task(penguin_task))
    assert profile["target"]["n_classes"] == 3
    assert {c["value"]: c["count"] for c in profile["target"]["classes"]} == {"Adelie": 4, "Chinstrap": 4,
                                                                             "Gentoo": 4}


def test_big_tables_are_sampled(make_task):
    frames = _mixed_frames(400)
    task = load_task(make_task("big", frames, description="Evaluated with RMSE."))
    profile = profile_task(task, max_rows=100)
    assert profile["train"]["n_rows"] == 400
    assert 50 <= profile["train"]["profiled_rows"] <= 100


def _image_task(make_task, by_path: bool) -> Path:
    frames = penguin_frames()
    frames["train"] = frames["train"].assign(image=[f"imgs/{i}.png" for i in range(12)]) if by_path \
        else frames["train"]
    root = make_task("images" if by_path else "images-by-id", frames)
    folder = root / "public" / ("imgs" if by_path else "train_images")
    folder.mkdir()
    for i in range(18):
        Image.fromarray(np.full((4, 4), i, dtype=np.uint8)).save(folder / f"{i}.png")
    return root


def test_image_column_by_path_and_images_named_by_id(make_task):
    images = profile_task(load_task(_image_task(make_task, by_path=True)))["images"]
    assert images["column"] == "image" and images["folder"] == "imgs" and images["how"] == "path"
    assert images["n_images"] == 18 and images["extension"] == ".png"
    images = profile_task(load_task(_image_task(make_task, by_path=False)))["images"]
    assert images["column"] == "id" and images["folder"] == "train_images" and images["how"] == "id"


def test_brief_is_json_and_names_files_relative_to_the_input_folder(penguin_task: Path):
    task = load_task(penguin_task)
    brief = make_brief(task, profile_task(task), n_folds=3, seed=7)
    json.dumps(brief, allow_nan=False)
    assert brief["input_dir"] == "./input" and brief["train_file"] == "train.csv"
    assert brief["train_target_column"] == "species" and brief["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert brief["prediction_format"] == "class_probabilities" and brief["metric"] == "log_loss"
    assert (brief["n_folds"], brief["seed"], brief["n_train"], brief["task_kind"]) == (3, 7, 12, "multiclass")
    assert brief["image_column"] is None
    assert brief["n_repeats"] == 1


def test_only_a_training_set_within_the_row_limit_repeats_its_split(penguin_task: Path):
    task = load_task(penguin_task)  # 12 training rows
    profile = profile_task(task)
    assert make_brief(task, profile, n_repeats=3, repeat_max_rows=12)["n_repeats"] == 3
    assert make_brief(task, profile, n_repeats=3, repeat_max_rows=11)["n_repeats"] == 1


def test_only_a_plain_table_of_at_least_the_refit_rows_refits_on_all_rows(penguin_task: Path, make_task):
    task = load_task(penguin_task)  # 12 training rows
    profile = profile_task(task)
    assert make_brief(task, profile, refit_min_rows=12)["refit_all_rows"] is True
    assert make_brief(task, profile, refit_min_rows=13)["refit_all_rows"] is False
    assert make_brief(task, profile)["refit_all_rows"] is False  # 0: never
    images = load_task(_image_task(make_task, by_path=True))
    assert make_brief(images, profile_task(images), refit_min_rows=1)["refit_all_rows"] is False


def test_a_submission_key_holding_free_text_is_profiled_as_text(make_task):
    # Like detecting-insults: no id column, the comment (and its date) are the submission's key.
    n = 60
    comments = [f"comment number {i} says you are {'a fool' if i % 3 else 'right'} about this" for i in range(n)]
    train = pd.DataFrame({"Insult": [i % 3 != 0 for i in range(n)], "Date": [f"2012{i:010d}Z" for i in range(n)],
                          "Comment": comments}).astype({"Insult": int})
    test = train.drop(columns="Insult").iloc[:10]
    frames = {"train": train, "test": test, "sample": test.assign(Insult=0)[["Insult", "Date", "Comment"]],
              "answers": train.iloc[:10][["Insult", "Date", "Comment"]]}
    task = load_task(make_task("insults", frames, description="Evaluated on area under the ROC curve."))
    assert set(task.id_columns) == {"Date", "Comment"}
    roles = {c["name"]: c["role"] for c in profile_task(task)["columns"]}
    assert roles == {"Insult": "target", "Date": "id", "Comment": "text"}


def _signal_frames(extra: dict[str, float] | None = None, n: int = 80, width: int = 60) -> dict[str, pd.DataFrame]:
    """Noisy sine waves sampled in `width` columns (one scale), plus columns `name: factor` that repeat a
    sample on another scale (factor 0 makes a 0/1 flag of its sign)."""
    rng = np.random.default_rng(3)
    waves = np.sin(np.linspace(0, 6, width)[None, :] * rng.uniform(1, 3, (n, 1))) + rng.normal(0, 0.1, (n, width))
    frame = pd.DataFrame(waves, columns=[f"t{i:02d}" for i in range(width)])
    for i, (name, factor) in enumerate((extra or {}).items()):
        frame[name] = frame[f"t{i:02d}"] * factor if factor else (frame[f"t{i:02d}"] > 0).astype(int)
    frame.insert(0, "id", range(n))
    frame["label"] = rng.choice(["fast", "slow"], n)
    test = frame.drop(columns="label").iloc[:10].assign(id=range(n, n + 10))
    return {"train": frame, "test": test, "sample": pd.DataFrame({"id": test["id"], "label": "fast"}),
            "answers": pd.DataFrame({"id": test["id"], "label": "slow"})}


def test_a_table_of_numbers_on_one_scale_says_how_many_columns_share_it(make_task):
    def same_scale(name: str, extra: dict[str, float] | None = None) -> int:
        task = load_task(make_task(name, _signal_frames(extra), description="Evaluated with accuracy."))
        brief = make_brief(task, profile_task(task))
        return brief["same_scale_columns"]

    assert same_scale("signal") == 60
    # 0/1 flags and a few columns within 10 times the typical range still leave a table of one scale.
    assert same_scale("flags", {"up": 0, "up2": 0, "tenfold": 5.0}) == 61
    # 16 columns on a 1000 times larger scale: 60 of 76 columns (under 80%) is not one scale.
    assert same_scale("mixed", {f"big{i}": 1000.0 for i in range(16)}) == 0


def test_a_table_of_measurements_in_many_units_is_not_one_scale(make_task):
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.rename(columns=lambda c: c.replace(" ", "_"))
    frame.insert(0, "id", range(len(frame)))
    test = frame.drop(columns="target").iloc[:20]
    frames = {"train": frame.iloc[20:], "test": test, "sample": pd.DataFrame({"id": test["id"], "target": 0}),
              "answers": pd.DataFrame({"id": test["id"], "target": frame["target"].iloc[:20]})}
    task = load_task(make_task("cells", frames, description="Evaluated with accuracy."))
    assert profile_task(task)["same_scale_columns"] == 0  # areas in hundreds, smoothness near 0.1


def test_codes_of_rare_values_are_told_apart_from_hashes_words_and_common_codes(make_task):
    rng = np.random.default_rng(5)
    n = 400

    def strings(alphabet: str, length: int, size: int = n) -> list[str]:
        return ["".join(row) for row in rng.choice(list(alphabet), size=(size, length))]

    airports = strings("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 30)
    train = pd.DataFrame({
        "id": range(n),
        "code": strings("ABCDEFGHIJKLMNOPQRST", 10),  # nearly every value once
        "hash": strings("0123456789abcdef", 8),  # hex: a hash, not a code
        "word": [w * int(k) for w, k in zip(strings("abcdefghij", 2), rng.integers(1, 6, n))],  # lengths vary
        "airport": rng.choice(airports, n),  # 30 codes, 13 rows each on average: learnt whole
        "label": rng.choice(["yes", "no"], n),
    })
    test = train.drop(columns="label").iloc[:10].assign(id=range(n, n + 10))
    frames = {"train": train, "test": test, "sample": pd.DataFrame({"id": test["id"], "label": "yes"}),
              "answers": pd.DataFrame({"id": test["id"], "label": "no"})}
    task = load_task(make_task("codes", frames, description="Evaluated with accuracy."))
    brief = make_brief(task, profile_task(task))
    columns = {c["name"]: c for c in brief["columns"]}
    assert {name for name, c in columns.items() if "code_length" in c} == {"code"}
    assert columns["code"]["code_length"] == 10 and columns["code"]["role"] == "categorical"
