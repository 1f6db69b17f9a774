"""mlsp-2013-birds: which of 19 bird species call in each ten-second forest recording (16 kHz WAV), in the
competition's layout (essential_data/ with the fold, file-name, label and species lists and src_wavs/,
supplemental_data/ with each recording's spectrogram and noise-filtered spectrogram as BMP images);
ROC AUC over all (recording, species) pairs pooled.

The recordings are synthesised. Each species has a fixed call: a frequency band between 1.5 and
7.5 kHz, a shape (up- or down-sweep, flat whistle, trill, buzz, two notes, harmonic stack), a note length
and a rhythm. Bands overlap, so shape and timing tell many species apart. A recording holds up to four
species (about one in ten holds none, a few species are common and some rare), each calling in bouts at
random times and loudness, every bird a little higher or lower and faster or slower than its species'
norm. Behind them is wind or rain that rises and falls, and sometimes a stream, an insect's high buzz or
a loud low rumble. As in MLE-bench, a fifth of the recordings, spread through the ids, are the test set.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import pandas as pd
from PIL import Image

from ...task.audio import wav_bytes
from .competition import SEED, Competition, FileContent, Size

RATE = 16_000
SECONDS = 10.0
WINDOW, HOP = 512, 400  # spectrogram frames: 32 ms, 25 ms apart; 256 frequency rows after dropping DC
MAX_SPECIES = 4
LOUDNESS = -0.6  # log of a typical call's amplitude over the noise's; sets the difficulty
SPECIES_PER_CLIP = (0.1, 0.42, 0.3, 0.12, 0.06)  # chance of 0, 1, ... MAX_SPECIES species in a recording


class _Call(NamedTuple):
    """A species' characteristic call: its notes, how they are repeated in a bout, and how common it is."""

    code: str
    name: str
    low_hz: float
    high_hz: float
    shape: str  # up, down, flat, trill, buzz, two_note or harmonic
    note_s: float
    interval_s: float  # from one note's start to the next's
    notes: int  # per bout
    fm_hz: float  # how fast a trill's pitch wobbles
    weight: float  # relative commonness


SPECIES = (
    _Call("BRCR", "Brown Creeper", 4000, 7000, "down", 0.25, 0.40, 4, 0, 0.9),
    _Call("PAWR", "Pacific Wren", 3500, 7500, "trill", 1.40, 1.80, 2, 28, 1.6),
    _Call("PSFL", "Pacific-slope Flycatcher", 3000, 6500, "up", 0.20, 1.10, 3, 0, 1.4),
    _Call("RBNU", "Red-breasted Nuthatch", 1500, 6000, "harmonic", 0.12, 0.35, 6, 0, 0.6),
    _Call("DEJU", "Dark-eyed Junco", 3500, 5000, "trill", 0.05, 0.08, 16, 60, 0.9),
    _Call("OSFL", "Olive-sided Flycatcher", 2500, 4000, "two_note", 0.50, 2.00, 2, 0, 0.6),
    _Call("HETH", "Hermit Thrush", 2000, 4000, "flat", 0.60, 2.50, 2, 0, 1.0),
    _Call("CBCH", "Chestnut-backed Chickadee", 3500, 6000, "buzz", 0.30, 0.45, 3, 0, 1.2),
    _Call("VATH", "Varied Thrush", 2500, 4500, "flat", 1.20, 4.00, 1, 0, 1.1),
    _Call("HEWA", "Hermit Warbler", 4500, 7500, "buzz", 0.15, 0.25, 5, 0, 0.7),
    _Call("SWTH", "Swainson's Thrush", 2000, 5000, "up", 1.00, 3.00, 1, 0, 2.5),
    _Call("HAFL", "Hammond's Flycatcher", 3500, 6000, "two_note", 0.20, 0.80, 3, 0, 1.0),
    _Call("WETA", "Western Tanager", 2000, 4500, "trill", 0.35, 0.60, 4, 9, 0.8),
    _Call("BHGB", "Black-headed Grosbeak", 2000, 4000, "down", 0.30, 0.50, 5, 0, 0.5),
    _Call("GCKI", "Golden Crowned Kinglet", 6000, 7500, "up", 0.08, 0.15, 8, 0, 0.7),
    _Call("WAVI", "Warbling Vireo", 2500, 6000, "trill", 0.90, 3.00, 2, 14, 0.5),
    _Call("MGWA", "MacGillivray's Warbler", 3000, 6000, "down", 0.15, 0.30, 4, 0, 0.3),
    _Call("STJA", "Stellar's Jay", 1500, 4500, "harmonic", 0.25, 0.50, 4, 0, 0.9),
    _Call("CONI", "Common Nighthawk", 1500, 3500, "buzz", 0.30, 3.00, 2, 0, 0.25),
)


