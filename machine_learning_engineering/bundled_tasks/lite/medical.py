"""Medical-imaging stand-ins, drawn, in their competitions' exact layouts.

aptos2019-blindness-detection: retina photographs graded 0-4 by how many lesions they show;
    train_images/ and test_images/ PNG folders; quadratic weighted kappa.
histopathologic-cancer-detection: stained tissue tiles (TIFF) whose centre holds tumour cells or not;
    train_labels.csv, train/ and test/ folders, no test table; ROC AUC.
ranzcr-clip-catheter-line-classification: chest X-rays with tubes and lines whose tips sit well or badly;
    eleven label columns in train.csv, nine scored in the sample submission, the tubes' paths in
    train_annotations.csv; mean ROC AUC over the nine.
siim-isic-melanoma-classification: skin lesions plus patient metadata; jpeg/train and jpeg/test folders,
    train-only diagnosis columns; ROC AUC.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from .competition import SEED, Competition, Size
from .images import split
from .pictures import canvas, encode, finish, hex_ids, jitter_colour, scaled

# ----------------------------------------------------------------------------- retinas

GRADE_RATES = (0.49, 0.10, 0.27, 0.06, 0.08)  # the original's share of each grade
# grade -> (microaneurysms, exudates, haemorrhages) drawn as Poisson means
GRADE_LESIONS = ((0.3, 0.0, 0.0), (3.0, 0.5, 0.0), (6.0, 3.0, 1.0), (9.0, 5.0, 4.0), (10.0, 6.0, 6.0))


def _retina(rng: np.random.Generator, grade: int, side: int = 64) -> np.ndarray:
    image, draw = canvas(side, (6, 4, 3))
    c, r = side / 2 + rng.normal(0, 1.5), side * rng.uniform(0.42, 0.48)
    draw.ellipse(scaled([(c - r, c - r), (c + r, c + r)]), fill=jitter_colour(rng, (190, 90, 40), 18))
    draw.ellipse(scaled([(c - r * 0.7, c - r * 0.7), (c + r * 0.7, c + r * 0.7)]),
                 fill=jitter_colour(rng, (205, 105, 50), 10) + (120,))
    disc_x = c + r * rng.uniform(0.3, 0.5) * rng.choice([-1, 1])
    for _ in range(6):  # vessels leave the optic disc
        points, angle = [(disc_x, c)], rng.uniform(0, 2 * math.pi)
        for _ in range(6):
            angle += rng.normal(0, 0.35)
            x, y = points[-1]
            points.append((x + math.cos(angle) * r / 5, y + math.sin(angle) * r / 5))
        draw.line(scaled(points), fill=(120, 30, 20, 200), width=2)
    draw.ellipse(scaled([(disc_x - 4, c - 4), (disc_x + 4, c + 4)]), fill=(240, 200, 120, 220))
    micro, exudates, bleeds = (rng.poisson(m) for m in GRADE_LESIONS[grade])
    if grade == 4:  # new fragile vessels: a tangle near the disc
        for _ in range(int(rng.integers(2, 5))):
            points = [(disc_x + rng.normal(0, 4), c + rng.normal(0, 4)) for _ in range(5)]
            draw.line(scaled(points), fill=(150, 20, 30, 230), width=1)

    def dots(count: int, colour: tuple[int, ...], radius: tuple[float, float]) -> None:
        for _ in range(count):
            a, d = rng.uniform(0, 2 * math.pi), r * math.sqrt(rng.uniform(0, 0.8))
            x, y, s = c + d * math.cos(a), c + d * math.sin(a), rng.uniform(*radius)
            draw.ellipse(scaled([(x - s, y - s), (x + s, y + s)]), fill=jitter_colour(rng, colour, 12) + (230,))

    dots(micro, (110, 15, 15), (0.5, 0.9))
    dots(exudates, (245, 220, 110), (0.6, 1.4))
    dots(bleeds, (90, 10, 10), (1.5, 3.0))
    return finish(image, rng, noise=4.0, blur=0.5 * rng.random())


def aptos2019(size: Size) -> Competition:
    """How severe is the diabetic retinopathy, 0 (none) to 4 (proliferative)?"""
    n = 300 if size == "tiny" else 3000
    rng = np.random.default_rng(SEED)
    grades = rng.choice(5, size=n, p=GRADE_RATES)
    ids = hex_ids(rng, n, 12)
    pictures = {i: encode(_retina(rng, int(g)), "PNG") for i, g in zip(ids, grades)}
    frame = pd.DataFrame({"id_code": ids, "diagnosis": grades})
    train, test = split(frame, 0.1, "diagnosis")
    return Competition(
        public={"train.csv": train, "test.csv": test[["id_code"]],
                "sample_submission.csv": test[["id_code"]].assign(diagnosis=0),
                **{f"train_images/{i}.png": pictures[i] for i in train["id_code"]},
                **{f"test_images/{i}.png": pictures[i] for i in test["id_code"]}},
        private={"test.csv": test},
        description=_APTOS_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- tissue tiles


def _tissue(rng: np.random.Generator, tumour: bool, side: int = 48) -> np.ndarray:
    stain = rng.normal(0, 14, 3)  # each slide is stained a little differently
    image, draw = canvas(side, jitter_colour(rng, np.array((228, 170, 205)) + stain, 6))
    for _ in range(int(rng.integers(3, 7))):  # fibres
        points = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(3)]
        draw.line(scaled(points), fill=jitter_colour(rng, np.array((235, 140, 185)) + stain, 8) + (150,), width=3)

    def nuclei(count: int, box: tuple[float, float], radius: tuple[float, float], colour: tuple[float, ...],
               irregular: float, nucleolus: bool = False) -> None:
        for _ in range(count):
            x, y = rng.uniform(*box), rng.uniform(*box)
            rx, ry = rng.uniform(*radius), rng.uniform(*radius)
            outline = [(x + rx * (1 + rng.uniform(-irregular, irregular)) * math.cos(a),
                        y + ry * (1 + rng.uniform(-irregular, irregular)) * math.sin(a))
                       for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
            draw.polygon(scaled(outline), fill=jitter_colour(rng, np.array(colour) + stain, 12) + (225,))
            if nucleolus:
                draw.ellipse(scaled([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)]), fill=(60, 20, 80, 230))

    # Lymphocytes everywhere: small, dark, round, and as dense in some healthy tiles as in any tumour tile.
    nuclei(int(rng.integers(15, 110)), (0, side), (0.7, 1.3), (100, 50, 140), 0.15)
    if tumour:  # the centre 16x16 holds tumour cells: large, pale, misshapen nuclei with a dark nucleolus
        nuclei(int(rng.integers(2, 8)), (side / 2 - 8, side / 2 + 8), (1.3, 2.4), (140, 90, 170),
               rng.uniform(0.2, 0.45), nucleolus=True)
    if rng.random() < 0.5:  # tumour cells outside the centre do not count; nor do a few pale round histiocytes
        nuclei(int(rng.integers(2, 8)), (0, side / 2 - 9), (1.3, 2.4), (140, 90, 170), 0.35, nucleolus=True)
    nuclei(int(rng.integers(0, 4)), (side / 2 - 10, side / 2 + 10), (1.3, 2.2), (150, 105, 180), 0.05)
    return finish(image, rng, noise=6.0, blur=0.5)


def histopathologic(size: Size) -> Competition:
    """Does the centre 16x16 of this tile hold tumour tissue? About 40% do."""
    n = 300 if size == "tiny" else 5000
    rng = np.random.default_rng(SEED)
    labels = (rng.random(n) < 0.4).astype(int)
    ids = hex_ids(rng, n, 40)
    pictures = {i: encode(_tissue(rng, bool(y)), "TIFF") for i, y in zip(ids, labels)}
    train, test = split(pd.DataFrame({"id": ids, "label": labels}), 0.2, "label")
    return Competition(
        public={"train_labels.csv": train, "sample_submission.csv": test[["id"]].assign(label=0),
                **{f"train/{i}.tif": pictures[i] for i in train["id"]},
                **{f"test/{i}.tif": pictures[i] for i in test["id"]}},
        private={"answers.csv": test},
        description=_HISTO_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- chest X-rays

CATHETER_LABELS = ("ETT - Abnormal", "ETT - Borderline", "ETT - Normal", "NGT - Abnormal", "NGT - Borderline",
                   "NGT - Incompletely Imaged", "NGT - Normal", "CVC - Abnormal", "CVC - Borderline", "CVC - Normal",
                   "Swan Ganz Catheter Present")
UNSCORED = ("CVC - Normal", "Swan Ganz Catheter Present")  # left out of the sample submission, as in MLE-bench
# tube -> (chance it is present, chance of each status when present)
TUBES = {"ETT": (0.25, {"Abnormal": 0.05, "Borderline": 0.3, "Normal": 0.65}),
         "NGT": (0.3, {"Abnormal": 0.1, "Borderline": 0.15, "Incompletely Imaged": 0.25, "Normal": 0.5}),
         "CVC": (0.9, {"Abnormal": 0.12, "Borderline": 0.3, "Normal": 0.58})}


def _tube_path(rng: np.random.Generator, tube: str, status: str, side: int) -> list[tuple[float, float]]:
    """The tube's centre line in pixel coordinates, its tip last; where the tip ends says its status."""
    mid = side / 2 + rng.normal(0, 1.5)
    if tube == "ETT":  # down the trachea: the tip should sit a little above the carina (y ~ 0.42)
        tip = {"Normal": 0.35, "Borderline": 0.43, "Abnormal": 0.52}[status] + rng.normal(0, 0.04)
        return [(mid + rng.normal(0, 0.5), 0.0), (mid, side * 0.2), (mid + rng.normal(0, 1), side * tip)]
    if tube == "NGT":  # down the oesophagus into the stomach (lower left of the image's right side)
        end = {"Normal": (0.68, 0.88), "Borderline": (0.6, 0.7), "Abnormal": (0.35, 0.6),
               "Incompletely Imaged": (0.62, 1.08)}[status]
        return [(mid + 2, 0.0), (mid + 2, side * 0.45), (side * end[0] + rng.normal(0, 1.5), side * end[1])]
    if tube == "CVC":  # from the shoulder into the superior vena cava (tip near x = mid, y ~ 0.4)
        start = (side * 0.1, side * 0.22) if rng.random() < 0.5 else (side * 0.9, side * 0.22)
        tip_y = {"Normal": 0.42, "Borderline": 0.34, "Abnormal": 0.56}[status] + rng.normal(0, 0.04)
        return [start, (mid + (start[0] - mid) * 0.4, side * 0.26), (mid + rng.normal(0, 1), side * tip_y)]
    # Swan Ganz: through the heart into the pulmonary artery
    return [(side * 0.9, side * 0.22), (mid, side * 0.35), (mid - side * 0.05, side * 0.6),
            (mid - side * 0.15, side * 0.45)]


