"""Evaluation metrics: one `Metric` value knows its name, its direction and how to score.

`metric.is_better(a, b)` is the one comparison used everywhere, so no caller needs to know whether
lower or higher wins. `get_metric` accepts the names people write ("AUC", "root mean squared error",
"map@5"); `detect_metric` reads the metric out of a task description.

Labels are compared after canonicalisation: when both sides are numbers they are compared as numbers
(so 1, 1.0 and "1" agree); otherwise as stripped strings. Class probabilities follow the order of
`labels` when given, else the sorted classes of `y_true` (scikit-learn's convention).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .errors import TaskError

# Kaggle's clipping for log loss: a confident wrong answer costs ~34.5 nats, not infinity.
LOG_LOSS_EPS = 1e-15

Scorer = Callable[[Any, Any, Optional[Sequence[Any]]], float]


def format_score(score: Optional[float]) -> str:
    """A score as every line of the run shows it (6 significant digits), or "failed" when there is none."""
    return f"{score:.6g}" if isinstance(score, (int, float)) else "failed"


@dataclass(frozen=True)
class Metric:
    """An evaluation metric.

    Attributes:
        name: canonical name, e.g. "roc_auc", "rmse", "map@5".
        higher_is_better: direction of improvement.
        needs_proba: predictions are probabilities (one column, or one per class), not labels.
        kind: "classification", "regression" or "ranking" (what the metric is meant for).
        k: the cut-off of ranking metrics (MAP@K), else None.
    """

    name: str
    higher_is_better: bool
    needs_proba: bool
    kind: str
    scorer: Scorer = field(repr=False, compare=False)
    k: Optional[int] = None

    def score(self, y_true: Any, y_pred: Any, *, labels: Optional[Sequence[Any]] = None) -> float:
        """Scores predictions against the truth.

        Args:
            y_true: true labels or values (1-D); a 0/1 matrix for multi-label tasks; for MAP@K, the
                relevant item(s) per row (a label, a list, or a space-separated string).
            y_pred: labels, values, a probability vector (binary), a probability matrix (one column per
                class, in the order of `labels`), or ranked predictions per row for MAP@K.
            labels: the class order of a probability matrix (and the positive class of a binary
                vector: the last one). Defaults to the sorted classes of `y_true`.

        Raises:
            ValueError: the inputs do not fit the metric (lengths differ, NaN, unknown classes...).
        """
        return float(self.scorer(y_true, y_pred, labels))

    def is_better(self, a: float, b: float) -> bool:
        """Whether score `a` is strictly better than score `b` (a NaN is never better; anything beats NaN)."""
        if math.isnan(a):
            return False
        if math.isnan(b):
            return True
        return a > b if self.higher_is_better else a < b

    def worst(self) -> float:
        """A value every real score beats."""
        return -math.inf if self.higher_is_better else math.inf


# ----------------------------------------------------------------------------- label handling


_BOOLEAN_TEXT = {"true": "1", "false": "0"}


def canonical_label(value: Any) -> str:
    """The string a label is compared as: integral numbers lose their ".0", strings are stripped, booleans
    (and the words true and false) are 1 and 0."""
    # A boolean class is the same class as 0/1 however it is written (JSON true, CSV True, answers 1).
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return repr(number)
    text = str(value).strip()
    if text.lower() in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[text.lower()]
    if "_" in text:  # Python reads "1_0" as the number 10; as an id it is sentence 1, token 0
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return canonical_label(number) if math.isfinite(number) else text


def _sklearn() -> Any:
    """scikit-learn's metrics, imported when a score is computed: loading a task (and so every check
    `mle-star run` makes before it starts) does not need them, and they take a second to import."""
    from sklearn import metrics

    return metrics


def _flat(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        array = array.reshape(len(array), -1)
        if array.shape[1] != 1:
            raise ValueError(f"expected one value per row, got an array of shape {array.shape}")
        array = array[:, 0]
    return array


def _as_floats(values: np.ndarray) -> Optional[np.ndarray]:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None


def _comparable(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both label vectors as floats when both are numeric, else as canonical strings."""
    t, p = _flat(y_true), _flat(y_pred)
    _same_length(t, p)
    tf, pf = _as_floats(t), _as_floats(p)
    if tf is not None and pf is not None and not np.isnan(tf).any() and not np.isnan(pf).any():
        return tf, pf
    return (np.array([canonical_label(v) for v in t], dtype=object),
            np.array([canonical_label(v) for v in p], dtype=object))


