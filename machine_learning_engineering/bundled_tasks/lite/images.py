"""Image stand-ins of everyday scenes, in their competitions' exact layouts.

aerial-cactus-identification: 32x32 aerial views of desert; is there a columnar cactus? train.csv names
    each image with its extension, the images are at the root of train.zip and test.zip, and only the
    sample submission lists the test images; ROC AUC.
dogs-vs-cats-redux-kernels-edition: dog and cat faces; the training labels are in the file names
    (cat.0.jpg), the images at the root of train.zip and test.zip and in plain folders beside them, test
    ids are integers from 1; binary log loss.
dog-breed-identification: 20 "breeds", each a handwritten digit shape in its own coat colour over a
    photographic background; labels.csv, train/ and test/ folders, one probability column per breed in
    the sample submission (no test table); multiclass log loss.
plant-pathology-2020-fgvc7: leaves that are healthy, rusty (orange spots), scabbed (brown patches) or both;
    images/Train_<i>.jpg and images/Test_<i>.jpg, four 0/1 columns; mean column-wise ROC AUC.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .competition import SEED, Competition, Size
from .pictures import (canvas, encode, finish, hex_ids, jitter_colour, mnist_digits, photo_texture, scaled, tinted,
                       zipped)

SAND = (196, 172, 120)
CACTUS_GREEN = (58, 92, 48)


def split(frame: pd.DataFrame, test_size: float, stratify: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded train/test split, stratified on a column when given, both parts re-indexed."""
    train, test = train_test_split(frame, test_size=test_size, random_state=SEED,
                                   stratify=frame[stratify] if stratify else None)
    return train.reset_index(drop=True), test.reset_index(drop=True)


# ----------------------------------------------------------------------------- aerial cactus


def _desert(rng: np.random.Generator, side: int) -> np.ndarray:
    gray = photo_texture(rng, side).mean(axis=2)
    return tinted(gray, jitter_colour(rng, SAND, 12), strength=0.35)


def _cactus_view(rng: np.random.Generator, has_cactus: bool, side: int = 32) -> np.ndarray:
    image, draw = canvas(side, _desert(rng, side))
    # Bushes and tracks appear in both classes, so colour alone does not give the cactus away.
    for _ in range(int(rng.integers(0, 4))):
        x, y, r = rng.uniform(0, side), rng.uniform(0, side), rng.uniform(1.5, 4)
        draw.ellipse(scaled([(x - r, y - r), (x + r, y + r)]), fill=jitter_colour(rng, (86, 104, 62), 14) + (200,))
    if rng.random() < 0.4:
        y0, y1 = rng.uniform(0, side, 2)
        draw.line(scaled([(0, y0), (side, y1)]), fill=jitter_colour(rng, (150, 128, 96), 10) + (160,), width=4)
    if has_cactus:
        length, width = rng.uniform(8, 26), rng.uniform(2.0, 4.5)
        angle = rng.uniform(-0.6, 0.6) + (math.pi / 2 if rng.random() < 0.3 else 0)
        cx, cy = rng.uniform(4, side - 4), rng.uniform(4, side - 4)
        dx, dy = math.sin(angle) * length / 2, math.cos(angle) * length / 2
        colour = jitter_colour(rng, CACTUS_GREEN, 10) + (int(rng.uniform(150, 255)),)
        draw.line(scaled([(cx - dx, cy - dy), (cx + dx, cy + dy)]), fill=colour, width=int(width * 2))
        for _ in range(int(rng.integers(0, 3))):  # arms
            t, side_sign = rng.uniform(-0.3, 0.3), rng.choice([-1, 1])
            ax, ay = cx + dx * t, cy + dy * t
            bx, by = ax + side_sign * math.cos(angle) * width * 1.8, ay - side_sign * math.sin(angle) * width * 1.8
            draw.line(scaled([(ax, ay), (bx, by), (bx + dx * 0.3, by + dy * 0.3)]), fill=colour, width=int(width * 1.4))
        # the shadow the low sun casts
        draw.line(scaled([(cx - dx + 1.5, cy - dy + 1.5), (cx + dx + 1.5, cy + dy + 1.5)]), fill=(60, 50, 40, 70),
                  width=int(width))
    return finish(image, rng, noise=5.0, blur=0.4)


