"""Source templates of the blocks every generated script shares (all but the model block).

Names each block provides to the later ones (the contract a replacement block must keep):

    setup          TASK, SEED, N_FOLDS, N_JOBS, METRIC, HIGHER_IS_BETTER, IS_CLASSIFICATION, CLASSES, N_CLASSES,
                   TARGETS, MULTI_OUTPUT, IMG_SHAPE, train_raw, test_raw, sample_submission, train_df, test_df,
                   y_all, FOLDS, make_folds(seed), score_predictions(y, pred), is_better(a, b),
                   proba_matrix(pred), pred_labels(pred), safe_column_names(frame), START_TIME,
                   parse_dates(series), cached_array(key, compute), content_key(values),
                   fit_each_column(fit, X_tr, y_tr, X_va, y_va, X_te)
    preprocessing  preprocess(train_df, test_df) -> (X_train, X_test)
    features       add_features(train_df, test_df) -> (train_df, test_df)
    model          fit_predict(X_tr, y_tr, X_va, y_va, X_te) -> (pred_va, pred_te), MODEL_NAMES
    validation     oof, test_pred
    postprocess    oof, test_pred (transformed)
    submission     writes submission/, artifacts/ and prints the final line

`train_df.index` holds row positions into `y_all`; test rows are indexed after the train rows, so frames
of train and test rows can be concatenated without index clashes.

With several targets (MULTI_OUTPUT: multilabel 0/1 columns, or several regression targets) `y_all` is an
(n, len(TARGETS)) matrix, `fit_predict` is called once per target column (so every model card serves;
once with all label columns where the model block sets FITS_ALL_LABELS),
`oof` and `test_pred` hold one column per target, and scores are the mean over the columns.
"""

from __future__ import annotations

from string import Template

from .forms import form_reader

