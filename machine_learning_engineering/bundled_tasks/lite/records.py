"""random-acts-of-pizza: JSON records of a request's text and its requester's history, in the competition's
layout (train.json, test.json and their zip copies, sampleSubmission.csv); ROC AUC.

The request texts are fortune entries; whether a request got its pizza depends on its topic, the
requester's history and chance. As in the original, train records also hold fields known only after the
fact (retrieval-time counts, the flair of those who received), which test records lack.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .competition import SEED, Competition, Size
from .fortunes import labelled_texts

TINY_ROWS = 400
MAX_CHARS = 600
TEST_SHARE = 0.29  # about the original's test share
# collection -> how much its topic helps a request (log-odds)
TOPIC_EFFECT = {"love": 0.9, "kids": 0.8, "food": 0.7, "pets": 0.6, "men-women": 0.3, "work": 0.2,
                "people": 0.0, "miscellaneous": 0.0, "computers": -0.3, "science": -0.3, "politics": -0.6,
                "law": -0.5}
SUBREDDITS = ("AskReddit", "pics", "funny", "gaming", "IAmA", "WTF", "todayilearned", "videos", "Random_Acts_Of_Pizza",
              "food", "trees", "aww", "Music", "movies", "atheism", "politics", "worldnews", "technology")
TEST_FIELDS = ("giver_username_if_known", "request_id", "request_text_edit_aware", "request_title",
               "requester_account_age_in_days_at_request", "requester_days_since_first_post_on_raop_at_request",
               "requester_number_of_comments_at_request", "requester_number_of_comments_in_raop_at_request",
               "requester_number_of_posts_at_request", "requester_number_of_posts_on_raop_at_request",
               "requester_number_of_subreddits_at_request", "requester_subreddits_at_request",
               "requester_upvotes_minus_downvotes_at_request", "requester_upvotes_plus_downvotes_at_request",
               "requester_username", "unix_timestamp_of_request", "unix_timestamp_of_request_utc")
TARGET = "requester_received_pizza"


def random_acts_of_pizza(size: Size) -> Competition:
    """Did the request get a pizza? Topic, requester history and a little leakage decide."""
    pairs = labelled_texts({name: (name,) for name in TOPIC_EFFECT}, MAX_CHARS)
    frame = pd.DataFrame(pairs, columns=["text", "topic"])
    if size == "tiny":
        frame, _ = train_test_split(frame, train_size=TINY_ROWS, random_state=SEED, stratify=frame["topic"])
    frame = frame.reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    n = len(frame)
    age = rng.lognormal(5.0, 1.3, n) * (rng.random(n) > 0.1)
    comments = rng.negative_binomial(1, 0.01, n) * (age > 0)
    posts = rng.negative_binomial(1, 0.05, n) * (age > 0)
    raop_posts = rng.binomial(1, 0.08, n)
    karma_total = (comments * rng.uniform(2, 8, n) + posts * rng.uniform(5, 30, n)).round()
    karma = np.minimum(karma_total, (karma_total * rng.uniform(0.5, 0.95, n)).round())
    stamp = rng.integers(1_297_000_000, 1_381_000_000, n)
    logit = (-1.6 + frame["topic"].map(TOPIC_EFFECT).to_numpy() + 0.25 * np.log1p(karma).clip(0, 8) / 2
             + 0.8 * raop_posts + 0.15 * (frame["text"].str.len().to_numpy() > 200) + rng.normal(0, 0.6, n))
    received = rng.random(n) < 1 / (1 + np.exp(-logit))
    n_subreddits = np.minimum(rng.poisson(np.log1p(comments + posts) * 3), len(SUBREDDITS))
    records = []
    for i in range(n):
        text = frame.at[i, "text"]
        words = text.split()
        giver = f"user_{rng.integers(10**6):06d}" if received[i] and rng.random() < 0.3 else "N/A"
        later_comments = int(rng.poisson(2 + 3 * received[i]))
        record = {
            "giver_username_if_known": giver,
            "number_of_downvotes_of_request_at_retrieval": int(rng.poisson(1.5)),
            "number_of_upvotes_of_request_at_retrieval": int(rng.poisson(3 + 2 * received[i])),
            "post_was_edited": bool(rng.random() < 0.08 + 0.1 * received[i]),
            "request_id": f"t3_{rng.integers(36**5):07x}",
            "request_number_of_comments_at_retrieval": later_comments,
            "request_text": text,
            "request_text_edit_aware": text,
            "request_title": "[Request] " + " ".join(words[:8]),
            "requester_account_age_in_days_at_request": round(float(age[i]), 6),
            "requester_account_age_in_days_at_retrieval": round(float(age[i]) + 700.0, 6),
            "requester_days_since_first_post_on_raop_at_request": round(float(age[i]) * 0.3 * raop_posts[i], 6),
            "requester_days_since_first_post_on_raop_at_retrieval": round(float(age[i]) * 0.3 * raop_posts[i] + 700, 6),
            "requester_number_of_comments_at_request": int(comments[i]),
            "requester_number_of_comments_at_retrieval": int(comments[i] + rng.poisson(50)),
            "requester_number_of_comments_in_raop_at_request": int(raop_posts[i] * rng.poisson(2)),
            "requester_number_of_comments_in_raop_at_retrieval": int(raop_posts[i] * rng.poisson(2) + later_comments // 2),
            "requester_number_of_posts_at_request": int(posts[i]),
            "requester_number_of_posts_at_retrieval": int(posts[i] + rng.poisson(5)),
            "requester_number_of_posts_on_raop_at_request": int(raop_posts[i]),
            "requester_number_of_posts_on_raop_at_retrieval": int(raop_posts[i]) + 1,
            "requester_number_of_subreddits_at_request": int(n_subreddits[i]),
            TARGET: bool(received[i]),
            "requester_subreddits_at_request": sorted(rng.choice(SUBREDDITS, size=int(n_subreddits[i]),
                                                                 replace=False).tolist()),
            "requester_upvotes_minus_downvotes_at_request": int(karma[i]),
            "requester_upvotes_minus_downvotes_at_retrieval": int(karma[i] + rng.poisson(100)),
            "requester_upvotes_plus_downvotes_at_request": int(karma_total[i]),
            "requester_upvotes_plus_downvotes_at_retrieval": int(karma_total[i] + rng.poisson(150)),
            "requester_user_flair": ("shroom" if rng.random() < 0.9 else "PIF") if received[i] else None,
            "requester_username": f"redditor_{i:05d}",
            "unix_timestamp_of_request": float(stamp[i] + 3600 * 7),
            "unix_timestamp_of_request_utc": float(stamp[i]),
        }
        records.append(record)
    train, test = train_test_split(records, test_size=TEST_SHARE, random_state=SEED,
                                   stratify=[r[TARGET] for r in records])
    test_public = [{key: record[key] for key in TEST_FIELDS} for record in test]
    answers = pd.DataFrame({"request_id": [r["request_id"] for r in test],
                            TARGET: [int(r[TARGET]) for r in test]})
    train_json, test_json = json.dumps(train, indent=4), json.dumps(test_public, indent=4)
    return Competition(
        public={"train.json": train_json, "test.json": test_json, "train.zip": _zipped("train.json", train_json),
                "test.zip": _zipped("test.json", test_json),
                "sampleSubmission.csv": answers.assign(**{TARGET: 0})},
        private={"test.csv": answers},
        description=_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


def _zipped(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed timestamp keeps the build byte-for-byte reproducible.
        archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


_DESCRIPTION = """\
# Random Acts of Pizza (local stand-in)

## Overview

Each record is a request for a free pizza, posted with the requester's account history. Predict the
probability that the requester received the pizza (`requester_received_pizza`).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, fields and
metric. The request texts come from Debian's fortune collections and the histories are generated: the
topic of a request, the requester's activity and chance decide its success. As in the original, the
training records also hold fields known only after the fact (`..._at_retrieval`, `requester_user_flair`,
`post_was_edited`, the request's later comments and votes), which the test records do not have.

## Data

- `train.json`: {n_train} requests, a list of JSON objects with every field (`train.zip` holds the same).
- `test.json`: {n_test} requests with the fields known at request time (`test.zip` holds the same).
- `sampleSubmission.csv`: a valid submission.

`requester_subreddits_at_request` is a list of the subreddits the requester had posted in.

## Evaluation

Submissions are evaluated on the area under the ROC curve (AUC) between the predicted probability and the
observed outcome. Higher is better.

## Submission format

```
request_id,requester_received_pizza
t3_i8iy4,0
```
"""