def _smooth(rng: np.random.Generator, n: int, points: int) -> np.ndarray:
    """A slowly varying positive envelope of n samples through `points` random levels."""
    knots = np.exp(np.cumsum(rng.normal(0, 0.5, points)))
    return np.interp(np.linspace(0, points - 1, n), np.arange(points), knots / knots.mean())


def _coloured_noise(rng: np.random.Generator, n: int, gain: np.ndarray) -> np.ndarray:
    """Gaussian noise of n samples whose spectrum has the amplitude `gain` (one value per rfft bin)."""
    spectrum = (rng.normal(size=len(gain)) + 1j * rng.normal(size=len(gain))) * gain
    return np.fft.irfft(spectrum, n)


def _background(rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """(noise, level of its weather) of a recording: wind or rain that rises and falls, and sometimes a
    stream, a low rumble or an insect."""
    n = int(SECONDS * RATE)
    hz = np.fft.rfftfreq(n, 1 / RATE)
    level = rng.lognormal(-4.0, 0.4)
    tilt = rng.uniform(0.4, 1.2)  # wind is darker, rain brighter
    weather = _coloured_noise(rng, n, 1 / np.maximum(hz, 100) ** tilt) * _smooth(rng, n, 12)
    clip = weather * (level / weather.std())
    if rng.random() < 0.3:  # a stream: a steady band of noise low in the birds' range
        centre, width = rng.uniform(800, 2500), rng.uniform(400, 1500)
        stream = _coloured_noise(rng, n, np.exp(-0.5 * ((hz - centre) / width) ** 2))
        clip += stream * (level * rng.lognormal(0.0, 0.4) / stream.std())
    if rng.random() < 0.2:  # a truck or plane far off: loud, but below a few hundred Hz
        rumble = _coloured_noise(rng, n, np.exp(-hz / rng.uniform(60, 200))) * _smooth(rng, n, 4)
        clip += rumble * (level * rng.lognormal(1.5, 0.4) / rumble.std())
    if rng.random() < 0.2:  # an insect: a high whine pulsing tens of times a second
        t = np.arange(n) / RATE
        pulses = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(20, 80) * t)
        drift = np.cumsum(rng.normal(0, 0.02, n))
        whine = np.sin(2 * np.pi * rng.uniform(6200, 7800) * t + drift)
        clip += level * rng.lognormal(-0.5, 0.5) * pulses * whine
    return clip, level