SETUP = Template('''\
import os

# Passive OpenMP waiting must be set before any OpenMP library loads: when several scripts share a few
# cores, spinning worker threads slow LightGBM / scikit-learn boosting down by 10x or more.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import json
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.model_selection import KFold, StratifiedKFold

warnings.filterwarnings("ignore")

TASK = ${TASK}
SEED = TASK["seed"]
# MLE_STAR_FOLDS lets a cheaper run (ablation study, smoke test) use fewer folds than the task default.
N_FOLDS = int(os.environ.get("MLE_STAR_FOLDS", TASK["n_folds"]))
INPUT = Path("input")
METRIC = TASK["metric"]
HIGHER_IS_BETTER = TASK["higher_is_better"]
IS_CLASSIFICATION = TASK["task_kind"] != "regression"
START_TIME = time.time()
# Seconds the host lets this script run. Model fits stop adding rounds or epochs once their share of it
# is spent, so a slow model on large data still finishes every fold with a valid, if shorter, fit.
TIME_LIMIT_S = float(os.environ.get("MLE_STAR_TIME_LIMIT_S", "inf"))
FIT_DEADLINE = math.inf  # time.time() at which the current fit should stop (set per fold and member)
# When fits must be done: the end reserve, a tenth of the limit and at least 8 s, is kept for the imports before
# START_TIME, scoring and writing the submission. No limit (a run by hand, the standalone pipeline): never, so that
# every deadline is inf, not nan (inf - inf), which no time comparison can meet.
FITS_END = START_TIME + TIME_LIMIT_S - max(0.1 * TIME_LIMIT_S, 8.0) if math.isfinite(TIME_LIMIT_S) else math.inf
np.random.seed(SEED)


def out_of_fit_time():
    """Whether the current model fit has used its share of the script's time."""
    return time.time() > FIT_DEADLINE


def share_fit_time(fits_left, until=None, overhead=0.0):
    """Sets FIT_DEADLINE to an equal share, per fit still to run, of the time left before `until`
    (default: FITS_END), less `overhead`: the seconds each fit is expected to
    run past its deadline (features, predictions, a late stop), so that the last fits are not left without
    time. The fit keeps at least half its share."""
    global FIT_DEADLINE
    until = FITS_END if until is None else until
    share = max(until - time.time(), 0.0) / max(fits_left, 1)
    FIT_DEADLINE = time.time() + max(share - overhead, share / 2)


def fit_in_time(model, fit, size_param, step):
    """Fits a warm-startable model (forest trees, boosting iterations) up to its `size_param`, in chunks of at
    most `step` units, until its share of the time is spent or a boosting model stopped early by itself. The
    first chunk is a tenth of `step` and later ones are sized from the time a unit took, so that a model whose
    units are slow (many classes on wide data) also stops near its deadline rather than a whole step past it."""
    total = model.get_params()[size_param]
    model.set_params(warm_start=True, **{size_param: min(max(1, step // 10), total)})
    start = time.time()
    fit()
    while True:
        size = model.get_params()[size_param]
        if size >= total or getattr(model, "n_iter_", size) < size:
            return model
        if out_of_fit_time():
            print(f"  stopped at {size} of {total} {size_param}: the fit's share of the time limit is spent")
            return model
        left, unit_s = FIT_DEADLINE - time.time(), max(time.time() - start, 1e-6) / size
        chunk = int(min(step, max(1, left / 2 / unit_s))) if math.isfinite(left) else step
        model.set_params(**{size_param: min(size + chunk, total)})
        fit()


# A folder the host shares between the scripts of one run: features that cost minutes to compute (sentence
# embeddings, spectrograms, media descriptions) are computed by the first script that needs them only.
# Unset when the script runs on its own: everything is computed.
FEATURE_CACHE = os.environ.get("MLE_STAR_FEATURE_CACHE")


def cached_array(key, compute):
    """`compute()` (a numpy array), or the array an earlier script of this run computed under the same `key`
    (a repr-able description of everything the array depends on)."""
    if not FEATURE_CACHE:
        return compute()
    import hashlib

    path = Path(FEATURE_CACHE) / (hashlib.sha256(repr(key).encode()).hexdigest()[:32] + ".npy")
    if path.is_file():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):  # a file cut short by a killed writer: compute again
            pass
    value = np.asarray(compute())
    if value.dtype != object:
        partial = path.with_name(f"{path.stem}.{os.getpid()}.part")
        try:
            with open(partial, "wb") as handle:
                np.save(handle, value, allow_pickle=False)
            os.replace(partial, path)  # atomic: a concurrent reader sees the whole file or none
        except OSError as exc:
            print(f"  feature cache not written ({exc}); later scripts compute these features again")
    return value


def parse_dates(series):
    """UTC timestamps of a column of dates (NaT where a value is none). The format is inferred from the first
    value, which is fast; a column written in several formats is parsed value by value (8x slower)."""
    stamps = pd.to_datetime(series, errors="coerce", utc=True)
    if stamps.isna().sum() > series.isna().sum():
        stamps = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
    return stamps


def content_key(values):
    """A short fingerprint of a Series or array's values, for `cached_array` keys."""
    import hashlib

    hashed = pd.util.hash_pandas_object(pd.Series(np.asarray(values, dtype=object).ravel()), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()[:32]


MEDIA_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".wav", ".mp3", ".flac",
                  ".ogg", ".aif", ".aiff")


def read_listing(path, spec):
    """The training files of a folder or zip archive as a table: each file's name (without its extension
    unless spec["with_extension"]) and the label its name carries (part spec["label_token"] of the name
    split at '.', '_' and '-'), in columns named like the sample submission's."""
    import re
    import zipfile

    if path.is_dir():
        names = [p.name for p in path.rglob("*") if p.is_file()]
    else:
        with zipfile.ZipFile(path) as archive:
            names = [n.rsplit("/", 1)[-1] for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    names = sorted(n for n in names if n.lower().endswith(MEDIA_SUFFIXES) and not n.startswith("."))
    stems = [n.rsplit(".", 1)[0] for n in names]
    return pd.DataFrame({spec["id_column"]: names if spec["with_extension"] else stems,
                         spec["target_column"]: [re.split(r"[._-]", s)[spec["label_token"]] for s in stems]})


def read_table(path):
    """A table by its file name: parquet, JSON records (list fields joined by spaces), tab-separated, or
    comma-separated (compressed or not); the training listing of TASK["train_listing"], when there is one.
    Ids and image names are read as text: a hex id such as 1234e5 would otherwise become a number."""
    name = path.name.lower()
    if TASK.get("train_listing") and path.name == TASK["train_listing"]["source"]:
        return read_listing(path, TASK["train_listing"])
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith((".json", ".jsonl", ".ndjson")):
        text = path.read_text(encoding="utf-8")
        records = [json.loads(line) for line in text.splitlines() if line.strip()] if not name.endswith(".json") \
            else json.loads(text)
        frame = pd.DataFrame.from_records(records)
        for col in frame.columns:
            if frame[col].map(lambda v: isinstance(v, list)).any():
                frame[col] = frame[col].map(lambda v: " ".join(map(str, v)) if isinstance(v, list) else v)
        return frame
    keys = {c: str for c in [*TASK["id_columns"], TASK.get("image_column")] if c}
    return pd.read_csv(path, sep="\t" if ".tsv" in name else ",", dtype=keys)


${FORM}
if TASK.get("form"):
    train_raw, test_raw = read_form(TASK["form"])
else:
    train_raw = read_table(INPUT / TASK["train_file"])
    test_raw = read_table(INPUT / TASK["test_file"])
sample_submission = read_table(INPUT / TASK["sample_submission_file"]) if TASK["sample_submission_file"] else None
# Several target columns (multilabel 0/1 columns, or several regression targets) get one model each.
TARGETS = list(TASK["train_target_columns"] or [TASK["train_target_column"]])
MULTI_OUTPUT = len(TARGETS) > 1 or TASK["task_kind"] == "multilabel"
TARGET = TARGETS[0]
train_raw = train_raw.dropna(subset=TARGETS).reset_index(drop=True)
# Threads per model: on small data, thread start-up costs more than it saves.
N_JOBS = int(os.environ.get("MLE_STAR_JOBS", "1" if len(train_raw) < 20000 else "2"))
${MEDIA}${IMAGES}
${AUDIO}
# Id columns are keys, not inputs, unless they hold text (a comment that is its own key).
excluded = ((set(TASK["id_columns"]) - set(TASK["text_columns"])) | set(TARGETS) | FORM_EXCLUDED
            | {TASK["image_column"], TASK.get("audio_column")})
FEATURES = [c for c in (TASK["feature_columns"] or train_raw.columns) if c in test_raw.columns and c not in excluded]
FEATURES += [c for c in PIXEL_COLUMNS + AUDIO_COLUMNS + FORM_COLUMNS if c not in FEATURES]
# Numbers already: preprocessing passes them as one block.
MEDIA_COLUMNS = set(PIXEL_COLUMNS) | set(AUDIO_COLUMNS) | set(FORM_COLUMNS)
# Rows of one group (an image's pixels, a sentence's tokens) stay in one fold.
GROUPS = train_raw[GROUP_COLUMN].astype(str).to_numpy() if GROUP_COLUMN else None
# A long-form submission scored over all (row, label) pairs at once: the score pools the labels too.
POOLED = bool((TASK.get("form") or {}).get("rows", {}).get("pooled"))

if MULTI_OUTPUT:
    # y_all is (n, len(TARGETS)); each column is fit on its own, as 0/1 labels or as values.
    CLASSES, N_CLASSES = ([0, 1], 2) if IS_CLASSIFICATION else (None, 1)
    y_all = train_raw[TARGETS].to_numpy(dtype=float)
    if IS_CLASSIFICATION:
        if not np.isin(y_all, (0, 1)).all():
            raise ValueError(f"multilabel targets {TARGETS} must hold 0 or 1 only")
        y_all = y_all.astype(int)
elif IS_CLASSIFICATION:
    CLASSES = list(TASK["classes"] or sorted(train_raw[TARGET].unique().tolist()))
    N_CLASSES = len(CLASSES)
    label_index = {}
    for i, label in enumerate(CLASSES):
        label_index.setdefault(label, i)
        label_index.setdefault(str(label), i)
    y_all = np.array([label_index.get(v, label_index.get(str(v), -1)) for v in train_raw[TARGET]])
    if (y_all < 0).any():
        unknown = sorted({str(v) for v, i in zip(train_raw[TARGET], y_all) if i < 0})
        raise ValueError(f"train labels {unknown[:5]} are not in TASK['classes'] {CLASSES}")
else:
    CLASSES, N_CLASSES = None, 1
    y_all = train_raw[TARGET].to_numpy(dtype=float)

train_df = train_raw[FEATURES].copy()
test_df = test_raw[FEATURES].copy()
test_df.index = np.arange(len(train_df), len(train_df) + len(test_df))
print(f"train {train_df.shape}, test {test_df.shape}, task {TASK['task_kind']}, metric {METRIC}, {N_FOLDS} folds")


def make_folds(seed):
    """K-fold split of the train rows (stratified for classification, by group where rows are grouped) as a
    list of (train_idx, valid_idx)."""
    if GROUPS is not None:
        from sklearn.model_selection import GroupKFold

        return list(GroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(y_all, groups=GROUPS))
    if IS_CLASSIFICATION and not MULTI_OUTPUT and np.bincount(y_all).min() >= 2:
        splitter = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y_all)), y_all))


FOLDS = make_folds(SEED)


def fit_each_column(fit, X_tr, y_tr, X_va, y_va, X_te):
    """`fit(X_tr, y_column, X_va, y_va_column, X_te) -> (pred_va, pred_te)` per column of the (n, k) targets,
    each in an equal share of the current fit's time: (n, k) probabilities of 1 (labels) or values. A label
    never (or always) seen in these train rows is predicted at its rate there."""
    fit_end, columns_va, columns_te = FIT_DEADLINE, [], []
    for j in range(y_tr.shape[1]):
        share_fit_time(y_tr.shape[1] - j, until=fit_end)
        if IS_CLASSIFICATION and len(np.unique(y_tr[:, j])) < 2:
            pred_va, pred_te = np.full(len(X_va), float(y_tr[0, j])), np.full(len(X_te), float(y_tr[0, j]))
        else:
            pred_va, pred_te = fit(X_tr, y_tr[:, j], X_va, y_va[:, j], X_te)
            if IS_CLASSIFICATION:
                pred_va, pred_te = proba_matrix(pred_va)[:, 1], proba_matrix(pred_te)[:, 1]
        columns_va.append(np.asarray(pred_va, dtype=float).reshape(-1))
        columns_te.append(np.asarray(pred_te, dtype=float).reshape(-1))
    return np.column_stack(columns_va), np.column_stack(columns_te)


def proba_matrix(pred):
    """Class probabilities as an (n, N_CLASSES) matrix, clipped and renormalised."""
    pred = np.asarray(pred, dtype=float)
    if pred.ndim == 1:
        pred = np.column_stack([1 - pred, pred])
    pred = np.clip(pred, 1e-15, 1)
    return pred / pred.sum(axis=1, keepdims=True)


def pred_labels(pred):
    """Class indices from probabilities (argmax; 0.5 threshold for a binary vector)."""
    pred = np.asarray(pred)
    return pred.argmax(axis=1) if pred.ndim == 2 else (pred >= 0.5).astype(int)


def score_predictions(y_true, pred):
    """The task metric of predictions (probabilities for classification, values for regression); with
    several targets, the mean of the metric over the target columns (as "mean column-wise" metrics are)."""
    y_true, pred = np.asarray(y_true), np.asarray(pred, dtype=float)
    if MULTI_OUTPUT and y_true.ndim == 2 and POOLED:
        return form_score(score_column(y_true.ravel(), pred.ravel()))
    if MULTI_OUTPUT and y_true.ndim == 2:
        scored = [j for j in range(y_true.shape[1]) if not IS_CLASSIFICATION or 0 < y_true[:, j].sum() < len(y_true)]
        return float(np.mean([score_column(y_true[:, j], pred[:, j]) for j in scored or range(y_true.shape[1])]))
    return form_score(score_column(y_true, pred))


def score_column(y_true, pred):
    """The task metric of one target's predictions."""
    if IS_CLASSIFICATION and N_CLASSES == 2 and pred.ndim == 2:
        pred = proba_matrix(pred)[:, 1]
    if METRIC == "accuracy":
        return skm.accuracy_score(y_true, pred_labels(pred))
    if METRIC == "balanced_accuracy":
        return skm.balanced_accuracy_score(y_true, pred_labels(pred))
    if METRIC.startswith("f1"):
        average = METRIC[3:] or ("binary" if N_CLASSES == 2 else "macro")
        return skm.f1_score(y_true, pred_labels(pred), average=average)
    if METRIC == "roc_auc":
        if pred.ndim == 1:
            return skm.roc_auc_score(y_true, pred)
        # One-vs-rest macro average of the probabilities as saved, as the host's metric registry scores
        # them: renormalising rows first would break ties between equal probabilities (zeros, say).
        present = [j for j in range(N_CLASSES) if 0 < (y_true == j).sum() < len(y_true)]
        return float(np.mean([skm.roc_auc_score(y_true == j, pred[:, j]) for j in present]))
    if METRIC == "average_precision":
        return skm.average_precision_score(y_true, pred if pred.ndim == 1 else proba_matrix(pred)[:, 1])
    if METRIC == "log_loss":
        return skm.log_loss(y_true, proba_matrix(pred), labels=list(range(N_CLASSES)))
    if METRIC == "qwk":
        if IS_CLASSIFICATION:
            return skm.cohen_kappa_score(y_true, pred_labels(pred), weights="quadratic")
        rounded = np.clip(np.rint(pred), y_all.min(), y_all.max())
        return skm.cohen_kappa_score(y_true.astype(int), rounded.astype(int), weights="quadratic")
    if METRIC == "rmse":
        return float(np.sqrt(np.mean((pred - y_true) ** 2)))
    if METRIC == "mse":
        return float(np.mean((pred - y_true) ** 2))
    if METRIC == "mae":
        return float(np.mean(np.abs(pred - y_true)))
    if METRIC == "rmsle":
        return float(np.sqrt(np.mean((np.log1p(np.clip(pred, 0, None)) - np.log1p(y_true)) ** 2)))
    if METRIC == "r2":
        return skm.r2_score(y_true, pred)
    if METRIC == "mape":
        return skm.mean_absolute_percentage_error(y_true, pred)
    raise ValueError(f"unknown metric {METRIC!r}")


def round_whole_numbers(oof, test_pred):
    """MAE on a whole-number target (counts, ratings): the median of such a target given the features, which
    MAE rewards, is a whole number too, so predictions are rounded when that lowers the out-of-fold MAE
    (nothing is fitted on them, so the score stays honest). Other tasks: returned as they are."""
    if METRIC != "mae" or IS_CLASSIFICATION or np.ndim(oof) != 1 or not np.all(np.mod(y_all, 1) == 0):
        return oof, test_pred
    before, after = score_predictions(y_all, oof), score_predictions(y_all, np.rint(oof))
    if not after < before:
        print(f"whole numbers: MAE {before:.5f} -> {after:.5f} out of fold when rounded; left unrounded")
        return oof, test_pred
    print(f"whole numbers: MAE {before:.5f} -> {after:.5f} out of fold when rounded; rounded")
    return np.rint(oof), np.rint(test_pred)


def is_better(a, b):
    """Whether score a beats score b under the task metric's direction."""
    return a > b if HIGHER_IS_BETTER else a < b


def safe_column_names(frame):
    """Column names that every model library accepts (letters, digits, underscores), kept unique."""
    seen, names = set(), []
    for col in frame.columns:
        name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in str(col)) or "col"
        while name in seen:
            name += "_"
        seen.add(name)
        names.append(name)
    frame.columns = names
    return frame
''')