def _same_length(t: Any, p: Any) -> None:
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} rows but y_pred has {len(p)}")


def sorted_classes(values: Any) -> list[str]:
    """Canonical class names sorted numerically when all are numbers, else alphabetically."""
    unique = sorted({canonical_label(v) for v in _flat(values)})
    try:
        return sorted(unique, key=float)
    except ValueError:
        return unique


_POSITIVE_WORDS = ("1", "true", "yes", "y", "positive", "pos")


def _binary_classes(y_true: np.ndarray, labels: Optional[Sequence[Any]]) -> tuple[str, str]:
    """(negative, positive) class names of a binary target: labels[-1] is positive when labels are given."""
    if labels is not None:
        names = [canonical_label(v) for v in labels]
    else:
        names = sorted_classes(y_true)
        if set(names) <= {"0", "1"}:
            names = ["0", "1"]
        elif len(names) == 2 and names[0].lower() in _POSITIVE_WORDS and names[1].lower() not in _POSITIVE_WORDS:
            names = names[::-1]
    if len(names) != 2:
        raise ValueError(f"a binary metric or a probability vector needs two classes, but the classes are "
                         f"{names[:10]}")
    return names[0], names[1]


def _class_indices(y_true: Any, classes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    names = [canonical_label(v) for v in _flat(y_true)]
    unknown = sorted({n for n in names if n not in index})
    if unknown:
        raise ValueError(f"true label(s) {unknown[:5]} are not among the classes {list(classes)[:20]}")
    return np.array([index[n] for n in names], dtype=int)


def _proba_matrix(y_pred: Any) -> np.ndarray:
    p = np.asarray(y_pred, dtype=float)
    if np.isnan(p).any():
        raise ValueError(f"{int(np.isnan(p).sum())} predicted probabilities are NaN")
    return p


def _floats(values: Any, what: str) -> np.ndarray:
    array = _as_floats(_flat(values))
    if array is None:
        raise ValueError(f"{what} must be numbers")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} hold {int((~np.isfinite(array)).sum())} NaN or infinite values")
    return array


# ----------------------------------------------------------------------------- scorers


