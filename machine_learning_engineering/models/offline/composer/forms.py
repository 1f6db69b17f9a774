"""Script sources that read the examples of a task form (see `task.forms`) into train and test rows.

Each reader defines `read_form(form) -> (train_raw, test_raw)` and may override what the setup block
defines before it: FORM_COLUMNS (numeric inputs made by the reader, passed through preprocessing as one
block), GROUP_COLUMN (rows of one group stay in one fold: an image's pixels, a sentence's tokens),
FORM_EXCLUDED (columns that are neither inputs nor targets), `form_score(score)` (the task's score from
the score of the rows' predictions) and `form_submission(sub, pred)` (the submission's long form).
"""

from __future__ import annotations

from .token_rules import TOKENS

DEFAULTS = '''FORM_COLUMNS, GROUP_COLUMN, FORM_EXCLUDED = [], None, set()


def form_score(score):
    """The task's score from the score of the rows' predictions (the same unless a form says otherwise)."""
    return score


def form_submission(sub, pred):
    """The submission in the form's long form (as it is unless a form says otherwise)."""
    return sub
'''

RAGGED_LABELS = '''
def read_form(form):
    """Recordings labelled by a ragged text file (`rec_id,3,11`; `rec_id` alone: no class; `rec_id,?`: a
    test row) as train rows with one 0/1 column per class and test rows, each with its file name."""
    key = form["key_column"]
    lines = [line.strip() for line in (INPUT / form["labels_file"]).read_text().splitlines() if line.strip()]
    labels = {}
    for line in lines[1:]:
        parts = [p.strip() for p in line.split(",") if p.strip()]
        labels[int(parts[0])] = None if "?" in parts[1:] else {int(p) for p in parts[1:]}
    names = pd.read_csv(INPUT / form["names_file"], dtype={form["file_column"]: str}) if form["names_file"] else None
    frames = []
    for test in (False, True):
        keys = [k for k, v in labels.items() if (v is None) == test]
        frame = pd.DataFrame({key: keys})
        if names is not None:
            frame = frame.merge(names[[key, form["file_column"]]], on=key, how="left")
        if not test:
            for j in range(form["n_classes"]):
                frame[f"class_{j}"] = [int(j in labels[k]) for k in keys]
        frames.append(frame)
    return frames


def form_submission(sub, pred):
    """The long form: one row per test recording and class, Id = key * multiplier + class."""
    spec, pred = TASK["form"]["submission"], np.clip(np.asarray(pred, dtype=float), 0.0, 1.0)
    keys = test_raw[TASK["form"]["key_column"]].astype(int).to_numpy()
    ids = keys[:, None] * TASK["form"]["multiplier"] + np.arange(pred.shape[1])[None, :]
    out = pd.DataFrame({spec["id_column"]: ids.ravel(), spec["value_column"]: pred.ravel()})
    if sample_submission is not None:  # the sample's row order
        order = pd.to_numeric(sample_submission[spec["id_column"]]).astype(int)
        out = out.set_index(spec["id_column"]).loc[order].reset_index()
    return out
'''

PIXELS = '''
# Each pixel is a row, described by its neighbourhood: intensities around it, local means, minima and
# maxima at three scales, the page's background (a wide maximum filter, smoothed) and the pixel's
# darkness against it, and the page's overall brightness. Training rows are a sample of the pixels.
PIXEL_SAMPLE = 200_000  # training pixels, spread evenly over the training images
PIXEL_WINDOW = 2  # neighbours up to this many pixels away in each direction become columns


def read_grey(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def pixel_features(img):
    """(n_pixels, n_features) float32 description of every pixel of one image, in row-major order."""
    from scipy import ndimage

    columns = [img]
    padded = np.pad(img, PIXEL_WINDOW, mode="edge")
    h, w = img.shape
    for dy in range(-PIXEL_WINDOW, PIXEL_WINDOW + 1):
        for dx in range(-PIXEL_WINDOW, PIXEL_WINDOW + 1):
            if dy or dx:
                columns.append(padded[PIXEL_WINDOW + dy: PIXEL_WINDOW + dy + h, PIXEL_WINDOW + dx: PIXEL_WINDOW + dx + w])
    for size in (3, 7, 15):
        columns += [ndimage.uniform_filter(img, size), ndimage.minimum_filter(img, size),
                    ndimage.maximum_filter(img, size)]
    background = ndimage.uniform_filter(ndimage.maximum_filter(img, 21), 21)
    columns += [background, img - background, img / np.maximum(background, 1e-3)]
    for q in (5, 50, 95):
        columns.append(np.full_like(img, np.percentile(img, q)))
    return np.stack([c.ravel() for c in columns], axis=1).astype(np.float32)


def read_form(form):
    """Training pixels (a sample, with their cleaned value) and every test pixel (with its id), each with its
    image's name and its 1-based `row` and `col` there (as in the ids); sets FORM_COLUMNS to the
    pixel_features columns."""
    global FORM_COLUMNS

    def numbered(folder):
        paths = [p for p in (INPUT / folder).iterdir() if p.is_file()]
        return sorted(paths, key=lambda p: (0, int(p.stem), "") if p.stem.isdigit() else (1, 0, p.stem))

    rng = np.random.default_rng(SEED)
    train_paths, frames = numbered(form["noisy_folder"]), []
    per_image = max(PIXEL_SAMPLE // max(len(train_paths), 1), 1)
    for path in train_paths:
        img = read_grey(path)
        features, clean = pixel_features(img), read_grey(INPUT / form["clean_folder"] / path.name).ravel()
        keep = rng.choice(len(clean), size=min(per_image, len(clean)), replace=False)
        FORM_COLUMNS = [f"pix_{i}" for i in range(features.shape[1])]
        frame = pd.DataFrame(features[keep], columns=FORM_COLUMNS)
        frame["image"], frame["row"], frame["col"] = path.stem, keep // img.shape[1] + 1, keep % img.shape[1] + 1
        frame["value"] = clean[keep]
        frames.append(frame)
    train = pd.concat(frames, ignore_index=True)
    frames = []
    for path in numbered(form["test_folder"]):
        img = read_grey(path)
        rows, cols = np.indices(img.shape)
        frame = pd.DataFrame(pixel_features(img), columns=FORM_COLUMNS)
        frame.insert(0, "id", [f"{path.stem}_{r + 1}_{c + 1}" for r, c in zip(rows.ravel(), cols.ravel())])
        frame["image"], frame["row"], frame["col"] = path.stem, rows.ravel() + 1, cols.ravel() + 1
        frames.append(frame)
    return train, pd.concat(frames, ignore_index=True)


# A pixel's image and place in it are keys (models that read whole images look pixels up by them), not inputs.
FORM_COLUMNS, GROUP_COLUMN, FORM_EXCLUDED = [], "image", {"image", "row", "col"}


def form_submission(sub, pred):
    """One row per test pixel, its intensity within [0, 1]."""
    spec = TASK["form"]["submission"]
    return pd.DataFrame({spec["id_column"]: test_raw["id"].to_numpy(),
                         spec["value_column"]: np.clip(np.asarray(pred, dtype=float), 0.0, 1.0)})
'''

READERS = {"ragged_labels": RAGGED_LABELS, "pixels": PIXELS, "tokens": TOKENS}


def form_reader(kind: str | None) -> str:
    """The setup block's source for a task form: the defaults, and the form's reader when there is one."""
    if kind is None:
        return DEFAULTS
    if kind not in READERS:
        raise ValueError(f"the offline engine cannot read examples of the {kind!r} form")
    return DEFAULTS + READERS[kind]