def _note(call: _Call, rng: np.random.Generator, pitch: float, length: float) -> np.ndarray:
    """One note of `call`, its band scaled by `pitch` and its length by `length`."""
    n = max(int(call.note_s * length * RATE), 32)
    u = np.arange(n) / n
    t = np.arange(n) / RATE
    low, high = call.low_hz * pitch, call.high_hz * pitch
    middle, half = (low + high) / 2, (high - low) / 2
    envelope = np.sin(np.pi * u) ** 0.7
    if call.shape == "up":
        frequency = low + (high - low) * u
    elif call.shape == "down":
        frequency = high - (high - low) * u
    elif call.shape == "flat":  # a pure whistle, with a faint vibrato
        frequency = middle + 0.04 * half * np.sin(2 * np.pi * 6 * t)
    elif call.shape == "trill":
        frequency = middle + half * np.sin(2 * np.pi * call.fm_hz * t + rng.uniform(0, 2 * np.pi))
    elif call.shape == "buzz":  # pitch jumping at random through the band
        wander = np.convolve(rng.normal(size=n), np.ones(24) / np.sqrt(24), mode="same")
        frequency = middle + half * np.tanh(wander)
    elif call.shape == "two_note":  # a high note, a short gap, a low one
        frequency = np.where(u < 0.5, high, low)
        envelope = np.abs(np.sin(2 * np.pi * u)) ** 0.7
    else:  # harmonic: a nasal note whose overtones fill the band
        base = low * (1 - 0.06 * u)
        phase = 2 * np.pi * np.cumsum(base) / RATE
        overtones = range(1, int(high // low) + 1)
        return envelope * sum(np.sin(k * phase) / k for k in overtones)
    phase = 2 * np.pi * np.cumsum(frequency) / RATE
    return envelope * (np.sin(phase) + 0.15 * np.sin(2 * phase))


def _calls(rng: np.random.Generator, clip: np.ndarray, noise_level: float, species: list[int]) -> None:
    """Adds one to three bouts of each species' call into `clip`, at random times and at loudness from
    buried in the noise (of `noise_level`) to clear above it."""
    for index in species:
        call = SPECIES[index]
        pitch, length = 1 + rng.normal(0, 0.03), 1 + rng.normal(0, 0.08)  # this individual
        for _ in range(int(rng.integers(1, 4))):
            level = noise_level * rng.lognormal(LOUDNESS, 0.9)
            notes = max(1, call.notes + int(rng.integers(-1, 2)))
            interval = call.interval_s * length * (1 + rng.normal(0, 0.05))
            start = rng.uniform(-0.3 * notes * interval, SECONDS - 0.5)  # bouts may run past either end
            for k in range(notes):
                note = _note(call, rng, pitch * (1 + rng.normal(0, 0.01)), length)
                onset = int((start + k * interval) * RATE)
                first, last = max(onset, 0), min(onset + len(note), len(clip))
                if first < last:
                    clip[first:last] += level * rng.uniform(0.7, 1.0) * note[first - onset: last - onset]


def _spectrogram(samples: np.ndarray) -> np.ndarray:
    """Log power (dB) of 256 frequency bands (rows, highest first) by frame (columns)."""
    frames = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[::HOP] * np.hanning(WINDOW)
    power = np.abs(np.fft.rfft(frames, axis=1)[:, 1:]) ** 2
    return 10 * np.log10(power.T[::-1] + 1e-12)


def _bmp(levels: np.ndarray, floor: float, ceiling: float) -> bytes:
    """A greyscale BMP of `levels`, black at `floor` and white at `ceiling`."""
    grey = np.clip((levels - floor) / (ceiling - floor), 0, 1) * 255
    buffer = io.BytesIO()
    Image.fromarray(grey.round().astype(np.uint8), "L").save(buffer, format="BMP")
    return buffer.getvalue()


def _recording(rng: np.random.Generator, species: list[int]) -> tuple[bytes, bytes, bytes]:
    """(WAV, spectrogram BMP, filtered spectrogram BMP) of one recording holding `species`."""
    clip, noise_level = _background(rng)
    _calls(rng, clip, noise_level, species)
    clip *= 0.9 / (np.abs(clip).max() + 1e-9)
    decibels = _spectrogram(clip)
    top = np.percentile(decibels, 99.9)  # not the maximum, so one loud click does not darken the rest
    # stationary noise (wind, a stream, an insect) is what each band holds most of the time: its median;
    # starting 6 dB above it leaves only a few percent of the noise's pixels grey
    above_noise = decibels - np.median(decibels, axis=1, keepdims=True)
    return wav_bytes(clip, RATE), _bmp(decibels, top - 70, top), _bmp(above_noise, 6, 36)


def _labels(rng: np.random.Generator, n: int, train: np.ndarray, least: int) -> list[list[int]]:
    """Each recording's species, common ones more often; every species at least `least` times in train
    where there is room."""
    weights = np.array([s.weight for s in SPECIES])
    counts = rng.choice(len(SPECIES_PER_CLIP), size=n, p=SPECIES_PER_CLIP)
    labels = [sorted(rng.choice(len(SPECIES), size=k, replace=False, p=weights / weights.sum()).tolist())
              for k in counts]
    for species in range(len(SPECIES)):
        missing = least - sum(species in labels[r] for r in train)
        room = [r for r in train if species not in labels[r] and len(labels[r]) < MAX_SPECIES]
        for r in rng.permutation(room)[:max(missing, 0)]:
            labels[r] = sorted(labels[r] + [species])
    return labels


def _file_names(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct names like PC1_20090606_050012_0010: site, date, start time and the segment's offset."""
    names: list[str] = []
    while len(names) < n:
        day = np.datetime64("2009-05-01") + int(rng.integers(0, 120)) + 365 * int(rng.integers(0, 2))
        clock = int(rng.integers(4 * 3600, 10 * 3600))
        name = (f"PC{int(rng.integers(1, 19))}_{str(day).replace('-', '')}_"
                f"{clock // 3600:02d}{clock % 3600 // 60:02d}{clock % 60:02d}_{10 * int(rng.integers(0, 60)):04d}")
        if name not in names:
            names.append(name)
    return names


def mlsp_birds(size: Size) -> Competition:
    """Which of 19 species call in each recording? 322 recordings (a fifth of them test), or 60 when tiny."""
    n, n_test = (60, 12) if size == "tiny" else (322, 64)
    rng = np.random.default_rng(SEED)
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.choice(n, size=n_test, replace=False)] = True
    labels = _labels(rng, n, np.flatnonzero(~is_test), least=1 if size == "tiny" else 3)
    names = _file_names(rng, n)
    public: dict[str, FileContent] = {}
    for name, species in zip(names, labels):
        wav, spectrogram, filtered = _recording(rng, species)
        public[f"essential_data/src_wavs/{name}.wav"] = wav
        public[f"supplemental_data/spectrograms/{name}.bmp"] = spectrogram
        public[f"supplemental_data/filtered_spectrograms/{name}.bmp"] = filtered

    lines = ["rec_id,[labels]"] + [f"{r},?" if is_test[r] else ",".join(map(str, [r, *labels[r]])) for r in range(n)]
    tests = np.flatnonzero(is_test)
    answers = pd.DataFrame({"Id": [r * 100 + s for r in tests for s in range(len(SPECIES))],
                            "Probability": [int(s in labels[r]) for r in tests for s in range(len(SPECIES))]})
    public.update({
        "essential_data/CVfolds_2.txt": pd.DataFrame({"rec_id": range(n), "fold": is_test.astype(int)}),
        "essential_data/rec_id2filename.txt": pd.DataFrame({"rec_id": range(n), "filename": names}),
        "essential_data/rec_labels_test_hidden.txt": "\n".join(lines) + "\n",
        "essential_data/species_list.txt": pd.DataFrame({"class_id": range(len(SPECIES)),
                                                         "code": [s.code for s in SPECIES],
                                                         "species": [s.name for s in SPECIES]}),
        "sample_submission.csv": answers.assign(Probability=0),
    })
    return Competition(public=public, private={"answers.csv": answers},
                       description=_DESCRIPTION.format(n=n, n_train=n - n_test, n_test=n_test,
                                                       first=tests[0] * 100, last=tests[0] * 100 + 18))


_DESCRIPTION = """\
# MLSP 2013 Bird Classification Challenge (local stand-in)

## Overview

Each recording is ten seconds of sound from a microphone in a forest. Predict, for each of 19 bird
species, the probability that it calls in the recording. A recording may hold several species or none.

This is a local stand-in for the Kaggle competition of the same name, with its files, formats and metric.
The recordings are synthesised at 16 kHz: each species has a characteristic call (a frequency band
between 1.5 and 7.5 kHz, a shape such as an up- or down-sweep, a whistle, a trill, a buzz, two notes or a
harmonic stack, a note length and a rhythm), and the bands of many species overlap. Birds call in bouts
at random times and loudness over wind or rain, sometimes with a stream, an insect's high whine or a loud
low rumble. Some species are common, some rare.

## Data

{n} recordings, {n_train} for training and {n_test} for testing.

- `essential_data/CVfolds_2.txt`: `rec_id,fold`; fold 0 is training, fold 1 test.
- `essential_data/rec_id2filename.txt`: `rec_id,filename`, the recording's file name without `.wav`.
- `essential_data/rec_labels_test_hidden.txt`: the labels, after the header `rec_id,[labels]`, one line
  per recording: a training recording's id then the ids of the species in it (just the id when there are
  none), a test recording's id then `?`. Lines have different lengths, so read it line by line.
- `essential_data/species_list.txt`: `class_id,code,species` for the 19 species (ids 0 to 18).
- `essential_data/src_wavs/<filename>.wav`: every recording, 16 kHz mono 16-bit PCM.
- `supplemental_data/spectrograms/<filename>.bmp`: each recording's spectrogram as a greyscale image,
  256 frequency rows (highest at the top) by 25 ms frames, brighter for louder.
- `supplemental_data/filtered_spectrograms/<filename>.bmp`: the same with stationary noise removed
  (each band's median level subtracted).
- `sample_submission.csv`: a valid submission.

The original's other supplemental files (the segmentation examples and masks, `segment_features.txt`,
`segment_rectangles.txt`, `segment_mosaic` and `histogram_of_segments.txt`) are not part of the stand-in.

## Evaluation

Submissions are judged on the area under the ROC curve, computed over all (recording, species) pairs of the
test set pooled together. Higher is better.

## Submission format

One row per test recording and species, with `Id` = rec_id * 100 + species id:

```
Id,Probability
{first},0
...
{last},0
```
"""
