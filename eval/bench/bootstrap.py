"""How far a score difference between two systems is beyond the test set's own noise.

A paired bootstrap over the test rows: both submissions are scored on the same resampled rows, many
times, and the spread of the agent's advantage says whether its win or loss would hold on another draw of
test rows of the same size. On a table with 69 test rows a 0.005 log-loss loss may be one row; on
20,000 rows an AUC difference of 0.001 may be real. The bench's wins, ties and losses stay as they are
(`report.wins_ties_losses`); this is read beside them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np

from machine_learning_engineering.task import AlignedSubmission, align_submission

from .tasks import BenchTask

RESAMPLES = 1000
LEVEL = 0.95
SEED = 0
# Rows scored per submission across all draws: fewer draws on a large test set, so a pixel task's 1.5M rows
# do not take an hour; below MIN_RESAMPLES draws there is no interval (on that many rows it would be narrow).
MAX_ROWS_DRAWN = 50_000_000
MIN_RESAMPLES = 100


def advantage_interval(mine: AlignedSubmission, theirs: AlignedSubmission, higher_is_better: bool, *,
                       resamples: int = RESAMPLES, level: float = LEVEL, seed: int = SEED,
                       max_rows_drawn: int = MAX_ROWS_DRAWN) -> Optional[tuple[float, float]]:
    """The central `level` interval of `mine`'s advantage over `theirs` (positive: mine scores better)
    across `resamples` paired bootstrap draws of the test rows (fewer when the draws would hold more than
    `max_rows_drawn` rows).

    A draw the metric cannot score (ROC AUC on rows of one class) is skipped. None when more than half
    of them are, when fewer than MIN_RESAMPLES draws fit in `max_rows_drawn`, or when the two submissions
    do not cover the same rows.
    """
    if len(mine) != len(theirs) or len(mine) == 0:
        return None
    resamples = min(resamples, max_rows_drawn // len(mine))
    if resamples < MIN_RESAMPLES:
        return None
    sign = 1.0 if higher_is_better else -1.0
    rng = np.random.default_rng(seed)
    advantages = []
    for _ in range(resamples):
        rows = rng.integers(0, len(mine), len(mine))
        try:
            advantage = sign * (mine.score(rows) - theirs.score(rows))
        except ValueError:
            continue
        if math.isfinite(advantage):
            advantages.append(advantage)
    if len(advantages) * 2 < resamples:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(advantages, [tail, 100 - tail])
    return float(low), float(high)


def submissions_interval(mine: Path, theirs: Path, bench_task: BenchTask,
                         higher_is_better: bool) -> Optional[tuple[float, float]]:
    """`advantage_interval` of two submission files of a bench task graded by this project's grader;
    None when either cannot be lined up with the answers (invalid, or not on disk any more)."""
    try:
        return advantage_interval(align_submission(mine, bench_task.task), align_submission(theirs, bench_task.task),
                                  higher_is_better)
    except Exception:  # noqa: BLE001 - an invalid submission has no interval; its run is reported as invalid
        return None
