"""The simple baseline of a task's kind, the bar the agent must clear on the MLE-bench-Lite stand-ins.

- text: TF-IDF of word unigrams and bigrams over the text columns joined, then logistic regression (ridge
  regression for a numeric target), default strength.
- image: the flattened grayscale pixels scaled to [0, 1] (no other column), then the same linear models.
- audio: default LightGBM on the clips' 20 mean MFCCs (the bench's view of them; with several labels, one
  row per clip and label, the label a column).
- pixels (image to image): identity, each pixel's noisy intensity as its cleaned one.
- tokens (text normalisation): lookup, each token's most frequent written-out form in training, the token
  itself when unseen.
- table: default LightGBM (`lightgbm_default.py`).
No tuning: a baseline is what anyone would try first.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge

import lightgbm_default
from common import Job, main_guard, model_predictions, read_tables, target_values, write_submission


def _features(job: Job, train: pd.DataFrame, test: pd.DataFrame):
    if job.modality == "text":
        def joined(frame: pd.DataFrame) -> pd.Series:
            return frame[list(job.text_columns)].fillna("").astype(str).agg(" ".join, axis=1)
        vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        return vectoriser.fit_transform(joined(train)), vectoriser.transform(joined(test))
    # The view names an image's pixel columns <image column>_px<i>; the other columns (metadata) are left out.
    columns = [c for c in job.feature_columns if re.fullmatch(r".+_px\d+", c)]
    scale = lambda frame: frame[columns].fillna(0).to_numpy(dtype=float) / 255.0  # noqa: E731
    return scale(train), scale(test)


def _copied(job: Job, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Identity or lookup: the one feature's value, mapped through its most frequent target in training."""
    source, target = job.feature_columns[0], job.targets[0]
    values = test[source].astype(str)
    if job.modality == "tokens":
        pairs = train.groupby([train[source].astype(str), train[target.column].astype(str)]).size()
        lookup = pairs.sort_values(ascending=False).reset_index().drop_duplicates(source)
        values = values.map(dict(zip(lookup[source], lookup[target.column]))).fillna(values)
    column = target.submission_columns[0]
    return pd.DataFrame({column: values if job.modality == "tokens" else values.astype(float)})


def run(job: Job) -> None:
    if job.modality in ("pixels", "tokens"):
        # Tokens are text as written: "NA" or "null" is a token, not a missing value.
        train, test = (pd.read_csv(path, dtype=str, keep_default_na=False) for path in (job.train, job.test))
        write_submission(job, test, [_copied(job, train, test)])
        return
    if job.modality not in ("text", "image"):
        lightgbm_default.run(job)
        return
    train, test = read_tables(job)
    train_x, test_x = _features(job, train, test)
    parts = []
    for target in job.targets:
        y = target_values(train, target)
        model = Ridge() if target.kind == "regression" else LogisticRegression(max_iter=2000, random_state=job.seed)
        parts.append(model_predictions(target, model.fit(train_x, np.asarray(y)), test_x))
    write_submission(job, test, parts)


if __name__ == "__main__":
    sys.exit(main_guard(run))
