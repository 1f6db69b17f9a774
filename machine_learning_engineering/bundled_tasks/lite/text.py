"""Text stand-ins built from Debian's fortune collections, in their competitions' exact file layouts.

spooky-author-identification: three "authors", each a group of collections; one probability column per
    author, multiclass log loss.
detecting-insults-in-social-commentary: "insults" are entries of the politics and law collections, the
    rest come from neutral ones; no id column (the comment is the key), ROC AUC.
jigsaw-toxic-comment-classification-challenge: six 0/1 labels per comment, each drawn with a probability
    that depends on the comment's collection (so labels are correlated and not certain); mean column-wise
    ROC AUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .competition import SEED, Competition, Size
from .fortunes import labelled_texts

TINY_ROWS = 400
MAX_CHARS = 600

SPOOKY_AUTHORS = {
    "EAP": ("people", "humorists"),
    "HPL": ("songs-poems", "literature", "art"),
    "MWS": ("men-women", "love", "wisdom"),
}
INSULT_COLLECTIONS = ("politics", "law")
NEUTRAL_COLLECTIONS = ("computers", "science", "work", "education", "food", "kids", "miscellaneous")


TOXIC_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
# collection -> probability of each label (in TOXIC_LABELS order); the other collections are mostly clean.
TOXIC_SOURCES = {
    "politics": (0.85, 0.15, 0.25, 0.05, 0.65, 0.10),
    "law": (0.75, 0.10, 0.10, 0.45, 0.30, 0.05),
    "men-women": (0.70, 0.15, 0.45, 0.05, 0.35, 0.50),
    "drugs": (0.60, 0.20, 0.55, 0.10, 0.20, 0.05),
    "ethnic": (0.65, 0.10, 0.20, 0.05, 0.30, 0.70),
}
CLEAN_SOURCES = ("computers", "science", "work", "education", "food", "kids", "miscellaneous", "pets", "sports",
                 "medicine", "platitudes", "riddles")
CLEAN_RATE = 0.03


def _sample(frame: pd.DataFrame, size: Size, label: str) -> pd.DataFrame:
    if size == "tiny" and len(frame) > TINY_ROWS:
        frame, _ = train_test_split(frame, train_size=TINY_ROWS, random_state=SEED, stratify=frame[label])
    return frame.reset_index(drop=True)


def spooky_author(size: Size) -> Competition:
    """Who wrote this line? Three groups of fortune collections stand in for Poe, Lovecraft and Shelley."""
    pairs = labelled_texts(SPOOKY_AUTHORS, MAX_CHARS)
    frame = _sample(pd.DataFrame(pairs, columns=["text", "author"]), size, "author")
    rng = np.random.default_rng(SEED)
    frame.insert(0, "id", [f"id{n:05d}" for n in rng.choice(100_000, size=len(frame), replace=False)])
    train, test = train_test_split(frame, test_size=0.1, random_state=SEED, stratify=frame["author"])
    authors = list(SPOOKY_AUTHORS)
    answers = pd.DataFrame({"id": test["id"], **{a: (test["author"] == a).astype(int) for a in authors}})
    priors = train["author"].value_counts(normalize=True)
    sample = pd.DataFrame({"id": test["id"], **{a: round(float(priors[a]), 6) for a in authors}})
    return Competition(
        public={"train.csv": train, "test.csv": test.drop(columns=["author"]), "sample_submission.csv": sample},
        private={"test.csv": answers},
        description=_SPOOKY_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


def detecting_insults(size: Size) -> Competition:
    """Is this comment an insult? Entries of political and legal collections play the insults."""
    groups = {"1": INSULT_COLLECTIONS, "0": NEUTRAL_COLLECTIONS}
    pairs = [(text, int(label)) for text, label in labelled_texts(groups, MAX_CHARS)]
    frame = _sample(pd.DataFrame(pairs, columns=["Comment", "Insult"]), size, "Insult")
    rng = np.random.default_rng(SEED)
    # Like the competition's: a UTC timestamp written as YYYYMMDDhhmmssZ, missing for about a fifth of them.
    start = pd.Timestamp("2012-03-20")
    seconds = rng.integers(0, 180 * 86_400, size=len(frame))
    dates = [(start + pd.Timedelta(seconds=int(s))).strftime("%Y%m%d%H%M%SZ") for s in seconds]
    frame["Date"] = [d if keep else "" for d, keep in zip(dates, rng.random(len(frame)) >= 0.2)]
    # The competition quotes every comment inside its field and writes escapes literally.
    frame["Comment"] = '"' + frame["Comment"].str.replace("\\", "\\\\", regex=False) + '"'
    train, test = train_test_split(frame, test_size=0.4, random_state=SEED, stratify=frame["Insult"])
    train, test = (part[["Insult", "Date", "Comment"]].reset_index(drop=True) for part in (train, test))
    answers = test.assign(Usage=np.where(rng.random(len(test)) < 0.5, "PublicTest", "PrivateTest"))
    return Competition(
        public={"train.csv": train, "test.csv": test[["Date", "Comment"]],
                "sample_submission_null.csv": test.assign(Insult=0)},
        private={"test.csv": answers},
        description=_INSULTS_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


def jigsaw_toxic(size: Size) -> Competition:
    """Six kinds of toxicity per comment, more likely in some collections than in others."""
    groups = {name: (name,) for name in (*TOXIC_SOURCES, *CLEAN_SOURCES)}
    frame = _sample(pd.DataFrame(labelled_texts(groups, MAX_CHARS), columns=["comment_text", "source"]), size,
                    "source")
    rng = np.random.default_rng(SEED)
    rates = np.array([TOXIC_SOURCES.get(source, (CLEAN_RATE,) * len(TOXIC_LABELS)) for source in frame["source"]])
    labels = (rng.random(rates.shape) < rates).astype(int)
    labels[:, 1] &= labels[:, 0]  # severe_toxic implies toxic, as in the original
    frame = frame.drop(columns=["source"])
    frame.insert(0, "id", [f"{n:016x}" for n in rng.choice(2**62, size=len(frame), replace=False)])
    for j, label in enumerate(TOXIC_LABELS):
        frame[label] = labels[:, j]
    train, test = train_test_split(frame, test_size=0.3, random_state=SEED)
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    sample = test[["id"]].assign(**{label: 0.5 for label in TOXIC_LABELS})
    return Competition(
        public={"train.csv": train, "test.csv": test[["id", "comment_text"]], "sample_submission.csv": sample},
        private={"test.csv": test.drop(columns=["comment_text"])},
        description=_JIGSAW_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


_JIGSAW_DESCRIPTION = """\
# Toxic Comment Classification Challenge (local stand-in)