NO_IMAGES = '''IMG_SHAPE = None
PIXEL_COLUMNS = []
'''

MEDIA = '''

class MediaFiles:
    """The files under input/ with these suffixes (images, sound clips), on disk or inside zip archives,
    found by a column value: a path under input/ (an archive's members under the archive's path:
    train.zip/train/1.jpg), else a file name or id, looked up in the split's `folder` first (train and
    test files often sit in folders of their own), then anywhere."""

    def __init__(self, suffixes):
        import zipfile

        self.where, self.by_name, self.archives = {}, {}, {}
        for folder, _, names in os.walk(INPUT, followlinks=True):
            for name in names:
                path = Path(folder) / name
                relative = path.relative_to(INPUT).as_posix()
                if name.lower().endswith(suffixes):
                    self.where[relative] = path
                elif name.lower().endswith(".zip") and zipfile.is_zipfile(path):
                    with zipfile.ZipFile(path) as archive:
                        for member in archive.namelist():
                            if member.lower().endswith(suffixes) and "__MACOSX" not in member:
                                self.where[f"{relative}/{member}"] = (path, member)
        for key in sorted(self.where):
            name = key.rsplit("/", 1)[-1]
            for alias in dict.fromkeys((name, name.rsplit(".", 1)[0])):
                self.by_name.setdefault(alias, []).append(key)

    def read(self, value, folder):
        """The bytes of the file `value` names."""
        import zipfile

        value = str(value)
        where = self.where.get(value) or self.where.get(f"{folder}/{value}")
        if where is None:
            matches = self.by_name.get(value.rsplit("/", 1)[-1])
            if not matches:
                raise FileNotFoundError(f"no file for {value!r} under {INPUT} (nor in its zip archives)")
            preferred = [key for key in matches if key.rsplit("/", 1)[0] == folder]
            where = self.where[(preferred or matches)[0]]
        if isinstance(where, tuple):
            if where[0] not in self.archives:
                self.archives[where[0]] = zipfile.ZipFile(where[0])
            return self.archives[where[0]].read(where[1])
        return where.read_bytes()
'''