def _accuracy(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _comparable(y_true, y_pred)
    return float(np.mean(t == p))


def _balanced_accuracy(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _comparable(y_true, y_pred)
    return _sklearn().balanced_accuracy_score(t.astype(str) if t.dtype == object else t,
                                       p.astype(str) if p.dtype == object else p)


def _f1(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _comparable(y_true, y_pred)
    t_names = np.array([canonical_label(v) for v in t])
    p_names = np.array([canonical_label(v) for v in p])
    # With one class in y_true, the predictions tell which second class exists.
    seen = t_names if len(set(t_names)) == 2 else np.concatenate([t_names, p_names])
    _, positive = _binary_classes(seen, labels)
    return _sklearn().f1_score(t_names == positive, p_names == positive, zero_division=0.0)


def _f1_macro(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _comparable(y_true, y_pred)
    t_names = np.array([canonical_label(v) for v in t])
    p_names = np.array([canonical_label(v) for v in p])
    return _sklearn().f1_score(t_names, p_names, average="macro", zero_division=0.0)


def _roc_auc(y_true: Any, y_pred: Any, labels: Any) -> float:
    p = _proba_matrix(y_pred)
    t_raw = np.asarray(y_true, dtype=object)
    if t_raw.ndim == 2 and t_raw.shape[1] > 1:
        return _mean_over_columns(_sklearn().roc_auc_score, t_raw, p, "ROC AUC")
    t = _flat(y_true)
    _same_length(t, p)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        _, positive = _binary_classes(t, labels)
        return _sklearn().roc_auc_score([canonical_label(v) == positive for v in t], p)
    classes = [canonical_label(v) for v in labels] if labels is not None else sorted_classes(t)
    if p.shape[1] != len(classes):
        raise ValueError(f"y_pred has {p.shape[1]} columns but there are {len(classes)} classes")
    idx = _class_indices(t, classes)
    if len(classes) == 2:
        return _sklearn().roc_auc_score(idx == 1, p[:, 1])
    # One-vs-rest macro average, as scikit-learn's multi_class="ovr", without its rows-sum-to-1 demand.
    per_class = [_sklearn().roc_auc_score(idx == j, p[:, j]) for j in range(len(classes)) if 0 < (idx == j).sum() < len(idx)]
    if not per_class:
        raise ValueError("ROC AUC is undefined: y_true holds a single class")
    return float(np.mean(per_class))


def _mean_over_columns(score: Callable[..., float], t: np.ndarray, p: np.ndarray, what: str) -> float:
    t = np.asarray(t, dtype=float)
    if p.shape != t.shape:
        raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}")
    values = [score(t[:, j], p[:, j]) for j in range(t.shape[1]) if len(np.unique(t[:, j])) == 2]
    if not values:
        raise ValueError(f"{what} is undefined: every column of y_true holds a single value")
    return float(np.mean(values))


def _log_loss(y_true: Any, y_pred: Any, labels: Any) -> float:
    p = _proba_matrix(y_pred)
    t_raw = np.asarray(y_true, dtype=object)
    if t_raw.ndim == 2 and t_raw.shape[1] > 1:
        t = np.asarray(t_raw, dtype=float)
        if p.shape != t.shape:
            raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}")
        q = np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
        return float(-np.mean(t * np.log(q) + (1 - t) * np.log(1 - q)))
    t = _flat(y_true)
    _same_length(t, p)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:
        classes = list(_binary_classes(t, labels))
        p = np.column_stack([1 - p, p])
    else:
        classes = [canonical_label(v) for v in labels] if labels is not None else sorted_classes(t)
        if p.shape[1] != len(classes):
            raise ValueError(f"y_pred has {p.shape[1]} columns but there are {len(classes)} classes")
    idx = _class_indices(t, classes)
    # Kaggle's rule: rows are rescaled to sum to 1, then clipped away from 0 and 1.
    p = np.clip(p, 0.0, None)
    sums = p.sum(axis=1, keepdims=True)
    p = np.divide(p, sums, out=np.full_like(p, 1.0 / p.shape[1]), where=sums > 0)
    p = np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    return float(-np.mean(np.log(p[np.arange(len(idx)), idx])))


def _rmse(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _floats(y_true, "true values"), _floats(y_pred, "predictions")
    _same_length(t, p)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def _mae(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _floats(y_true, "true values"), _floats(y_pred, "predictions")
    _same_length(t, p)
    return float(np.mean(np.abs(t - p)))


def _rmsle(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _floats(y_true, "true values"), _floats(y_pred, "predictions")
    _same_length(t, p)
    for values, what in ((t, "true values"), (p, "predictions")):
        if (values < 0).any():
            raise ValueError(f"RMSLE is undefined for negative values: {int((values < 0).sum())} {what} are negative")
    return float(np.sqrt(np.mean((np.log1p(t) - np.log1p(p)) ** 2)))


def _r2(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _floats(y_true, "true values"), _floats(y_pred, "predictions")
    _same_length(t, p)
    return float(_sklearn().r2_score(t, p))


def _qwk(y_true: Any, y_pred: Any, labels: Any) -> float:
    t, p = _comparable(y_true, y_pred)
    if t.dtype != object:
        # Regression-style predictions of an ordinal target are rounded to the nearest grade.
        t, p = np.rint(t).astype(int), np.rint(p).astype(int)
    return float(_sklearn().cohen_kappa_score(t, p, weights="quadratic"))


def _tokens(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [canonical_label(v) for v in value]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [canonical_label(value)]


def average_precision_at_k(actual: Sequence[str], predicted: Sequence[str], k: int) -> float:
    """AP@K of one row (Kaggle's definition: repeated predictions count once)."""
    if not actual:
        return 0.0
    relevant, hits, total, seen = set(actual), 0, 0.0, set()
    for rank, item in enumerate(predicted[:k], start=1):
        if item in relevant and item not in seen:
            hits += 1
            total += hits / rank
        seen.add(item)
    return total / min(len(relevant), k)


def _map_at(k: int) -> Scorer:
    def score(y_true: Any, y_pred: Any, labels: Any) -> float:
        t, p = list(y_true), list(y_pred)
        _same_length(t, p)
        if not t:
            raise ValueError("MAP@K of zero rows is undefined")
        return float(np.mean([average_precision_at_k(_tokens(a), _tokens(b), k) for a, b in zip(t, p)]))

    return score


# ----------------------------------------------------------------------------- registry

_METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("accuracy", True, False, "classification", _accuracy),
    Metric("balanced_accuracy", True, False, "classification", _balanced_accuracy),
    Metric("f1", True, False, "classification", _f1),
    Metric("f1_macro", True, False, "classification", _f1_macro),
    Metric("roc_auc", True, True, "classification", _roc_auc),
    Metric("log_loss", False, True, "classification", _log_loss),
    Metric("rmse", False, False, "regression", _rmse),
    Metric("mae", False, False, "regression", _mae),
    Metric("rmsle", False, False, "regression", _rmsle),
    Metric("r2", True, False, "regression", _r2),
    Metric("qwk", True, False, "classification", _qwk),
)}

_ALIASES: dict[str, tuple[str, ...]] = {
    "accuracy": ("acc", "classification accuracy"),
    "balanced_accuracy": ("balanced acc", "bacc"),
    "f1": ("f1", "binary f1", "f1 binary", "f measure", "f1 measure", "f score"),
    "f1_macro": ("macro f1", "macro averaged f1", "macro average f1", "mean f1", "f1 macro average",
                 "macro f score", "f1 macro averaged"),
    "roc_auc": ("roc auc", "auc", "auroc", "au roc", "auc roc", "roc", "roc auc ovr", "area under the roc curve",
                "area under roc curve", "area under the curve", "area under curve",
                "area under the receiver operating characteristic curve"),
    "log_loss": ("logloss", "logarithmic loss", "log likelihood loss", "cross entropy", "binary cross entropy",
                 "categorical cross entropy", "multi class log loss", "multiclass log loss", "mlogloss",
                 "multi class logarithmic loss", "multiclass logarithmic loss", "binary log loss"),
    "rmse": ("root mean squared error", "root mean square error", "rms error"),
    "mae": ("mean absolute error", "l1", "mean absolute deviation"),
    "rmsle": ("root mean squared log error", "root mean squared logarithmic error",
              "root mean square logarithmic error", "root mean square log error"),
    "r2": ("r^2", "r²", "r squared", "coefficient of determination"),
    "qwk": ("quadratic weighted kappa", "quadratically weighted kappa", "quadratic kappa", "weighted kappa",
            "kappa", "cohen kappa", "cohens kappa", "quadratic weighted cohen kappa"),
}


def _normalise(name: str) -> str:
    text = re.sub(r"[-_\s]+", " ", name.strip().lower()).replace("'", "")
    text = re.sub(r" score$", "", text)
    return text.strip()


_LOOKUP: dict[str, str] = {}
for _canonical, _names in _ALIASES.items():
    for _name in (_canonical, *_names):
        _LOOKUP[_normalise(_name)] = _canonical

_MAP_NAME = re.compile(r"^(?:map|mean average precision) ?(?:@|at)? ?(\d+)$")

METRIC_NAMES: tuple[str, ...] = (*_METRICS, "map@K")


def map_at_k(k: int) -> Metric:
    """Mean average precision at cut-off `k`."""
    if k < 1:
        raise TaskError(f"MAP@K needs K >= 1, got {k}")
    return Metric(f"map@{k}", True, False, "ranking", _map_at(k), k=k)


def get_metric(name: str) -> Metric:
    """The metric with this name or a common alias (case-insensitive; "-", "_" and spaces alike).

    Raises:
        TaskError: no metric has this name; the message lists the known ones.
    """
    key = _normalise(str(name))
    if key in _LOOKUP:
        return _METRICS[_LOOKUP[key]]
    match = _MAP_NAME.match(key)
    if match:
        return map_at_k(int(match.group(1)))
    raise TaskError(f"unknown metric {name!r}. Known metrics: {', '.join(METRIC_NAMES)} (e.g. map@5), "
                    f"and aliases such as auc, logloss, root mean squared error, quadratic weighted kappa, "
                    f"macro f1. Name one of them in task.yaml (`metric: rmse`).")


# ----------------------------------------------------------------------------- detection in free text

_SEP = r"[-_ ]?"
_PHRASES: tuple[tuple[str, str], ...] = (
    (rf"root{_SEP}mean{_SEP}squared?{_SEP}log(?:arithmic)?{_SEP}errors?|\brmsle\b", "rmsle"),
    (rf"root{_SEP}mean{_SEP}squared?{_SEP}errors?|\brmse\b", "rmse"),
    (rf"mean{_SEP}absolute{_SEP}errors?|\bmae\b", "mae"),
    (r"coefficient of determination|\br2\b|\br\^2|r²|\br[-_ ]squared\b", "r2"),
    (rf"quadratic(?:ally)?{_SEP}weighted{_SEP}(?:cohen'?s{_SEP})?kappa|\bqwk\b|quadratic{_SEP}kappa|"
     rf"cohen'?s{_SEP}kappa|weighted{_SEP}kappa", "qwk"),
    (rf"(?:mean{_SEP}average{_SEP}precision|\bmap)\s*(?:@|at)\s*(\d+)", "map"),
    (rf"(?:multi{_SEP}class{_SEP})?(?:log(?:arithmic)?{_SEP}loss|cross{_SEP}entropy)|\blogloss\b", "log_loss"),
    (r"area under (?:the )?(?:receiver operating characteristic |roc )?(?:\(roc\) )?curve|"
     rf"\broc{_SEP}auc\b|\bauc{_SEP}roc\b|\bauroc\b|\bauc\b", "roc_auc"),
    (rf"macro{_SEP}(?:averaged?{_SEP})?f{_SEP}?1|\bmean{_SEP}f{_SEP}?1\b|\bf1{_SEP}macro|macro{_SEP}f{_SEP}score", "f1_macro"),
    (rf"\bf1\b|\bf{_SEP}1{_SEP}score|\bf{_SEP}score|\bf{_SEP}measure", "f1"),
    (rf"balanced{_SEP}accuracy", "balanced_accuracy"),
    (r"\baccuracy\b", "accuracy"),
)
_ANCHORS = re.compile(r"evaluat|metric|scored|scoring|graded|measured by")


def detect_metric(text: str) -> Optional[Metric]:
    """The metric a task description names, or None.

    A Markdown section titled like "Evaluation" or "Metric" is read first. Where several metrics are
    mentioned, the one nearest to words such as "evaluated", "metric" or "scored" wins (a mention after
    such a word is preferred to one before it); without such words, the first mention. A phrase inside a
    longer one counts as the longer one ("root mean squared logarithmic error" is RMSLE, not RMSE).
    """
    lowered = text.lower()
    for section in _evaluation_sections(lowered):
        found = _best_mention(section)
        if found is not None:
            return found
    return _best_mention(lowered)


def _evaluation_sections(text: str) -> list[str]:
    headings = list(re.finditer(r"^#{1,6}[ \t]*(.*)$", text, flags=re.MULTILINE))
    sections = []
    for i, heading in enumerate(headings):
        if _ANCHORS.search(heading.group(1)):
            end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
            sections.append(text[heading.start():end])
    return sections


def _best_mention(lowered: str) -> Optional[Metric]:
    found: list[tuple[int, int, int, Metric]] = []
    for order, (pattern, name) in enumerate(_PHRASES):
        for match in re.finditer(pattern, lowered):
            if name == "map":
                metric = map_at_k(int(next(g for g in match.groups() if g)))
            else:
                metric = _METRICS[name]
            found.append((match.start(), match.end(), order, metric))
    found = [f for f in found if not any(o[0] <= f[0] and f[1] <= o[1] and (o[1] - o[0]) > (f[1] - f[0])
                                         for o in found)]
    if not found:
        return None
    anchors = [(a.start(), a.end()) for a in _ANCHORS.finditer(lowered)]

    def rank(item: tuple[int, int, int, Metric]) -> tuple[int, int, int]:
        start, end, order, _ = item
        if not anchors:
            return (start, order, 0)
        distance = min(max(start - a_end, 2 * (a_start - end), 0) for a_start, a_end in anchors)
        return (distance, order, start)

    return min(found, key=rank)[3]


# A sentence that says how submissions are scored, and the words that make its object a metric (as
# opposed to "evaluated on the test set"): used to tell "names no metric" from "names one we lack".
_SCORED_BY = re.compile(
    r"(?:evaluated|scored|graded|measured|ranked|judged)\s+(?:on|using|with|by|based on|according to|in terms of)"
    r"\s+(?P<a>[^.\n;:()]{2,80})|(?:evaluation )?metric (?:is|will be|used is)\s*:?\s+(?P<b>[^.\n;()]{2,80})")
_METRIC_WORDS = re.compile(
    r"\b(?:metric|score|error|loss|coefficient|correlation|index|distance|precision|recall|kappa|similarity|"
    r"likelihood|deviation|dice|iou|jaccard|ndcg|mape|smape|gini|bleu|rouge|wer|cer|perplexity|f\d)\b")


def unknown_metric_phrase(text: str) -> Optional[str]:
    """The words of a description that name a metric `detect_metric` does not know, or None.

    Only a phrase after "evaluated on", "scored using", "the metric is" and the like counts, and only
    when it holds a word such as "score", "error", "coefficient" or "correlation".
    """
    for match in _SCORED_BY.finditer(text.lower()):
        phrase = re.sub(r"\s+", " ", match.group("a") or match.group("b")).strip()
        if _METRIC_WORDS.search(phrase):
            return phrase
    return None
