"""Whether a new script beats the one it would replace by more than fold-to-fold noise.

Validation scores of two scripts differ by chance: keeping every plan, merge or ensemble whose score
is higher by any amount selects noise, and the gain does not carry to the test set. Both scripts'
out-of-fold predictions (`./artifacts/oof.npy`) are scored fold by fold on the same folds (the brief's
seed and number; stratified for classification, as the script contract asks); the gain is the mean of
the per-fold differences, its noise their standard error. The new script wins only when its score is
better and the gain exceeds `factor` standard errors. Where the predictions cannot be re-scored per
fold (no saved predictions, a metric the host cannot score, a fold a metric cannot score), the plain
comparison of the two scores decides.

An ensemble has its own factor: it averages scripts that were each chosen on these folds, so a gain within
the noise still tends to carry to the test set (see `Settings.ensemble_noise_factor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..record.journal import Attempt
from ..record.run_folder import RunFolder
from ..task import Task
from .score_check import labelled_oof, score_oof


@dataclass(frozen=True)
class FoldGain:
    """The new script's per-fold gain over the old one (positive: better under the metric)."""

    gain: float
    se: float
    n_folds: int

    def describe(self) -> str:
        return f"gain {self.gain:+.4g}, noise (SE) {self.se:.3g} over {self.n_folds} folds"


@dataclass(frozen=True)
class Verdict:
    """The rule's answer: whether the new script replaces the old, and the evidence.

    Attributes:
        better: replace the old script with the new one.
        gain: the per-fold comparison; None when it could not be measured.
        within_noise: the new score is better, but its gain is not beyond `factor` standard errors.
        factor: the standard errors the gain had to exceed (0: any better score counts).
    """

    better: bool
    gain: Optional[FoldGain] = None
    within_noise: bool = False
    factor: float = 0.0

    def note(self) -> str:
        """One clause for logs and planners, e.g. 'within 1 x its fold noise (gain +0.001, ...)'."""
        if self.gain is None:
            return ""
        if not self.factor:
            return f"({self.gain.describe()})"
        where = "within" if self.within_noise else "beyond"
        return f"{where} {self.factor:g} x its fold noise ({self.gain.describe()})"


class KeepRule:
    """Compares a new attempt with the one it would replace, on the same folds.

    Args:
        task: the task (its metric and training labels).
        folder: the run folder the attempts' workspaces are in.
        n_folds, seed: the brief's folds.
        factor: standard errors the per-fold gain must exceed; 0 keeps any better score.
        ensemble_factor: the same for an ensemble attempt (None: `factor`).
    """

    def __init__(self, task: Task, folder: RunFolder, n_folds: int, seed: int, factor: float,
                 ensemble_factor: Optional[float] = None) -> None:
        self.task, self.folder = task, folder
        self.n_folds, self.seed, self.factor = n_folds, seed, factor
        self.ensemble_factor = factor if ensemble_factor is None else ensemble_factor

    def factor_for(self, attempt: Attempt) -> float:
        """The standard errors `attempt`'s gain must exceed."""
        return self.ensemble_factor if attempt.phase == "ensemble" else self.factor

    def judge(self, new: Attempt, old: Optional[Attempt]) -> Verdict:
        """Whether `new` should replace `old` (None: nothing to replace)."""
        metric = self.task.metric
        if new.score is None or not math.isfinite(new.score):
            return Verdict(better=False)
        if old is None or old.score is None or not math.isfinite(old.score):
            return Verdict(better=True)
        if not metric.is_better(new.score, old.score):
            return Verdict(better=False)
        factor = self.factor_for(new)
        gain = self.fold_gain(new, old)  # measured at factor 0 too, for the log
        if gain is None or not factor:
            return Verdict(better=True, gain=gain, factor=factor)
        clears = gain.gain > factor * gain.se
        return Verdict(better=clears, gain=gain, within_noise=not clears, factor=factor)

    def judge_id(self, new: Attempt, old_id: Optional[int]) -> Verdict:
        """`judge` with the old attempt named by its journal id."""
        return self.judge(new, self.folder.journal.find(old_id) if old_id is not None else None)

    def fold_gain(self, new: Attempt, old: Attempt) -> Optional[FoldGain]:
        """The per-fold gain of `new` over `old`, or None when it cannot be computed."""
        new_oof = labelled_oof(self.task, self.folder.workspace_of(new))
        old_oof = labelled_oof(self.task, self.folder.workspace_of(old))
        if new_oof is None or old_oof is None:
            return None
        labels, new_pred = new_oof
        _, old_pred = old_oof
        sign = 1.0 if self.task.metric.higher_is_better else -1.0
        gains = []
        for rows in self._folds(labels):
            try:
                new_score = self._score(labels[rows], new_pred[rows])
                old_score = self._score(labels[rows], old_pred[rows])
            except ValueError:  # e.g. ROC AUC of a fold holding one class
                return None
            if not (math.isfinite(new_score) and math.isfinite(old_score)):
                return None
            gains.append(sign * (new_score - old_score))
        if len(gains) < 2:
            return None
        values = np.asarray(gains)
        return FoldGain(gain=float(values.mean()), se=float(values.std(ddof=1) / math.sqrt(len(values))),
                        n_folds=len(values))

    def _score(self, labels: np.ndarray, pred: np.ndarray) -> float:
        return score_oof(self.task.metric, self.task.task_kind, self.task.classes, labels, pred)

    def _folds(self, labels: np.ndarray) -> list[np.ndarray]:
        """The validation rows of each fold, as the scripts' folds are made."""
        # Imported here: scikit-learn takes most of a second to import, and `mle-star run` refuses bad input first.
        from sklearn.model_selection import KFold, StratifiedKFold

        n_folds = min(self.n_folds, len(labels))
        if n_folds < 2:
            return []
        classification = self.task.task_kind in ("binary", "multiclass")
        if classification:
            _, counts = np.unique(labels.astype(str), return_counts=True)
            classification = counts.min() >= n_folds
        splitter = (StratifiedKFold(n_folds, shuffle=True, random_state=self.seed) if classification
                    else KFold(n_folds, shuffle=True, random_state=self.seed))
        strata = labels.astype(str) if classification else np.zeros(len(labels))
        return [valid for _, valid in splitter.split(np.zeros(len(labels)), strata)]