IMAGES = Template('''
# Images become pixel columns px_0, px_1, ... (channel-major, scaled to [0, 1]); IMG_SHAPE = (C, H, W).
IMAGE_MAX_SIDE = ${IMAGE_MAX_SIDE}
IMAGE_FILES = MediaFiles((".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"))


def open_image(value, folder):
    """The image a column value names (see MediaFiles), opened with PIL."""
    import io

    from PIL import Image

    return Image.open(io.BytesIO(IMAGE_FILES.read(value, folder)))


def load_pixels(values, folder, mode, side):
    """(n, C, side, side) float32 pixels in [0, 1] of the images `values` name (kept in the run's cache)."""
    from PIL import Image

    def decode():
        rows = []
        for value in values:
            with open_image(value, folder) as img:
                img.draft(mode, (side, side))  # JPEGs decode at a reduced size when much larger than needed
                img = img.convert(mode)
                if img.size != (side, side):
                    img = img.resize((side, side), Image.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
            rows.append(arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1))
        return np.stack(rows)

    key = ("pixels", content_key(values), folder, mode, side)
    return cached_array(key, decode).astype(np.float32) / 255.0


IMG_SHAPE, PIXEL_COLUMNS = None, []
if TASK["image_column"]:
    with open_image(train_raw[TASK["image_column"]].iloc[0], TASK["image_folder"]) as first:
        image_mode = "L" if first.mode in ("1", "L", "LA", "P", "I", "I;16", "F") else "RGB"
        image_side = min(IMAGE_MAX_SIDE, max(first.size))
    pixels_tr = load_pixels(train_raw[TASK["image_column"]], TASK["image_folder"], image_mode, image_side)
    pixels_te = load_pixels(test_raw[TASK["image_column"]], TASK["test_image_folder"], image_mode, image_side)
    IMG_SHAPE = pixels_tr.shape[1:]
    PIXEL_COLUMNS = [f"px_{i}" for i in range(int(np.prod(IMG_SHAPE)))]
    train_raw = pd.concat([train_raw, pd.DataFrame(pixels_tr.reshape(len(train_raw), -1), columns=PIXEL_COLUMNS)], axis=1)
    test_raw = pd.concat([test_raw, pd.DataFrame(pixels_te.reshape(len(test_raw), -1), columns=PIXEL_COLUMNS)], axis=1)
    print(f"loaded images as {IMG_SHAPE} pixel arrays")
''')