def aerial_cactus(size: Size) -> Competition:
    """Is there a columnar cactus in this 32x32 aerial view? About three quarters of the views have one."""
    n = 300 if size == "tiny" else 4000
    rng = np.random.default_rng(SEED)
    labels = (rng.random(n) < 0.75).astype(int)
    ids = [f"{h}.jpg" for h in hex_ids(rng, n, 32)]
    pictures = {i: encode(_cactus_view(rng, bool(y)), "JPEG") for i, y in zip(ids, labels)}
    frame = pd.DataFrame({"id": ids, "has_cactus": labels})
    train, test = split(frame, 0.19, "has_cactus")
    return Competition(
        public={"train.csv": train, "sample_submission.csv": test[["id"]].assign(has_cactus=0.5),
                "train.zip": zipped({i: pictures[i] for i in train["id"]}),
                "test.zip": zipped({i: pictures[i] for i in test["id"]})},
        private={"test.csv": test},
        description=_CACTUS_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- dog breeds

# Twenty names of the competition's 120 breeds; each breed is one digit shape in one coat colour.
BREEDS = {
    "afghan_hound": (0, (222, 190, 140)), "airedale": (1, (150, 95, 50)), "basenji": (2, (190, 120, 60)),
    "beagle": (3, (170, 110, 60)), "border_collie": (4, (30, 30, 30)), "boxer": (5, (190, 130, 70)),
    "chihuahua": (6, (225, 200, 160)), "dingo": (7, (205, 150, 90)), "doberman": (8, (45, 30, 25)),
    "german_shepherd": (9, (120, 80, 40)), "golden_retriever": (0, (230, 180, 90)),
    "italian_greyhound": (1, (160, 150, 150)),
    "kelpie": (2, (90, 60, 40)), "malamute": (3, (200, 200, 205)), "papillon": (4, (240, 235, 230)),
    "pug": (5, (210, 180, 140)), "samoyed": (6, (250, 250, 245)), "shih-tzu": (7, (215, 205, 190)),
    "siberian_husky": (8, (130, 130, 140)), "whippet": (9, (175, 160, 145)),
}


def _dog_photo(rng: np.random.Generator, digit: np.ndarray, coat: tuple[int, ...], side: int = 40) -> np.ndarray:
    from PIL import Image

    background = photo_texture(rng, side).astype(float) * rng.uniform(0.5, 0.9)
    extent = int(rng.integers(int(side * 0.6), side))
    mask = np.asarray(Image.fromarray(digit).resize((extent, extent), Image.BILINEAR), dtype=float) / 255.0
    mask = mask if rng.random() < 0.5 else mask[:, ::-1]
    top, left = (int(rng.integers(0, side - extent + 1)) for _ in range(2))
    fur = np.asarray(jitter_colour(rng, coat, 18), dtype=float) * rng.uniform(0.85, 1.15, (extent, extent, 1))
    region = background[top: top + extent, left: left + extent]
    background[top: top + extent, left: left + extent] = region * (1 - mask[..., None]) + fur * mask[..., None]
    return np.clip(background + rng.normal(0, 6, background.shape), 0, 255).astype(np.uint8)


def dog_breed(size: Size) -> Competition:
    """Which of 20 breeds is this? Shape (a digit) and coat colour together tell; some pairs share a colour."""
    pixels, digits = mnist_digits()
    n = 400 if size == "tiny" else 4000
    rng = np.random.default_rng(SEED)
    names = sorted(BREEDS)
    breeds = [names[i] for i in rng.integers(len(names), size=n)]
    by_digit = {d: np.flatnonzero(digits == d) for d in range(10)}
    ids = hex_ids(rng, n, 32)
    pictures = {}
    for image_id, breed in zip(ids, breeds):
        digit, coat = BREEDS[breed]
        shape = pixels[int(rng.choice(by_digit[digit]))]
        pictures[image_id] = encode(_dog_photo(rng, shape, coat), "JPEG")
    frame = pd.DataFrame({"id": ids, "breed": breeds})
    train, test = split(frame, 0.1, "breed")
    answers = pd.DataFrame({"id": test["id"], **{b: (test["breed"] == b).astype(int) for b in names}})
    sample = test[["id"]].assign(**{b: 1 / len(names) for b in names})
    return Competition(
        public={"labels.csv": train, "sample_submission.csv": sample,
                **{f"train/{i}.jpg": pictures[i] for i in train["id"]},
                **{f"test/{i}.jpg": pictures[i] for i in test["id"]}},
        private={"test.csv": answers},
        description=_DOG_DESCRIPTION.format(n_train=len(train), n_test=len(test), n_breeds=len(names),
                                            breeds=", ".join(f"`{b}`" for b in names)),
    )


# ----------------------------------------------------------------------------- dogs vs cats

FUR = ((40, 35, 30), (120, 80, 45), (200, 150, 90), (225, 220, 210), (130, 130, 135), (180, 100, 40))


def _pet(rng: np.random.Generator, dog: bool, side: int = 48) -> np.ndarray:
    from PIL import Image

    image, draw = canvas(side, photo_texture(rng, side) * rng.uniform(0.5, 0.9))
    cx, cy, r = side / 2 + rng.normal(0, 4), side / 2 + rng.normal(0, 3), rng.uniform(9, 14)
    fur = jitter_colour(rng, FUR[int(rng.integers(len(FUR)))], 15)
    # Most cats have pointed upright ears and most dogs floppy ones, but not all: the face tells the rest.
    pointed = rng.random() < (0.2 if dog else 0.9)
    for sign in (-1, 1):
        ex = cx + sign * r * 0.6
        if pointed:
            tip = (ex + sign * r * rng.uniform(0.1, 0.4), cy - r * rng.uniform(1.3, 1.7))
            draw.polygon(scaled([(ex - r * 0.35, cy - r * 0.5), (ex + r * 0.35, cy - r * 0.5), tip]), fill=fur)
        else:
            hang = ex + sign * r * 0.2
            draw.ellipse(scaled([(hang - r * 0.3, cy - r * 0.6), (hang + r * 0.3, cy + r * 0.5)]),
                         fill=jitter_colour(rng, fur, 20))
    draw.ellipse(scaled([(cx - r, cy - r * 0.9), (cx + r, cy + r * 0.9)]), fill=fur)
    eye = (60, 160, 60) if not dog and rng.random() < 0.6 else (30, 20, 15)
    for sign in (-1, 1):
        ex, ey, er = cx + sign * r * 0.4, cy - r * 0.15, r * rng.uniform(0.1, 0.16)
        tall = er if dog else er * 0.6  # cats' eyes are almond-shaped
        draw.ellipse(scaled([(ex - er, ey - tall), (ex + er, ey + tall)]), fill=eye)
    if dog:  # a muzzle that sticks out, with a large dark nose
        draw.ellipse(scaled([(cx - r * 0.45, cy + r * 0.1), (cx + r * 0.45, cy + r * 0.85)]),
                     fill=jitter_colour(rng, (215, 195, 170), 20))
        draw.ellipse(scaled([(cx - r * 0.18, cy + r * 0.15), (cx + r * 0.18, cy + r * 0.4)]), fill=(25, 20, 20))
    else:  # a small pink nose and whiskers
        draw.polygon(scaled([(cx - r * 0.1, cy + r * 0.2), (cx + r * 0.1, cy + r * 0.2), (cx, cy + r * 0.32)]),
                     fill=(220, 140, 150))
        for sign in (-1, 1):
            for dy in (-0.05, 0.1):
                draw.line(scaled([(cx + sign * r * 0.2, cy + r * 0.35), (cx + sign * r * 1.2, cy + r * (0.3 + dy))]),
                          fill=(235, 235, 235, 180), width=1)
    image = image.rotate(rng.normal(0, 12), resample=Image.BILINEAR)
    return finish(image, rng, noise=5.0, blur=0.3)


def dogs_vs_cats(size: Size) -> Competition:
    """Dog or cat? The training labels are in the file names (cat.0.jpg, dog.0.jpg), as in the original."""
    n = 300 if size == "tiny" else 4000
    rng = np.random.default_rng(SEED)
    dogs = rng.random(n) < 0.5
    pictures = [encode(_pet(rng, bool(d)), "JPEG") for d in dogs]
    frame = pd.DataFrame({"label": dogs.astype(int), "picture": pictures})
    train, test = split(frame, 0.1, "label")
    counts = {0: 0, 1: 0}
    train_files = {}
    for row in train.itertuples():
        train_files[f"{'dog' if row.label else 'cat'}.{counts[row.label]}.jpg"] = row.picture
        counts[row.label] += 1
    test_files = {f"{i}.jpg": picture for i, picture in enumerate(test["picture"], start=1)}
    answers = pd.DataFrame({"id": range(1, len(test) + 1), "label": test["label"]})
    # MLE-bench leaves the plain folders beside the archives.
    return Competition(
        public={"train.zip": zipped(train_files), "test.zip": zipped(test_files),
                **{f"train/{name}": data for name, data in train_files.items()},
                **{f"test/{name}": data for name, data in test_files.items()},
                "sample_submission.csv": answers[["id"]].assign(label=0.5)},
        private={"answers.csv": answers},
        description=_PETS_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- plant pathology

DISEASES = ("healthy", "multiple_diseases", "rust", "scab")
DISEASE_RATES = (0.28, 0.06, 0.34, 0.32)


def _leaf_photo(rng: np.random.Generator, rust: bool, scab: bool, side: int = 64) -> np.ndarray:
    ground = tinted(photo_texture(rng, side).mean(axis=2), jitter_colour(rng, (90, 80, 70), 20), 0.5)
    image, draw = canvas(side, ground)
    cx, cy = side / 2 + rng.normal(0, 3), side / 2 + rng.normal(0, 3)
    length, width, angle = rng.uniform(0.38, 0.48) * side, rng.uniform(0.18, 0.26) * side, rng.uniform(0, math.pi)
    outline = []
    for t in np.linspace(0, 2 * math.pi, 48, endpoint=False):
        x, y = length * math.cos(t), width * math.sin(t) * (1 - 0.25 * math.cos(t))
        outline.append((cx + x * math.cos(angle) - y * math.sin(angle), cy + x * math.sin(angle) + y * math.cos(angle)))
    green = jitter_colour(rng, (70, 130, 50), 14)
    draw.polygon(scaled(outline), fill=green)
    tip = (cx + length * math.cos(angle), cy + length * math.sin(angle))
    base = (cx - length * math.cos(angle), cy - length * math.sin(angle))
    draw.line(scaled([base, tip]), fill=jitter_colour(rng, (150, 190, 110), 10), width=2)

    def spots(count: int, colour: tuple[int, ...], radius: tuple[float, float], halo: bool) -> None:
        for _ in range(count):
            t, s = rng.uniform(-0.8, 0.8), rng.uniform(-0.7, 0.7)
            x = cx + t * length * math.cos(angle) - s * width * math.sin(angle)
            y = cy + t * length * math.sin(angle) + s * width * math.cos(angle)
            r = rng.uniform(*radius)
            if halo:
                draw.ellipse(scaled([(x - 1.8 * r, y - 1.8 * r), (x + 1.8 * r, y + 1.8 * r)]), fill=(220, 200, 60, 90))
            wobble = [(x + r * (1 + rng.uniform(-0.4, 0.4)) * math.cos(a),
                       y + r * (1 + rng.uniform(-0.4, 0.4)) * math.sin(a))
                      for a in np.linspace(0, 2 * math.pi, 9, endpoint=False)]
            draw.polygon(scaled(wobble), fill=jitter_colour(rng, colour, 12) + (230,))

    # Light flecks on every leaf, so a bright spot alone is not a disease.
    spots(int(rng.integers(0, 4)), (170, 200, 140), (0.6, 1.2), False)
    if rust:
        spots(int(rng.integers(2, 9)), (215, 120, 30), (0.8, 1.8), True)
    if scab:
        spots(int(rng.integers(1, 5)), (95, 80, 45), (1.5, 3.5), False)
    return finish(image, rng, noise=5.0, blur=0.3)


def plant_pathology(size: Size) -> Competition:
    """Healthy, rust, scab, or both? One of the four columns is 1 per leaf."""
    n = 300 if size == "tiny" else 2400
    rng = np.random.default_rng(SEED)
    states = rng.choice(len(DISEASES), size=n, p=DISEASE_RATES)
    labels = np.eye(len(DISEASES), dtype=int)[states]
    frame = pd.DataFrame(labels, columns=list(DISEASES)).assign(state=states)
    frame["picture"] = [encode(_leaf_photo(rng, rust=s in (1, 2), scab=s in (1, 3)), "JPEG") for s in states]
    train, test = split(frame, 0.15, "state")
    train.insert(0, "image_id", [f"Train_{i}" for i in range(len(train))])
    test.insert(0, "image_id", [f"Test_{i}" for i in range(len(test))])
    pictures = {**{f"images/{r.image_id}.jpg": r.picture for r in train.itertuples()},
                **{f"images/{r.image_id}.jpg": r.picture for r in test.itertuples()}}
    columns = ["image_id", *DISEASES]
    return Competition(
        public={"train.csv": train[columns], "test.csv": test[["image_id"]],
                "sample_submission.csv": test[["image_id"]].assign(**{d: 0.25 for d in DISEASES}), **pictures},
        private={"test.csv": test[columns]},
        description=_PLANT_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


_CACTUS_DESCRIPTION = """\
# Aerial Cactus Identification (local stand-in)

## Overview

Each image is a 32x32 aerial view of a piece of desert. Predict the probability that it shows a columnar
cactus (`has_cactus` = 1).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The views are drawn: sand textured from photographs, bushes and tracks in every class, and in
about three quarters of the views a cactus (a green column, sometimes with arms, at any position and
tilt, sometimes faint).

## Data

- `train.csv`: {n_train} rows with `id` (the image's file name, e.g. `0004be2cfeaba1c0361d39e2b000257b.jpg`)
  and `has_cactus` (1 or 0).
- `train.zip`: the training images, as JPEG files at the root of the archive.
- `test.zip`: the {n_test} test images, named the same way.
- `sample_submission.csv`: a valid submission listing every test image (there is no test table).

## Evaluation

Submissions are evaluated on the area under the ROC curve (ROC AUC) between the predicted probability and
the observed target. Higher is better.

## Submission format

```
id,has_cactus
000940378805c44108d287872b2f04ce.jpg,0.5
```
"""

_DOG_DESCRIPTION = """\
# Dog Breed Identification (local stand-in)

## Overview

Each image shows one dog. Predict, for each of {n_breeds} breeds, the probability that the dog is of that
breed.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric, and fewer breeds ({n_breeds} instead of 120). The "dogs" are handwritten digit shapes from the
MNIST sample in a coat colour, over a photographic background: a breed is one shape in one coat colour,
so both the shape and the colour matter (breeds of similar colours differ in shape, and every shape is
shared by two breeds).

## Data

- `labels.csv`: {n_train} rows with `id` (the image's name, without extension) and `breed`.
- `train/`: the training images, `<id>.jpg` (40x40 RGB).
- `test/`: the {n_test} test images, `<id>.jpg`.
- `sample_submission.csv`: a valid submission: one row per test image, one probability column per breed
  (there is no test table).

Breeds: {breeds}.

## Evaluation

Submissions are evaluated on multi-class log loss. Each row's probabilities must sum to 1. Lower is better.

## Submission format

```
id,afghan_hound,airedale,...,whippet
000621fb3cbb32d8935728e48679680e,0.05,0.05,...,0.05
```
"""

_PETS_DESCRIPTION = """\
# Dogs vs. Cats Redux: Kernels Edition (local stand-in)

## Overview

Each image shows the face of a dog or a cat. Predict the probability that it is a dog (1 = dog, 0 = cat).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The faces are drawn (48x48 RGB JPEG) over photographic backgrounds: most cats have pointed ears,
slit eyes, a small pink nose and whiskers; most dogs have floppy ears, round eyes and a muzzle with a large
dark nose; fur colours are shared by both, and some dogs have pointed ears and some cats folded ones.

## Data

- `train.zip`: {n_train} training images named by their label, `cat.<n>.jpg` or `dog.<n>.jpg`, at the
  root of the archive; the folder `train/` holds the same files.
- `test.zip`: {n_test} test images named `<id>.jpg` (ids from 1); the folder `test/` holds the same files.
- `sample_submission.csv`: a valid submission (there is no test table).

## Evaluation

Submissions are scored on the log loss between the predicted probability that the image is a dog and the
truth. Lower is better.

## Submission format

```
id,label
1,0.5
```
"""

_PLANT_DESCRIPTION = """\
# Plant Pathology 2020 - FGVC7 (local stand-in)

## Overview

Each image shows one apple leaf. Predict the probability of each of four states: `healthy`,
`multiple_diseases`, `rust` and `scab`. Exactly one is true per leaf.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The leaves are drawn (64x64 RGB, on photographic backgrounds): rust shows as orange spots with
yellow halos, scab as olive-brown patches, a leaf with both has `multiple_diseases`; every leaf may carry
light flecks that are not a disease.

## Data

- `train.csv`: {n_train} rows with `image_id` (e.g. `Train_0`) and the four 0/1 columns.
- `test.csv`: {n_test} rows with `image_id` (e.g. `Test_0`).
- `images/`: `<image_id>.jpg` for the train and the test leaves.
- `sample_submission.csv`: a valid submission.

## Evaluation

Submissions are evaluated on mean column-wise ROC AUC: the ROC AUC of each of the four columns, averaged.
Higher is better.

## Submission format

```
image_id,healthy,multiple_diseases,rust,scab
Test_0,0.25,0.25,0.25,0.25
```
"""