## Overview

Each row is one comment. Predict, for each of six kinds of toxicity, the probability that the comment
shows it: `toxic`, `severe_toxic`, `obscene`, `threat`, `insult` and `identity_hate`. A comment can show
several kinds, or none.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The comments come from Debian's fortune collections; the labels were drawn at random with rates
that depend on the collection (politics, law, men-women, drugs and ethnic jokes are often labelled;
computers, science, food and the other neutral collections seldom), so they are correlated and noisy, as
crowd labels are. `severe_toxic` is only ever set on a `toxic` comment.

## Data

- `train.csv`: {n_train} comments with `id`, `comment_text` and the six 0/1 labels.
- `test.csv`: {n_test} comments with `id` and `comment_text`.
- `sample_submission.csv`: a valid submission (every probability 0.5).

## Evaluation

Submissions are evaluated on the mean column-wise ROC AUC: the area under the ROC curve of each of the six
labels, averaged. Higher is better.

## Submission format

```
id,toxic,severe_toxic,obscene,threat,insult,identity_hate
00001cee341fdb12,0.5,0.5,0.5,0.5,0.5,0.5
```
"""


_SPOOKY_DESCRIPTION = """\
# Spooky Author Identification (local stand-in)

## Overview

Each row is one passage of text. Predict which of three authors wrote it: `EAP`, `HPL` or `MWS`.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The passages come from Debian's fortune collections instead of the three novelists: `EAP` wrote
the entries of the *people* and *humorists* collections, `HPL` those of *songs-poems*, *literature* and
*art*, `MWS` those of *men-women*, *love* and *wisdom*. Attribution lines were removed.

## Data

- `train.csv`: {n_train} passages with columns `id`, `text` and `author`.
- `test.csv`: {n_test} passages with `id` and `text`; predict their authors.
- `sample_submission.csv`: a valid submission in the right format.

## Evaluation

Submissions are evaluated using multi-class logarithmic loss (log loss). Each row's probabilities are
rescaled to sum to 1 and clipped away from 0 and 1 before scoring. Lower is better.

## Submission format

For each `id` in `test.csv`, give the probability of each author, one column per author:

```
id,EAP,HPL,MWS
id07943,0.33,0.33,0.34
```
"""

_INSULTS_DESCRIPTION = """\
# Detecting Insults in Social Commentary (local stand-in)

## Overview

Each row is one comment. Predict the probability that it is an insult (`Insult` = 1).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The comments come from Debian's fortune collections: the entries of the *politics* and *law*
collections play the insults, those of neutral collections (computers, science, work, education, food,
kids, miscellaneous) the rest. About a quarter of the comments are insults.

## Data

- `train.csv`: {n_train} comments with columns `Insult` (1 or 0), `Date` and `Comment`.
- `test.csv`: {n_test} comments with `Date` and `Comment`.
- `sample_submission_null.csv`: a valid submission, every `Insult` set to 0.

`Date` is when the comment was posted, `YYYYMMDDhhmmssZ` in UTC, and is empty for some comments. Each
`Comment` is written in double quotes with escapes kept literally, as in the original data. There is no
id column: the submission repeats each test row's `Date` and `Comment` beside the prediction.

## Evaluation

Submissions are evaluated on the area under the ROC curve (AUC) between the predicted probability and the
true label. Higher is better.

## Submission format

One row per test comment, in test order, with the columns `Insult`, `Date` and `Comment`; `Insult` holds
the predicted probability (a number between 0 and 1).
"""