NO_AUDIO = '''AUDIO_COLUMNS = []
'''

AUDIO = '''
# Sound clips become columns au_0, au_1, ...: per frequency band the mean, spread and peak of the log
# spectrogram, a 16x16 thumbnail of it (bands by time), and 20 cepstral means.
SOUND_FILES = MediaFiles((".wav", ".aif", ".aiff"))


def read_sound(data):
    """(mono samples in [-1, 1], rate) of a PCM WAV or AIFF file's bytes."""
    import io
    import struct
    import wave

    if data[:4] == b"FORM":
        position, channels, bits, rate, samples = 12, 1, 16, 0, b""
        while position + 8 <= len(data):
            kind, size = data[position: position + 4], struct.unpack(">I", data[position + 4: position + 8])[0]
            body = data[position + 8: position + 8 + size]
            if kind == b"COMM":
                channels, _, bits = struct.unpack(">hIh", body[:8])
                exponent = struct.unpack(">H", body[8:10])[0] & 0x7FFF
                rate = round(int.from_bytes(body[10:18], "big") * 2.0 ** (exponent - 16383 - 63))
            elif kind == b"SSND":
                samples = body[8 + struct.unpack(">I", body[:4])[0]:]
            position += 8 + size + (size % 2)
        values = np.frombuffer(samples, dtype={8: ">i1", 16: ">i2", 32: ">i4"}[bits]) / float(2 ** (bits - 1))
        return values.reshape(-1, channels).mean(axis=1), rate
    with wave.open(io.BytesIO(data)) as clip:
        width, channels, rate = clip.getsampwidth(), clip.getnchannels(), clip.getframerate()
        raw = clip.readframes(clip.getnframes())
    values = np.frombuffer(raw, dtype={1: np.uint8, 2: "<i2", 4: "<i4"}[width]).astype(float)
    values = (values - 128) / 128 if width == 1 else values / float(2 ** (8 * width - 1))
    return values.reshape(-1, channels).mean(axis=1), rate


def sound_features(samples, rate, bands=32):
    """The au_* description of one clip (see the block's comment)."""
    from scipy.fft import dct

    frame, hop = max(int(0.025 * rate), 16), max(int(0.010 * rate), 8)
    samples = np.pad(samples, (0, max(0, frame - len(samples))))
    starts = np.arange(0, len(samples) - frame + 1, hop)
    frames = samples[starts[:, None] + np.arange(frame)] * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    edges = np.linspace(0, power.shape[1], bands + 1).astype(int)
    banded = np.log(np.stack([power[:, a: max(b, a + 1)].sum(1) for a, b in zip(edges[:-1], edges[1:])], 1) + 1e-10)
    rows = np.array_split(np.arange(banded.shape[0]), 16)
    cols = np.array_split(np.arange(bands), 16)
    thumb = np.array([[banded[np.ix_(r, c)].mean() for r in rows] for c in cols])
    cepstral = dct(banded, axis=1, norm="ortho")[:, :20].mean(0)
    return np.concatenate([banded.mean(0), banded.std(0), banded.max(0), (thumb - thumb.mean()).ravel(), cepstral])


def load_sounds(values, folder):
    """The au_* description of each clip `values` name (kept in the run's cache)."""
    return cached_array(("sound features", content_key(values), folder),
                        lambda: np.stack([sound_features(*read_sound(SOUND_FILES.read(v, folder))) for v in values]))


sounds_tr = load_sounds(train_raw[TASK["audio_column"]], TASK["audio_folder"])
sounds_te = load_sounds(test_raw[TASK["audio_column"]], TASK["test_audio_folder"])
AUDIO_COLUMNS = [f"au_{i}" for i in range(sounds_tr.shape[1])]
train_raw = pd.concat([train_raw, pd.DataFrame(sounds_tr, columns=AUDIO_COLUMNS)], axis=1)
test_raw = pd.concat([test_raw, pd.DataFrame(sounds_te, columns=AUDIO_COLUMNS)], axis=1)
print(f"described each sound clip by {len(AUDIO_COLUMNS)} spectrogram features")
'''

