"""leaf-classification: leaf silhouettes of 40 species with precomputed margin, shape and texture features,
in the competition's layout (train.csv and test.csv with 192 feature columns, images/<id>.jpg for both,
one probability column per species); multiclass log loss.

A species is a family of outlines: a number of lobes, how deep they are, how long the leaf is and how
finely its edge is toothed. Each leaf varies around its species. As in the original, `shape` is the
outline's centroid-distance profile, `margin` a histogram of its edge's fine structure and `texture` a
histogram of the leaf's surface, each a 64-value vector; the images are the binary silhouettes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from .competition import SEED, Competition, Size
from .images import split
from .pictures import encode

SPECIES = ("Acer_Capillipes", "Acer_Circinatum", "Acer_Mono", "Acer_Opalus", "Acer_Palmatum", "Acer_Pictum",
           "Acer_Platanoids", "Acer_Rubrum", "Acer_Rufinerve", "Acer_Saccharinum", "Alnus_Cordata",
           "Alnus_Maximowiczii", "Alnus_Rubra", "Alnus_Sieboldiana", "Alnus_Viridis", "Arundinaria_Simonii",
           "Betula_Austrosinensis", "Betula_Pendula", "Callicarpa_Bodinieri", "Castanea_Sativa", "Celtis_Koraiensis",
           "Cercis_Siliquastrum", "Cornus_Chinensis", "Cornus_Controversa", "Cornus_Macrophylla", "Cotinus_Coggygria",
           "Crataegus_Monogyna", "Cytisus_Battandieri", "Eucalyptus_Glaucescens", "Eucalyptus_Neglecta",
           "Eucalyptus_Urnigera", "Fagus_Sylvatica", "Ginkgo_Biloba", "Ilex_Aquifolium", "Ilex_Cornuta",
           "Liquidambar_Styraciflua", "Liriodendron_Tulipifera", "Lithocarpus_Cleistocarpus", "Lithocarpus_Edulis",
           "Magnolia_Heptapeta")
N_FEATURES = 64
ANGLES = np.linspace(0, 2 * math.pi, 256, endpoint=False)


def _species_traits(rng: np.random.Generator) -> dict[str, float]:
    return {"lobes": int(rng.integers(0, 8)), "depth": rng.uniform(0.0, 0.45), "length": rng.uniform(1.0, 2.6),
            "teeth": int(rng.integers(8, 40)), "tooth_depth": rng.uniform(0.0, 0.08), "tip": rng.uniform(0.0, 0.5)}


def _radius(traits: dict[str, float], rng: np.random.Generator) -> np.ndarray:
    """The leaf's outline as a distance from its centre for each angle of ANGLES, varied around the species."""
    lobes, depth = traits["lobes"], traits["depth"] * rng.uniform(0.8, 1.2)
    length = traits["length"] * rng.uniform(0.9, 1.1)
    lobed = 1 + depth * np.cos(lobes * ANGLES) if lobes else np.ones_like(ANGLES)
    elongated = 1 / np.sqrt(np.cos(ANGLES) ** 2 / length ** 2 + np.sin(ANGLES) ** 2)
    toothed = 1 + traits["tooth_depth"] * rng.uniform(0.7, 1.3) * np.abs(np.sin(traits["teeth"] * ANGLES / 2))
    tip = 1 + traits["tip"] * np.exp(-((ANGLES - math.pi / 2) ** 2) / 0.05)
    return lobed * elongated * toothed * tip * (1 + rng.normal(0, 0.01, len(ANGLES)))


def _silhouette(radius: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The outline drawn white on black, rotated a little and at a random size, as the original's are."""
    side = int(rng.integers(80, 140))
    scale = 0.45 * side / radius.max()
    turn = rng.normal(0, 0.1)
    points = [(side / 2 + scale * r * math.cos(a + turn), side / 2 - scale * r * math.sin(a + turn))
              for r, a in zip(radius, ANGLES)]
    image = Image.new("L", (side, side), 0)
    ImageDraw.Draw(image).polygon(points, fill=255)
    return np.asarray(image)


def _features(radius: np.ndarray, texture_mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    profile = radius[:: len(radius) // N_FEATURES][:N_FEATURES]
    shape = profile / profile.sum() * 0.04 + rng.normal(0, 2e-5, N_FEATURES)
    detail = np.abs(np.fft.rfft(radius - radius.mean()))[1: N_FEATURES + 1]
    margin = detail / detail.sum() + rng.normal(0, 0.002, N_FEATURES)
    texture = rng.dirichlet(texture_mean * 60)
    return np.concatenate([margin.clip(0), shape.clip(0), texture]).round(6)


def leaf_classification(size: Size) -> Competition:
    """Which of 40 species is this leaf? The features alone do well; the silhouettes add a little."""
    n_species, per_species = (12, 10) if size == "tiny" else (len(SPECIES), 16)
    rng = np.random.default_rng(SEED)
    species = sorted(SPECIES[:n_species])
    traits = {name: _species_traits(rng) for name in species}
    textures = {name: rng.dirichlet(np.full(N_FEATURES, 0.8)) for name in species}
    labels = [name for name in species for _ in range(per_species)]
    ids = rng.permutation(np.arange(1, len(labels) + 1))
    rows, pictures = [], {}
    for leaf_id, name in zip(ids, labels):
        radius = _radius(traits[name], rng)
        pictures[int(leaf_id)] = encode(_silhouette(radius, rng), "JPEG")
        rows.append([int(leaf_id), name, *_features(radius, textures[name], rng)])
    columns = ["id", "species"] + [f"{part}{i}" for part in ("margin", "shape", "texture")
                                   for i in range(1, N_FEATURES + 1)]
    frame = pd.DataFrame(rows, columns=columns).sort_values("id").reset_index(drop=True)
    train, test = split(frame, 0.15, "species")
    train, test = train.sort_values("id"), test.sort_values("id")
    answers = pd.DataFrame({"id": test["id"], **{s: (test["species"] == s).astype(int) for s in species}})
    sample = test[["id"]].assign(**{s: 1 / len(species) for s in species})
    return Competition(
        public={"train.csv": train, "test.csv": test.drop(columns=["species"]), "sample_submission.csv": sample,
                **{f"images/{i}.jpg": pictures[i] for i in frame["id"]}},
        private={"test.csv": answers},
        description=_DESCRIPTION.format(n_train=len(train), n_test=len(test), n_species=len(species)),
    )


_DESCRIPTION = """\
# Leaf Classification (local stand-in)

## Overview

Each row is one leaf. Predict, for each of {n_species} species, the probability that the leaf belongs to it.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric, and fewer species ({n_species} instead of 99). The leaves are drawn: each species has its own
number and depth of lobes, length and toothed edge, and each leaf varies around them.

## Data

- `train.csv`: {n_train} rows with `id`, `species` and 192 precomputed features: `margin1`..`margin64`
  (the fine structure of the edge), `shape1`..`shape64` (the outline's distance from the centre around
  the leaf) and `texture1`..`texture64` (a histogram of the leaf's surface).
- `test.csv`: {n_test} rows with `id` and the same features.
- `images/`: `<id>.jpg`, the binary silhouette of every leaf (white on black), train and test alike.
- `sample_submission.csv`: a valid submission, one probability column per species.

## Evaluation

Submissions are evaluated on multi-class log loss. Each row's probabilities must sum to 1. Lower is better.

## Submission format

```
id,Acer_Capillipes,Acer_Circinatum,...
4,0.025,0.025,...
```
"""
