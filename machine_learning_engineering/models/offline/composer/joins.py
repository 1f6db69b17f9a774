"""Joining tables a script ignores onto its train and test rows (the data-usage checker's revision).

A provided table that shares a key column with both train and test (an id, a store, a user) carries
more columns per row; the revised script left-joins it right after loading, aggregating numeric
columns per key when a key repeats (a log of events per id), so the row order and count never change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ....tools.code_blocks import get_block, replace_block

# The line of the generated setup block after which the joins go (train and test are loaded with the
# block's `read_table`, and nothing has read their columns yet).
ANCHOR = re.compile(r"^[ ]*test_raw = read_table\(.*\)\n", re.MULTILINE)

JOIN_HELPER = '''\

# Tables that share a key column with train and test, joined by the data-usage checker: (file, key).
JOINED_TABLES = {joins!r}


def join_table(frame, table, key, prefix):
    """Left-joins `table` onto `frame` by `key`, keeping frame's rows and order; numeric columns are
    aggregated per key (count, mean, min, max) when a key repeats; clashing names get `prefix`."""
    table = table.copy()
    table[key] = table[key].astype(str)
    if table[key].duplicated().any():
        numbers = table.drop(columns=[key]).select_dtypes("number")
        grouped = pd.DataFrame(index=pd.Index(table[key].unique(), name=key))
        if numbers.shape[1]:  # a table of text columns only is counted per key, not aggregated
            grouped = numbers.groupby(table[key]).agg(["mean", "min", "max"])
            grouped.columns = [f"{{a}}_{{b}}" for a, b in grouped.columns]
        grouped[f"{{prefix}}rows"] = table.groupby(key).size()
        table = grouped.reset_index()
    table = table.rename(columns={{c: f"{{prefix}}{{c}}" for c in table.columns if c != key and c in frame.columns}})
    joined = frame.assign(**{{key: frame[key].astype(str)}}).merge(table, on=key, how="left")
    joined[key] = frame[key].to_numpy()
    joined.index = frame.index
    return joined


for joined_file, joined_key in JOINED_TABLES:
    extra = read_table(INPUT / joined_file)
    prefix = Path(joined_file).stem + "_"
    train_columns = set(train_raw.columns)
    train_raw = join_table(train_raw, extra, joined_key, prefix)
    test_raw = join_table(test_raw, extra, joined_key, prefix)
    added = [c for c in train_raw.columns if c not in train_columns]
    if TASK["feature_columns"]:
        TASK["feature_columns"] = list(TASK["feature_columns"]) + added
    print(f"joined {{joined_file}} on {{joined_key}}: {{len(added)}} columns")
'''


@dataclass(frozen=True)
class Join:
    """One table to join: its file (relative to input/) and the key column it shares with train and test."""

    file: str
    key: str


def find_joins(unused: Sequence[str], columns: Mapping[str, Sequence[str]], train_file: str, test_file: str,
               id_columns: Sequence[str] = (), target_columns: Sequence[str] = ()) -> list[Join]:
    """The unused tables that share a key column with both train and test (id columns preferred). A table
    named as one of train rows only (train_annotations.csv) is not joined: its keys cannot cover the test
    rows, and a column missing from every test row would mislead the model."""
    train, test = set(columns.get(train_file, ())), set(columns.get(test_file, ()))
    joins = []
    for file in unused:
        name = file.rsplit("/", 1)[-1].lower()
        if "train" in name and "test" not in name:
            continue
        shared = [c for c in columns.get(file, ()) if c in train and c in test and c not in target_columns]
        if shared:
            preferred = [c for c in shared if c in id_columns]
            joins.append(Join(file, (preferred or shared)[0]))
    return joins


def add_joins(code: str, joins: Sequence[Join]) -> Optional[str]:
    """`code` that also joins `joins` onto its train and test rows; None when the script is not in the
    composer's layout (no setup block loading `test_raw`) or already joins tables."""
    if not joins:
        return None
    try:
        setup = get_block(code, "setup")
    except ValueError:
        return None
    match = ANCHOR.search(setup)
    if match is None or "JOINED_TABLES" in setup:
        return None
    helper = JOIN_HELPER.format(joins=[(j.file, j.key) for j in joins])
    return replace_block(code, "setup", setup[:match.end()] + helper + setup[match.end():])