PREPROCESSING = '''\
ONE_HOT_MAX_LEVELS = 0  # categoricals with at most this many levels become 0/1 columns; others stay categories
TEXT_SVD_COMPONENTS = 32  # each text column becomes this many TF-IDF + truncated-SVD components


PREPROCESS_STEPS = []  # functions (train_df, test_df) -> (train_df, test_df), run before the encoding


def is_categorical_column(name, series):
    return name in TASK["categorical_columns"] or not pd.api.types.is_numeric_dtype(series)


def date_columns(col, series, out):
    """Adds a datetime column as days since 1970 and as its calendar parts: seasons, weekdays and hours are
    then single splits instead of being buried in a timestamp."""
    stamps = parse_dates(series)
    out[col] = ((stamps - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    for part in ("year", "month", "day", "dayofweek", "dayofyear", "hour"):
        out[f"{col}_{part}"] = getattr(stamps.dt, part).astype(float).to_numpy()
    out[f"{col}_weekend"] = (stamps.dt.dayofweek >= 5).astype(float).to_numpy()


def code_characters(col, train_codes, test_codes, out_tr, out_te):
    """Adds a code column's characters by position (categories of the train rows' characters) and its
    count of distinct characters: a code's parts ("BAACBAHDGC") often carry what its many rare whole
    values spread too thin."""
    for i in range(TASK["code_columns"][col]):
        tr, te = train_codes.str[i], test_codes.str[i]
        levels = sorted(tr.dropna().unique())
        out_tr[f"{col}_char{i}"] = pd.Categorical(tr, categories=levels)
        out_te[f"{col}_char{i}"] = pd.Categorical(te, categories=levels)
    for codes, out in ((train_codes, out_tr), (test_codes, out_te)):
        distinct = codes.map(lambda v: len(set(v)) if isinstance(v, str) else np.nan)
        out[f"{col}_distinct_chars"] = distinct.to_numpy(dtype=float)


def text_components(train_text, test_text):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(max_features=20000, ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    try:
        tfidf_tr = vectorizer.fit_transform(train_text.fillna("").astype(str))
    except ValueError:  # empty vocabulary
        return np.zeros((len(train_text), 0)), np.zeros((len(test_text), 0))
    tfidf_te = vectorizer.transform(test_text.fillna("").astype(str))
    k = min(TEXT_SVD_COMPONENTS, tfidf_tr.shape[1] - 1, tfidf_tr.shape[0] - 1)
    if k < 1:
        return np.zeros((len(train_text), 0)), np.zeros((len(test_text), 0))
    svd = TruncatedSVD(n_components=k, random_state=SEED)
    return svd.fit_transform(tfidf_tr), svd.transform(tfidf_te)


def preprocess(train_df, test_df):
    """Encodes features, fit on the train rows only.

    Numbers -> float (NaN kept: the models handle it); categoricals -> pandas category dtype whose
    categories are the train levels by frequency (unseen levels -> NaN), and a code's characters by
    position besides; datetimes -> days since 1970 and calendar parts; text -> TF-IDF SVD components.
    """
    for step in PREPROCESS_STEPS:
        train_df, test_df = step(train_df, test_df)
    out_tr, out_te = {}, {}
    # Pixel and sound columns are numbers already: passed through as one block (column by column takes
    # seconds a fold).
    pixels = [c for c in train_df.columns if c in MEDIA_COLUMNS]
    for col in train_df.columns:
        tr, te = train_df[col], test_df[col]
        if col in MEDIA_COLUMNS:
            continue
        if col in TASK["datetime_columns"]:
            date_columns(col, tr, out_tr)
            date_columns(col, te, out_te)
        elif col in TASK["text_columns"]:
            comps_tr, comps_te = text_components(tr, te)
            for j in range(comps_tr.shape[1]):
                out_tr[f"{col}_svd{j}"], out_te[f"{col}_svd{j}"] = comps_tr[:, j], comps_te[:, j]
        elif is_categorical_column(col, tr):
            tr, te = tr.astype("string"), te.astype("string")
            counts = tr.value_counts()
            levels = sorted(counts.index, key=lambda level: (-counts[level], level))
            if len(levels) <= ONE_HOT_MAX_LEVELS:
                for level in levels:
                    out_tr[f"{col}={level}"] = (tr == level).fillna(False).to_numpy(dtype=float)
                    out_te[f"{col}={level}"] = (te == level).fillna(False).to_numpy(dtype=float)
            else:
                out_tr[col] = pd.Categorical(tr, categories=levels)
                out_te[col] = pd.Categorical(te, categories=levels)
            if col in TASK.get("code_columns", {}):  # scripts written before codes were read have none
                code_characters(col, tr, te, out_tr, out_te)
        else:
            out_tr[col] = pd.to_numeric(tr, errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan).to_numpy()
            out_te[col] = pd.to_numeric(te, errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan).to_numpy()
    X_tr = pd.concat([pd.DataFrame(out_tr, index=train_df.index), train_df[pixels]], axis=1)
    X_te = pd.concat([pd.DataFrame(out_te, index=test_df.index), test_df[pixels]], axis=1)
    return safe_column_names(X_tr), safe_column_names(X_te)
'''

MINIMAL_PREPROCESSING = '''\
def preprocess(train_df, test_df):
    """Minimal encoding: numbers with the train median filled in, everything else as ordinal codes."""
    out_tr, out_te = {}, {}
    for col in train_df.columns:
        tr, te = train_df[col], test_df[col]
        if pd.api.types.is_numeric_dtype(tr) and col not in TASK["categorical_columns"]:
            fill = tr.median()
            fill = 0.0 if pd.isna(fill) else fill
            out_tr[col] = tr.astype(float).fillna(fill).to_numpy()
            out_te[col] = te.astype(float).fillna(fill).to_numpy()
        else:
            codes = {level: i for i, level in enumerate(pd.unique(tr.astype("string").dropna()))}
            out_tr[col] = tr.astype("string").map(codes).astype(float).fillna(-1).to_numpy()
            out_te[col] = te.astype("string").map(codes).astype(float).fillna(-1).to_numpy()
    X_tr = pd.DataFrame(out_tr, index=train_df.index)
    X_te = pd.DataFrame(out_te, index=test_df.index)
    return safe_column_names(X_tr), safe_column_names(X_te)
'''