def _chest(rng: np.random.Generator, tubes: list[tuple[str, list[tuple[float, float]]]], side: int = 64) -> np.ndarray:
    image, draw = canvas(side, (20, 20, 20))
    for _ in range(int(rng.integers(0, 4))):  # ECG leads and wires: thin lines that are not tubes
        points = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(3)]
        draw.line(scaled(points), fill=(200, 200, 200), width=1)
    draw.ellipse(scaled([(side * 0.05, side * 0.05), (side * 0.95, side * 1.1)]), fill=(120, 120, 120))
    for x0 in (0.15, 0.55):  # lungs are dark
        draw.ellipse(scaled([(side * x0, side * 0.15), (side * (x0 + 0.3), side * 0.85)]), fill=(55, 55, 55))
    draw.ellipse(scaled([(side * 0.4, side * 0.45), (side * 0.7, side * 0.8)]), fill=(150, 150, 150))  # heart
    for y in np.linspace(0.2, 0.8, 7):  # ribs
        draw.arc(scaled([(side * 0.1, side * (y - 0.1)), (side * 0.9, side * (y + 0.15))]), 200, 340,
                 fill=(140, 140, 140), width=2)
    for _, path in tubes:
        draw.line(scaled(path), fill=(235, 235, 235), width=3)
    # Patients lie a little shifted and the exposure varies, so a tube's tip is judged against the anatomy.
    image = image.rotate(rng.normal(0, 3), translate=tuple(rng.normal(0, 2.5, 2) * 2), fillcolor=(20, 20, 20))
    gray = finish(image, rng, noise=7.0, blur=0.5).mean(axis=2)
    return (gray * rng.uniform(0.8, 1.15)).clip(0, 255).astype(np.uint8)


