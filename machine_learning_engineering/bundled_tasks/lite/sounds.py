"""the-icml-2013-whale-challenge-right-whale-redux: two-second underwater recordings (2 kHz AIFF) that hold
a right whale's up-call or not, in the competition's layout (train2.zip/train2/ clips labelled by the end
of their names, test2.zip/test2/, sampleSubmission.csv naming each test clip); ROC AUC.

The recordings are synthesised: an up-call is a tone sweeping up from about 80 to 200 Hz in under a
second, with a weaker harmonic; every clip has ocean noise (louder at low frequencies), and some have a
ship's steady hum or another animal's call sweeping down through the same band. Calls range from loud to
buried in the noise.
The split is by day, as in MLE-bench: the first two days train, the last two test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...task.audio import aiff_bytes
from .competition import SEED, Competition, Size
from .pictures import zipped

RATE = 2000
SECONDS = 2.0
DAYS = ("20090328", "20090329", "20090330", "20090331")


def _sweep(rng: np.random.Generator, start_hz: float, end_hz: float, seconds: float) -> np.ndarray:
    """A tone gliding from start_hz to end_hz, with a smooth rise and fall, at a random place in the clip."""
    n, length = int(SECONDS * RATE), int(seconds * RATE)
    onset = int(rng.integers(0, n - length))
    t = np.arange(length) / RATE
    frequency = start_hz + (end_hz - start_hz) * (t / seconds) ** rng.uniform(0.8, 1.5)
    phase = 2 * np.pi * np.cumsum(frequency) / RATE
    tone = np.sin(phase) + rng.uniform(0.1, 0.4) * np.sin(2 * phase)
    out = np.zeros(n)
    out[onset: onset + length] = tone * np.hanning(length)
    return out


def _recording(rng: np.random.Generator, call: bool) -> np.ndarray:
    n = int(SECONDS * RATE)
    white = rng.normal(0, 1, n)
    brown = np.cumsum(rng.normal(0, 1, n))
    brown = (brown - np.convolve(brown, np.ones(101) / 101, mode="same")) / 8  # low-frequency swell
    clip = rng.uniform(0.3, 1.0) * white + rng.uniform(0.5, 1.5) * brown
    if rng.random() < 0.4:  # a ship's hum
        hum = rng.uniform(40, 300)
        clip += rng.uniform(0.2, 1.2) * np.sin(2 * np.pi * hum * np.arange(n) / RATE + rng.uniform(0, 6.3))
    if rng.random() < 0.45:  # another animal's down-sweep, in the same band: only its direction differs
        level = rng.lognormal(0.2, 0.6)
        clip += level * _sweep(rng, rng.uniform(150, 250), rng.uniform(60, 100), rng.uniform(0.5, 1.0))
    if call:
        level = rng.lognormal(0.2, 0.6)
        clip += level * _sweep(rng, rng.uniform(60, 100), rng.uniform(150, 250), rng.uniform(0.5, 1.0))
    return clip / (np.abs(clip).max() + 1e-9) * 0.9


def right_whale(size: Size) -> Competition:
    """Is there a right whale up-call in this recording? About a quarter of the clips have one."""
    per_day = 75 if size == "tiny" else 1500
    rng = np.random.default_rng(SEED)
    clips = []
    for day in DAYS:
        seconds = np.sort(rng.choice(86_400 * 10, size=per_day, replace=False)) / 10
        for offset in seconds:
            call = bool(rng.random() < 0.25)
            clips.append((day, float(offset), call, aiff_bytes(_recording(rng, call), RATE)))
    frame = pd.DataFrame(clips, columns=["day", "offset", "call", "data"])

    def stamp(row) -> str:
        whole = int(row.offset)
        return (f"{row.day}_{whole // 3600:02d}{whole % 3600 // 60:02d}{whole % 60:02d}_"
                f"{whole % 1000:03d}s{int(round((row.offset - whole) * 1000)) % 1000}ms")

    train, test = frame[frame["day"].isin(DAYS[:2])], frame[frame["day"].isin(DAYS[2:])]
    train_files = {f"train2/{stamp(r)}_TRAIN{i}_{int(r.call)}.aif": r.data for i, r in enumerate(train.itertuples())}
    test_names = [f"{stamp(r)}_Test{i}.aif" for i, r in enumerate(test.itertuples())]
    answers = pd.DataFrame({"clip": test_names, "probability": test["call"].astype(int).to_numpy()})
    return Competition(
        public={"train2.zip": zipped(train_files),
                "test2.zip": zipped({f"test2/{name}": data for name, data in zip(test_names, test["data"])}),
                "sampleSubmission.csv": answers[["clip"]].assign(probability=0)},
        private={"test.csv": answers},
        description=_DESCRIPTION.format(n_train=len(train), n_test=len(test)),
    )


_DESCRIPTION = """\
# The ICML 2013 Whale Challenge - Right Whale Redux (local stand-in)

## Overview

Each clip is two seconds of underwater sound. Predict the probability that it holds the up-call of a
North Atlantic right whale.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The recordings are synthesised at 2 kHz: an up-call is a tone sweeping up from about 80 to 200 Hz
in under a second, with a weaker harmonic, loud in some clips and buried in the noise in others; every
clip has ocean noise, and some have a ship's hum or another animal's call that sweeps down through the
same band (only its direction tells it from an up-call). The training clips
come from the first two days of recording, the test clips from the last two.

## Data

- `train2.zip`: {n_train} training clips (AIFF) in the folder `train2/`, named
  `<date>_<time>_<seconds>s<ms>ms_TRAIN<n>_<label>.aif`; the label (1: an up-call, 0: noise) ends the name.
- `test2.zip`: {n_test} test clips in `test2/`, named `<date>_<time>_<seconds>s<ms>ms_Test<n>.aif`.
- `sampleSubmission.csv`: a valid submission, one row per test clip (there is no test table).

## Evaluation

Submissions are judged on the area under the ROC curve (ROC AUC). Higher is better.

## Submission format

```
clip,probability
20090330_000000_012s0ms_Test0.aif,0
```
"""