FEATURES = '''\
FEATURE_STEPS = []  # functions (train_df, test_df) -> (train_df, test_df); fit on train_df rows only


def add_features(train_df, test_df):
    """Adds engineered columns; `train_df.index` gives each row's position in y_all (for target statistics)."""
    for step in FEATURE_STEPS:
        train_df, test_df = step(train_df, test_df)
    return train_df, test_df
'''

VALIDATION = Template('''\
N_REPEATS = ${N_REPEATS}  # >1 repeats the k-fold split with new seeds and averages: steadier score and test predictions
# True: also fit on all rows but a stop set, time allowing; test predictions: the mean of it and the folds'. A run
# that needs the score only (the ablation study) sets MLE_STAR_REFIT_ALL_ROWS=0.
REFIT_ALL_ROWS = os.environ.get("MLE_STAR_REFIT_ALL_ROWS", "${REFIT_ALL_ROWS}") == "1"


def fit_predict_targets(X_tr, y_tr, X_va, y_va, X_te):
    """`fit_predict`, or with several targets `fit_predict` per target column, each in an equal share of the
    fold's time (all label columns at once where the model block fits them jointly): (n, len(TARGETS))
    probabilities of 1 (multilabel) or values."""
    # A hand-written model block does not define FITS_ALL_LABELS: one fit per column.
    if not MULTI_OUTPUT or globals().get("FITS_ALL_LABELS"):
        return fit_predict(X_tr, y_tr, X_va, y_va, X_te)
    return fit_each_column(fit_predict, X_tr, y_tr, X_va, y_va, X_te)


def fit_rows(fit_idx, held_idx):
    """Features, preprocessing and the model fit on the `fit_idx` training rows: (predictions for the `held_idx`
    training rows, for the test rows, the number of features)."""
    fit_feat, rest_feat = add_features(train_df.iloc[fit_idx], pd.concat([train_df.iloc[held_idx], test_df]))
    X_fit, X_rest = preprocess(fit_feat, rest_feat)
    pred_held, pred_te = fit_predict_targets(X_fit, y_all[fit_idx], X_rest[: len(held_idx)], y_all[held_idx],
                                             X_rest[len(held_idx):])
    return pred_held, pred_te, X_fit.shape[1]


def run_cv():
    """K-fold loop: features and preprocessing are fit inside each fold, so nothing leaks from validation rows."""
    if MULTI_OUTPUT:
        oof = np.zeros(y_all.shape)
    elif IS_CLASSIFICATION and N_CLASSES > 2:
        oof = np.zeros((len(y_all), N_CLASSES))
    else:
        oof = np.zeros(len(y_all))
    test_pred = np.zeros((len(test_df),) + oof.shape[1:])
    overruns = []  # seconds each finished fold ran past its fit deadline
    cv_start = time.time()
    for repeat in range(N_REPEATS):
        folds = FOLDS if repeat == 0 else make_folds(SEED + repeat)
        for fold, (tr_idx, va_idx) in enumerate(folds):
            start = time.time()
            share_fit_time((N_REPEATS - repeat) * len(folds) - fold, overhead=np.mean(overruns) if overruns else 0.0)
            deadline = FIT_DEADLINE
            pred_va, pred_te, n_features = fit_rows(tr_idx, va_idx)
            oof[va_idx] += np.asarray(pred_va) / N_REPEATS
            test_pred += np.asarray(pred_te) / (N_REPEATS * len(folds))
            label = f"fold {fold + 1}/{len(folds)}" + (f" (repeat {repeat + 1})" if N_REPEATS > 1 else "")
            print(f"{label}: {METRIC}={score_predictions(y_all[va_idx], pred_va):.5f} "
                  f"[{n_features} features, {time.time() - start:.1f}s]", flush=True)
            if math.isfinite(deadline):
                overruns.append(max(time.time() - deadline, 0.0))
    if REFIT_ALL_ROWS:
        refit = refit_test_predictions((time.time() - cv_start) / (N_REPEATS * len(FOLDS)))
        if refit is not None:
            test_pred = (test_pred + refit) / 2
    return oof, test_pred


def refit_test_predictions(fold_s):
    """Test predictions of one more fit, on all training rows but a random stop set for early stopping (a tenth, at
    most 2,500 rows), or None when the time left cannot hold it. Each fold model sees (k-1)/k of the rows; this one
    sees nearly all, which counts most where rows come in small groups (users, schools). The out-of-fold
    predictions, and so the score, stay those of the folds. (Briefs ask for it on plain tables only, whose rows
    are not grouped.)"""
    needed = 1.5 * fold_s * N_FOLDS / max(N_FOLDS - 1, 1)
    if time.time() + needed > FITS_END:
        print(f"refit on all rows skipped: it needs about {needed:.0f}s, "
              f"{max(FITS_END - time.time(), 0.0):.0f}s are left")
        return None
    n_stop = max(int(min(0.1 * len(y_all), 2500)), 1)  # early stopping needs a row (on any table a user allows)
    stop = np.isin(np.arange(len(y_all)), np.random.RandomState(SEED + 1).permutation(len(y_all))[:n_stop])
    if IS_CLASSIFICATION and not MULTI_OUTPUT:  # every class keeps its rows in the fit, a rare one all of them
        stop &= ~np.isin(y_all, np.flatnonzero(np.bincount(y_all) < 20))
    fit_idx, stop_idx = np.flatnonzero(~stop), np.flatnonzero(stop)
    start = time.time()
    share_fit_time(1)
    pred_stop, pred_te, _ = fit_rows(fit_idx, stop_idx)
    try:
        stop_score = f"{METRIC}={score_predictions(y_all[stop_idx], pred_stop):.5f} on {len(stop_idx)} stop rows"
    except ValueError:  # a metric the stop rows cannot define (one class only)
        stop_score = f"{len(stop_idx)} stop rows"
    print(f"refit on {len(fit_idx)} rows: {stop_score} [{time.time() - start:.1f}s]; test predictions averaged "
          f"with the folds'", flush=True)
    return np.asarray(pred_te)


oof, test_pred = run_cv()
print(f"CV {METRIC}: {score_predictions(y_all, oof):.6f} ({time.time() - START_TIME:.1f}s so far)")
''')