def ranzcr_clip(size: Size) -> Competition:
    """Which tubes and lines are present, and is each well placed?"""
    n = 300 if size == "tiny" else 3000
    side = 64
    rng = np.random.default_rng(SEED)
    uids = [f"1.2.826.0.1.3680043.8.498.{int(v)}" for v in rng.choice(10**11, size=n, replace=False) + 10**10]
    patients = hex_ids(rng, max(2, n // 3), 9)
    rows, annotations, pictures = [], [], {}
    for uid in uids:
        labels = dict.fromkeys(CATHETER_LABELS, 0)
        drawn = []
        for tube, (chance, statuses) in TUBES.items():
            if rng.random() < chance:
                status = str(rng.choice(list(statuses), p=list(statuses.values())))
                labels[f"{tube} - {status}"] = 1
                drawn.append((f"{tube} - {status}", _tube_path(rng, tube, status, side)))
        if rng.random() < 0.03:
            labels["Swan Ganz Catheter Present"] = 1
            drawn.append(("Swan Ganz Catheter Present", _tube_path(rng, "Swan", "", side)))
        pictures[uid] = encode(_chest(rng, drawn, side), "JPEG")
        rows.append({"StudyInstanceUID": uid, **labels, "PatientID": str(rng.choice(patients))})
        # the original's annotations are in the full-size image's pixels: scale ours to 2048 wide
        annotations += [{"StudyInstanceUID": uid, "label": label,
                         "data": json.dumps([[round(x * 2048 / side), round(y * 2048 / side)] for x, y in path])}
                        for label, path in drawn]
    frame = pd.DataFrame(rows)
    train, test = split(frame, 0.1)
    scored = [c for c in CATHETER_LABELS if c not in UNSCORED]
    notes = pd.DataFrame(annotations, columns=["StudyInstanceUID", "label", "data"])
    return Competition(
        public={"train.csv": train,
                "sample_submission.csv": test[["StudyInstanceUID"]].assign(**dict.fromkeys(scored, 0)),
                "train_annotations.csv": notes[notes["StudyInstanceUID"].isin(set(train["StudyInstanceUID"]))],
                **{f"train/{u}.jpg": pictures[u] for u in train["StudyInstanceUID"]},
                **{f"test/{u}.jpg": pictures[u] for u in test["StudyInstanceUID"]}},
        private={"test.csv": test},
        description=_RANZCR_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- skin lesions

SITES = ("torso", "lower extremity", "upper extremity", "head/neck", "palms/soles", "oral/genital", "")
SITE_RATES = (0.5, 0.25, 0.14, 0.06, 0.015, 0.005, 0.03)
BENIGN_DIAGNOSES = ("unknown", "nevus", "seborrheic keratosis", "lentigo NOS", "lichenoid keratosis")


def _lesion(rng: np.random.Generator, malignant: bool, side: int = 64) -> np.ndarray:
    skin = jitter_colour(rng, (215, 165, 140), 22)
    image, draw = canvas(side, skin)
    for _ in range(int(rng.integers(0, 6))):  # hairs
        x, y, a = rng.uniform(0, side), rng.uniform(0, side), rng.uniform(0, math.pi)
        draw.line(scaled([(x, y), (x + 20 * math.cos(a), y + 20 * math.sin(a))]), fill=(50, 35, 30, 160), width=1)
    c = side / 2 + rng.normal(0, 3, 2)
    radius = rng.uniform(8, 15) * (1.25 if malignant else 1.0)
    irregular = rng.uniform(0.15, 0.4) if malignant else rng.uniform(0.0, 0.2)
    squash = rng.uniform(0.6, 1.0) if malignant else rng.uniform(0.8, 1.0)
    phases = rng.uniform(0, 2 * math.pi, 3)
    outline = []
    for a in np.linspace(0, 2 * math.pi, 40, endpoint=False):
        wobble = 1 + irregular * sum(math.sin(k * a + p) / k for k, p in zip((2, 3, 5), phases))
        outline.append((c[0] + radius * wobble * math.cos(a), c[1] + radius * wobble * squash * math.sin(a)))
    draw.polygon(scaled(outline), fill=jitter_colour(rng, (120, 75, 50), 18))
    colours = [(70, 40, 30), (40, 25, 25), (90, 90, 120)] if malignant else [(100, 60, 40)]
    for _ in range(int(rng.integers(1, 5 if malignant else 3))):  # darker blotches, blue-grey in melanoma
        x, y = c + rng.normal(0, radius / 3, 2)
        s = rng.uniform(2, radius / 2)
        colour = colours[int(rng.integers(len(colours)))]
        draw.ellipse(scaled([(x - s, y - s), (x + s, y + s * squash)]), fill=jitter_colour(rng, colour, 12) + (190,))
    return finish(image, rng, noise=5.0, blur=0.6)


def siim_isic(size: Size) -> Competition:
    """Is this lesion a melanoma? Its look and the patient's age and lesion site tell; about 8% are."""
    n = 400 if size == "tiny" else 4000
    rng = np.random.default_rng(SEED)
    patients = [f"IP_{v:07d}" for v in rng.choice(10**7, size=max(2, n // 6), replace=False)]
    patient = rng.choice(len(patients), size=n)
    patient_age = rng.normal(48, 15, len(patients)).clip(10, 90)
    patient_sex = rng.choice(["male", "female"], size=len(patients))
    age = (np.round(patient_age[patient] / 5) * 5).astype(int)
    sites = rng.choice(len(SITES), size=n, p=SITE_RATES)
    logit = -3.2 + 0.045 * (age - 48) + 0.4 * (patient_sex[patient] == "male") + 0.5 * (sites == 1)
    malignant = rng.random(n) < 1 / (1 + np.exp(-logit))
    names = [f"ISIC_{v:07d}" for v in rng.choice(10**7, size=n, replace=False)]
    pictures = {name: encode(_lesion(rng, bool(m)), "JPEG") for name, m in zip(names, malignant)}
    frame = pd.DataFrame({
        "image_name": names, "patient_id": [patients[p] for p in patient], "sex": patient_sex[patient],
        "age_approx": age.astype(float), "anatom_site_general_challenge": [SITES[s] for s in sites],
        "diagnosis": ["melanoma" if m else str(rng.choice(BENIGN_DIAGNOSES, p=(0.7, 0.2, 0.05, 0.03, 0.02)))
                      for m in malignant],
        "benign_malignant": np.where(malignant, "malignant", "benign"), "target": malignant.astype(int)})
    train, test = split(frame, 0.2, "target")
    meta = ["image_name", "patient_id", "sex", "age_approx", "anatom_site_general_challenge"]
    return Competition(
        public={"train.csv": train, "test.csv": test[meta],
                "sample_submission.csv": test[["image_name"]].assign(target=0),
                **{f"jpeg/train/{i}.jpg": pictures[i] for i in train["image_name"]},
                **{f"jpeg/test/{i}.jpg": pictures[i] for i in test["image_name"]}},
        private={"test.csv": test[["image_name", "target"]]},
        description=_SIIM_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


_APTOS_DESCRIPTION = """\
# APTOS 2019 Blindness Detection (local stand-in)

## Overview

Each image is a photograph of the retina. Grade the diabetic retinopathy it shows, from 0 to 4:
0 - no DR, 1 - mild, 2 - moderate, 3 - severe, 4 - proliferative DR.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The retinas are drawn (64x64 PNG): the more severe the grade, the more microaneurysms (small red
dots), hard exudates (yellow dots) and haemorrhages (dark blotches), with a tangle of new vessels at grade
4; counts overlap between neighbouring grades, as graders' judgements do.

## Data

- `train.csv`: {n_train} rows with `id_code` and `diagnosis` (0-4).
- `test.csv`: {n_test} rows with `id_code`.
- `train_images/`, `test_images/`: `<id_code>.png`.
- `sample_submission.csv`: a valid submission.

## Evaluation

Submissions are scored on the quadratic weighted kappa, which measures the agreement between the
predicted and the actual grades (1 is complete agreement, 0 is chance). Higher is better.

## Submission format

```
id_code,diagnosis
0005cfc8afb6,0
```
"""

_HISTO_DESCRIPTION = """\
# Histopathologic Cancer Detection (local stand-in)

## Overview

Each image is a small tile of a stained lymph-node section. Predict the probability that the centre
16x16 region of the tile holds tumour tissue (`label` = 1). Tumour outside the centre does not count.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The tiles are drawn (48x48 RGB TIFF): pink stroma with purple nuclei, where tumour shows as
crowded, large, dark and misshapen nuclei; stain colour varies from tile to tile.

## Data

- `train_labels.csv`: {n_train} rows with `id` (the tile's file name without extension) and `label`.
- `train/`: `<id>.tif` for the training tiles.
- `test/`: `<id>.tif` for the {n_test} test tiles.
- `sample_submission.csv`: a valid submission listing every test tile (there is no test table).

## Evaluation

Submissions are evaluated on the area under the ROC curve (ROC AUC) between the predicted probability and
the observed target. Higher is better.

## Submission format

```
id,label
0b2ea2a822ad23fdb1b5dd26653da899fbd2c0d5,0
```
"""

_RANZCR_DESCRIPTION = """\
# RANZCR CLiP - Catheter and Line Position Challenge (local stand-in)

## Overview

Each image is a chest X-ray that may show an endotracheal tube (ETT), a nasogastric tube (NGT), a central
venous catheter (CVC) and a Swan Ganz catheter. Predict, for each label of the sample submission, the
probability that it applies: whether each tube is present and whether its tip sits normally, at the
border of normal, or abnormally (an NGT may also leave the image).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The X-rays are drawn (64x64 grayscale JPEG); a tube's status is decided by where its tip ends.

## Data

- `train.csv`: {n_train} rows with `StudyInstanceUID`, the eleven 0/1 labels and `PatientID`.
- `train_annotations.csv`: the path of each tube in the training images (`StudyInstanceUID`, `label`,
  `data`: a list of [x, y] points in the coordinates of a 2048-pixel-wide image).
- `train/`, `test/`: `<StudyInstanceUID>.jpg`.
- `sample_submission.csv`: one row per test image (there is no test table), with the nine scored labels.

## Evaluation

Submissions are evaluated on the mean ROC AUC over the nine labels of the sample submission (`CVC -
Normal` and `Swan Ganz Catheter Present` are not scored). Higher is better.

## Submission format

```
StudyInstanceUID,ETT - Abnormal,ETT - Borderline,ETT - Normal,NGT - Abnormal,NGT - Borderline,NGT - Incompletely Imaged,NGT - Normal,CVC - Abnormal,CVC - Borderline
1.2.826.0.1.3680043.8.498.46923145579096002617106567297135160932,0,0,0,0,0,0,0,0,0
```
"""

_SIIM_DESCRIPTION = """\
# SIIM-ISIC Melanoma Classification (local stand-in)

## Overview

Each image shows one skin lesion, with metadata about the patient and where the lesion is. Predict the
probability that the lesion is a melanoma (`target` = 1).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric (the DICOM and TFRecord copies of the images are left out). The lesions are drawn (64x64 JPEG):
melanomas tend to be larger, asymmetric, with irregular borders and several colours; older patients,
men and lesions on the lower extremities are more often malignant. Patients have several images.

## Data

- `train.csv`: {n_train} rows: `image_name`, `patient_id`, `sex`, `age_approx`,
  `anatom_site_general_challenge`, `diagnosis`, `benign_malignant` and `target`.
- `test.csv`: {n_test} rows with the same columns up to `anatom_site_general_challenge`.
- `jpeg/train/`, `jpeg/test/`: `<image_name>.jpg`.
- `sample_submission.csv`: a valid submission.

## Evaluation

Submissions are evaluated on the area under the ROC curve (ROC AUC) between the predicted probability and
the observed target. Higher is better.

## Submission format

```
image_name,target
ISIC_0052060,0
```
"""