def validation_block(n_repeats: int, refit_all_rows: bool = False) -> str:
    """The validation block: the brief's k-fold split, repeated `n_repeats` times; with `refit_all_rows`, the test
    predictions also average one fit on all training rows but a stop set, when the script's time allows."""
    return VALIDATION.substitute(N_REPEATS=n_repeats, REFIT_ALL_ROWS=int(bool(refit_all_rows)))

POSTPROCESS = '''\
POSTPROCESS_STEPS = []  # functions (oof, test_pred) -> (oof, test_pred); fit only on out-of-fold predictions


def postprocess(oof, test_pred):
    for step in POSTPROCESS_STEPS:
        oof, test_pred = step(oof, test_pred)
    return oof, test_pred


oof, test_pred = postprocess(oof, test_pred)
'''

SUBMISSION = '''\
def make_submission(pred):
    """The submission frame: sample-submission columns, test ids in test-file order."""
    sub = pd.DataFrame(index=range(len(test_raw)))
    targets, fmt = TASK["target_columns"], TASK["prediction_format"]
    pred = np.asarray(pred, dtype=float)
    if MULTI_OUTPUT:
        # Train target columns map onto the submission's target columns in order.
        for j, col in enumerate(targets):
            if IS_CLASSIFICATION:
                sub[col] = np.clip(pred[:, j], 0.0, 1.0) if fmt == "probability" else (pred[:, j] >= 0.5).astype(int)
            else:
                sub[col] = np.clip(pred[:, j], 0.0, None) if METRIC == "rmsle" else pred[:, j]
    elif fmt == "class_probabilities":
        proba = proba_matrix(pred)
        names = [str(c) for c in CLASSES]
        by_name = sorted(map(str, targets)) == sorted(names)
        for j, col in enumerate(targets):
            sub[col] = proba[:, names.index(str(col)) if by_name else j]
    elif fmt == "probability":
        sub[targets[0]] = np.clip(pred, 0.0, 1.0)
    elif IS_CLASSIFICATION:
        sub[targets[0]] = [CLASSES[i] for i in pred_labels(pred)]
    elif METRIC == "qwk":
        sub[targets[0]] = np.clip(np.rint(pred), y_all.min(), y_all.max()).astype(int)
    else:
        sub[targets[0]] = np.clip(pred, 0.0, None) if METRIC == "rmsle" else pred
    if TASK.get("form"):
        return form_submission(sub, pred)
    for col in TASK["id_columns"]:
        sub[col] = (test_raw[col] if col in test_raw.columns else sample_submission[col]).to_numpy()
    columns = list(sample_submission.columns) if sample_submission is not None else TASK["id_columns"] + targets
    return sub[[c for c in columns if c in sub.columns]]


def json_ready(value):
    return value.item() if hasattr(value, "item") else str(value)


unrounded_oof, unrounded_test_pred = oof, test_pred
oof, test_pred = round_whole_numbers(oof, test_pred)
final_score = float(score_predictions(y_all, oof))
Path("submission").mkdir(exist_ok=True)
Path("artifacts").mkdir(exist_ok=True)
make_submission(test_pred).to_csv("submission/submission.csv", index=False)
np.save("artifacts/oof.npy", oof)
np.save("artifacts/test_pred.npy", test_pred)
# An ensemble blends these and rounds its blend. Written for every MAE regression, rounded or not, so that a
# rerun on other data (the final pipeline's) leaves the same files.
if METRIC == "mae" and not IS_CLASSIFICATION:
    np.save("artifacts/oof_unrounded.npy", unrounded_oof)
    np.save("artifacts/test_pred_unrounded.npy", unrounded_test_pred)
meta = {"task_kind": TASK["task_kind"], "metric": METRIC, "higher_is_better": HIGHER_IS_BETTER,
        "classes": CLASSES, "models": list(globals().get("MODEL_NAMES", [])), "score": final_score,
        "n_folds": N_FOLDS}
Path("artifacts/meta.json").write_text(json.dumps(meta, indent=2, default=json_ready))
print(f"total time {time.time() - START_TIME:.1f}s")
print(f"Final Validation Performance: {final_score}")
'''


def setup_block(task_literal: str, image_max_side: int | None, audio: bool = False,
                form: str | None = None) -> str:
    """The setup block body for a TASK literal; images are loaded when `image_max_side` is given, sound
    clips described when `audio`, and the examples read by the `form` reader when the task has one."""
    images = NO_IMAGES if image_max_side is None else IMAGES.substitute(IMAGE_MAX_SIDE=int(image_max_side))
    media = MEDIA if image_max_side is not None or audio else ""
    return SETUP.substitute(TASK=task_literal, MEDIA=media, IMAGES=images, AUDIO=AUDIO if audio else NO_AUDIO,
                            FORM=form_reader(form))
