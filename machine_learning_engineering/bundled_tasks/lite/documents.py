"""denoising-dirty-documents: scanned pages of text spoiled by stains, creases, folds, faded and watermarked
paper, in the competition's layout (train/, train_cleaned/ and test/ folders of greyscale PNGs with numeric
stems, a sampleSubmission.csv with one row per test pixel); RMSE over pixel intensities in [0, 1].

A clean page is dark text typeset in one of several fonts on white paper. Its noisy scan is the same page
on dirty paper: the paper's shade varies with the dirt and the ink keeps a fraction of that shade, so text
is what is darker than its surroundings, not what is darker than one threshold. No dirt moves a pixel, so
each clean page is aligned with its scan.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import gaussian_filter
from scipy.special import expit

from .competition import SEED, Competition, Size
from .fortunes import MissingSourceError
from .pictures import encode

FONT_DIR = Path("/usr/share/fonts/truetype")
FONT_PACKAGES = "fonts-dejavu-core fonts-liberation"
BODY_FONTS = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSansMono.ttf",
              "liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Italic.ttf",
              "liberation/LiberationSans-Regular.ttf", "liberation/LiberationSansNarrow-Regular.ttf",
              "liberation/LiberationMono-Regular.ttf", "liberation/LiberationSerif-Bold.ttf")
HEADING_FONTS = ("dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf", "liberation/LiberationSans-Bold.ttf",
                 "liberation/LiberationSerif-Bold.ttf", "liberation/LiberationSansNarrow-Bold.ttf")
WATERMARKS = ("DRAFT", "COPY", "CONFIDENTIAL", "SAMPLE", "ARCHIVE", "VOID", "FILE COPY")

WIDTH, HEIGHTS = 540, (258, 420)  # the original's page sizes; about two pages in three are the tall ones
TALL_SHARE = 2 / 3
SUPERSAMPLE = 2  # text is drawn at twice the size and halved, which anti-aliases its edges as a scan does

VOCABULARY = tuple("""
the of and to in is that for it as was with be by on not he this are or his from at which but have an they
you were her she there one all we their been has would when who will more if no out so said what up its
about into than them can only other new some could time these two may then do first any my now such like
our over man me even most made after also did many before must through back years where much your way well
down should because each just those people how too little state good very make world still own see men work
long get here between both life being under never day same another know while last might us great old year
off come since against go came right used take three states himself few house use during without again
place around however home small found thought went say part once general high upon school every does got
united left number course war until always away something fact though water less public put think almost
hand enough far took head yet government system better set told nothing night end why called find
look asked later point knew city next program business give group toward young days let room president side
social given present several order national possible rather second face per among form important often
things looked early white case large need big four within felt children along saw best church ever least
power development light thought family interest want members others mind country area done open god service
certain problem kind began different door thus help sense means whole matter perhaps itself york times law
human line above name example action company hands local show whether five history gave today either act
feet across taken past quite anything seen having death experience body word half really week field money
report paper letter office record meeting notice copy river market morning committee industry county
question trade annual survey table figure method result data value sample measure total average account
service member section chapter volume page index note review summary season weather station harbour
railway engine factory machine plant worker wages price supply demand cost profit loss balance statement
""".split())
SENTENCE_WORDS = (6, 18)


class _Layout:
    """A page's typesetting choices, in full-size page pixels."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.body = BODY_FONTS[int(rng.integers(len(BODY_FONTS)))]
        self.heading = HEADING_FONTS[int(rng.integers(len(HEADING_FONTS)))] if rng.random() < 0.5 else None
        self.font_size = rng.uniform(13, 23)
        self.spacing = rng.uniform(1.15, 1.9)
        self.left, self.right = rng.uniform(12, 70), rng.uniform(8, 45)
        self.top = rng.uniform(-0.5, 1.5) * self.font_size  # a first line may be cut by the edge, as on a scan
        self.ink = int(rng.integers(0, 40))  # clean text is not pure black everywhere


def denoising_documents(size: Size) -> Competition:
    """Clean the scanned text pages: predict each test pixel's clean intensity in [0, 1]."""
    scale = 0.25 if size == "tiny" else 1.0
    n_train, n_test = (8, 3) if size == "tiny" else (40, 8)  # 1.5M test pixels: a run predicts them once a fold
    rng = np.random.default_rng(SEED)
    stems = (rng.permutation(216)[: n_train + n_test] + 1).tolist()  # ids drawn from 1..216, as the original's
    heights = [_heights(rng, n, scale) for n in (n_train, n_test)]
    width = round(WIDTH * scale)
    pages = {stem: _page(rng, width, height, scale)
             for stem, height in zip(stems, heights[0] + heights[1])}
    train, test = stems[:n_train], sorted(stems[n_train:])
    ids, values = [], []
    for stem in test:
        clean = pages[stem][0]
        ids += [f"{stem}_{r}_{c}" for r in range(1, clean.shape[0] + 1) for c in range(1, clean.shape[1] + 1)]
        values.append(clean.ravel() / 255.0)
    answers = pd.DataFrame({"id": ids, "value": np.concatenate(values)})
    return Competition(
        public={**{f"train/{s}.png": encode(pages[s][1], "PNG") for s in train},
                **{f"train_cleaned/{s}.png": encode(pages[s][0], "PNG") for s in train},
                **{f"test/{s}.png": encode(pages[s][1], "PNG") for s in test},
                "sampleSubmission.csv": answers[["id"]].assign(value=1)},
        private={"answers.csv": answers},
        description=_DESCRIPTION.format(n_train=len(train), n_test=len(test), width=width,
                                        heights=" or ".join(str(round(h * scale)) for h in HEIGHTS),
                                        n_pixels=len(answers)),
    )


def _heights(rng: np.random.Generator, n: int, scale: float) -> list[int]:
    """Page heights for `n` pages, shuffled, a fixed share of them tall so the pixel count is known."""
    tall = round(n * TALL_SHARE)
    heights = [HEIGHTS[1]] * tall + [HEIGHTS[0]] * (n - tall)
    return [round(heights[i] * scale) for i in rng.permutation(n)]


def _page(rng: np.random.Generator, width: int, height: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """One page as (clean, noisy) uint8 arrays of shape (height, width)."""
    layout = _Layout(rng)
    coverage = _typeset(rng, layout, width, height, scale)
    clean = np.round(255 - coverage * (255 - layout.ink)).astype(np.uint8)
    return clean, _scan(rng, clean, scale)


# ----------------------------------------------------------------------------- typesetting


@lru_cache(maxsize=None)
def _font(name: str, pixels: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / name
    if not path.is_file():
        raise MissingSourceError(f"the denoising-dirty-documents stand-in typesets its pages in the DejaVu and "
                                 f"Liberation fonts, and {path} does not exist. Install them (`sudo apt-get "
                                 f"install {FONT_PACKAGES}`).")
    # The basic layout engine needs no libraqm, so every machine lays the text out the same way.
    return ImageFont.truetype(str(path), pixels, layout_engine=ImageFont.Layout.BASIC)


def _sentences(rng: np.random.Generator) -> Iterator[str]:
    """An endless stream of words making up sentences: capitalised first word, commas, full stops."""
    while True:
        n = int(rng.integers(*SENTENCE_WORDS))
        words = [VOCABULARY[int(i)] for i in rng.integers(len(VOCABULARY), size=n)]
        words[0] = words[0].capitalize()
        for i in range(1, n - 1):
            if rng.random() < 0.08:
                words[i] += ","
            elif rng.random() < 0.02:
                words[i] = str(int(rng.integers(2, 1990)))
        words[-1] += "."
        yield from words


def _typeset(rng: np.random.Generator, layout: _Layout, width: int, height: int, scale: float) -> np.ndarray:
    """The ink's coverage of each pixel (0 = paper, 1 = solid ink), anti-aliased at the glyphs' edges."""
    zoom = scale * SUPERSAMPLE
    image = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    body = _font(layout.body, max(5, round(layout.font_size * zoom)))
    step = layout.font_size * layout.spacing * zoom
    left, right = layout.left * zoom, image.size[0] - layout.right * zoom
    words = _sentences(rng)
    y = layout.top * zoom
    if layout.heading is not None:
        heading = _font(layout.heading, max(5, round(layout.font_size * rng.uniform(1.2, 1.6) * zoom)))
        picks = [VOCABULARY[int(i)].capitalize() for i in rng.integers(len(VOCABULARY), size=int(rng.integers(2, 6)))]
        while len(picks) > 1 and heading.getlength(" ".join(picks)) > right - left:
            picks.pop()
        title = " ".join(picks)
        x = (image.size[0] - heading.getlength(title)) / 2 if rng.random() < 0.5 else left
        y = max(y, 0.0)
        draw.text((x, y), title, font=heading, fill=255)
        y += heading.size * layout.spacing * 1.3
    indent = rng.random() < 0.6
    paragraph = 2 * layout.font_size * zoom if indent else 0.0
    x = left + paragraph
    while y < image.size[1]:
        word = next(words)
        length = body.getlength(word)
        if x + length > right:
            x, y = left, y + step
        draw.text((x, y), word, font=body, fill=255)
        x += length + body.getlength(" ")
        if word.endswith(".") and rng.random() < 0.1:  # a paragraph ends: an indented line or a blank one
            x, y = left + paragraph, y + step * (1 if indent else 1.7)
    return np.asarray(image.reduce(SUPERSAMPLE), dtype=float) / 255.0


# ----------------------------------------------------------------------------- dirt


def _scan(rng: np.random.Generator, clean: np.ndarray, scale: float) -> np.ndarray:
    """The clean page on dirty paper, a little blurred, specked and noisy."""
    paper = _dirty_paper(rng, clean.shape, scale)
    ink = rng.uniform(0.04, 0.2) if rng.random() < 0.7 else rng.uniform(0.25, 0.5)  # some pages low contrast
    page = paper * (ink + (1 - ink) * clean / 255.0)
    blur = rng.uniform(0.0, 1.0) if rng.random() < 0.6 else 0.0
    if blur * scale > 0.15:
        page = gaussian_filter(page, blur * scale)
    page = _specks(rng, page, scale)
    page += rng.normal(0, rng.uniform(1.5, 6.0), page.shape)
    return np.clip(np.round(page), 0, 255).astype(np.uint8)


def _dirty_paper(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """The paper's shade under the ink: a base tone less each kind of dirt this page has, at its strength."""
    yy, xx = np.mgrid[0: shape[0], 0: shape[1]].astype(float)
    paper = np.full(shape, rng.uniform(218, 252))
    paper += gaussian_filter(rng.normal(0, 1, shape), 1.0) * rng.uniform(2, 8)  # the paper's grain
    kinds = [kind for kind, chance in _DIRT_CHANCES if rng.random() < chance]
    if not kinds:  # every page has some dirt
        kinds = [_DIRT_CHANCES[int(rng.integers(len(_DIRT_CHANCES)))][0]]
    for kind in kinds:
        paper -= kind(rng, yy, xx, scale)
    return np.clip(paper, 35, 255)


def _faded(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, scale: float) -> np.ndarray:
    """A gradient of yellowed or greyed paper darkening one side of the page."""
    angle = rng.uniform(0, 2 * math.pi)
    ramp = xx * math.cos(angle) + yy * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1.0)
    return rng.uniform(10, 50) * ramp ** rng.uniform(0.7, 2.5)


def _smooth_field(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian-smoothed white noise scaled to unit spread: a random landscape with features of about `sigma`."""
    field = gaussian_filter(rng.normal(0, 1, shape), sigma, mode="wrap")
    return field / max(field.std(), 1e-9)


def _crumpled(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, scale: float) -> np.ndarray:
    """Crumpled paper lit from one side: shaded facets and dark crease lines where the paper bent."""
    relief = _smooth_field(rng, yy.shape, rng.uniform(10, 35) * scale)
    gy, gx = np.gradient(relief)
    light = rng.uniform(0, 2 * math.pi)
    shading = gx * math.cos(light) + gy * math.sin(light)
    shading *= rng.uniform(8, 28) / max(shading.std(), 1e-9)
    creases = np.zeros(yy.shape)
    for _ in range(int(rng.integers(0, 3))):  # soft wrinkles, winding
        ridge = _smooth_field(rng, yy.shape, rng.uniform(25, 60) * scale)
        creases += np.exp(-(ridge / rng.uniform(0.04, 0.1)) ** 2) * rng.uniform(8, 30)
    creases += _crease_lines(rng, yy.shape, scale)
    return shading + np.abs(shading).mean() + creases


def _crease_lines(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Sharp creases where the paper was crushed: straight dark lines, broken into a few segments."""
    height, width = shape
    layer = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(layer)
    for _ in range(int(rng.integers(2, 9))):
        x, y, turn = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0, 2 * math.pi)
        points = [(x, y)]
        for _ in range(int(rng.integers(1, 4))):
            turn += rng.normal(0, 0.4)
            run = rng.uniform(40, 250) * scale
            x, y = x + run * math.cos(turn), y + run * math.sin(turn)
            points.append((x, y))
        draw.line(points, fill=int(rng.integers(60, 256)), width=1)
    return rng.uniform(15, 45) * gaussian_filter(np.asarray(layer, dtype=float) / 255.0, 0.7 * scale + 0.3)


def _stains(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, scale: float) -> np.ndarray:
    """Coffee stains: blots darker at their rims and rings left by a cup, with ragged edges."""
    wobble = _smooth_field(rng, yy.shape, 12 * scale)
    dirt = np.zeros(yy.shape)
    for _ in range(int(rng.integers(1, 5))):
        cx, cy = rng.uniform(-0.1, 1.1) * xx.shape[1], rng.uniform(-0.1, 1.1) * yy.shape[0]
        a = rng.uniform(25, 130) * scale
        b, turn = a * rng.uniform(0.7, 1.0), rng.uniform(0, math.pi)
        u = ((xx - cx) * math.cos(turn) + (yy - cy) * math.sin(turn)) / a
        v = (-(xx - cx) * math.sin(turn) + (yy - cy) * math.cos(turn)) / b
        d = np.sqrt(u ** 2 + v ** 2) * (1 + rng.uniform(0.02, 0.1) * wobble)
        strength = rng.uniform(20, 80)
        if rng.random() < 0.5:  # a ring left by a cup's base, faintly filled
            width = rng.uniform(0.03, 0.1)
            dirt += strength * (np.exp(-((d - 1) / width) ** 2) + 0.25 * expit((1 - d) / 0.04))
        else:  # a blot, whose drying edge is darker than its middle
            dirt += strength * (0.55 + 0.45 * np.minimum(d, 1)) * expit((1 - d) / rng.uniform(0.02, 0.15))
    return dirt


def _folded(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, scale: float) -> np.ndarray:
    """A fold across the page: a thin dark crease, a shadow on one side and a lit edge on the other."""
    cx, cy = rng.uniform(0.2, 0.8) * xx.shape[1], rng.uniform(0.2, 0.8) * yy.shape[0]
    turn = rng.choice([0.0, math.pi / 2]) + rng.normal(0, 0.15) if rng.random() < 0.7 else rng.uniform(0, math.pi)
    side = (xx - cx) * -math.sin(turn) + (yy - cy) * math.cos(turn)  # signed distance from the fold
    width = rng.uniform(3, 25) * scale
    strength = rng.uniform(20, 70)
    shadow = np.where(side > 0, np.exp(-side / width), -0.4 * np.exp(side / width))
    return strength * shadow + strength * 0.8 * np.exp(-(side / max(1.2 * scale, 0.6)) ** 2)


def _watermarked(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, scale: float) -> np.ndarray:
    """A large light-grey stamp printed across the page, turned at an angle."""
    height, width = yy.shape
    layer = Image.new("L", (width, height), 0)
    word = WATERMARKS[int(rng.integers(len(WATERMARKS)))]
    font = _font(HEADING_FONTS[int(rng.integers(len(HEADING_FONTS)))], max(6, round(rng.uniform(50, 110) * scale)))
    left, top, right, bottom = font.getbbox(word)
    ImageDraw.Draw(layer).text(((width - right - left) / 2, (height - bottom - top) / 2), word, font=font, fill=255)
    layer = layer.rotate(rng.uniform(-40, 40), resample=Image.BILINEAR)
    return rng.uniform(20, 60) * gaussian_filter(np.asarray(layer, dtype=float) / 255.0, 0.6 * scale)


_DIRT_CHANCES = ((_faded, 0.5), (_crumpled, 0.45), (_stains, 0.5), (_folded, 0.3), (_watermarked, 0.25))


def _specks(rng: np.random.Generator, page: np.ndarray, scale: float) -> np.ndarray:
    """Salt and pepper: dark dust and toner specks of one to a few pixels, and a few light flecks."""
    page = page.copy()
    height, width = page.shape
    density = rng.uniform(0.0, 0.004)
    for tone, share in ((rng.uniform(10, 120), 1.0), (rng.uniform(200, 250), 0.2)):
        n = int(density * share * height * width)
        ys, xs = rng.integers(0, height, n), rng.integers(0, width, n)
        big = rng.random(n) < 0.3 * scale  # at full size some specks are 2x2 pixels
        page[ys, xs] = tone
        for dy, dx in ((0, 1), (1, 0), (1, 1)):
            page[np.minimum(ys[big] + dy, height - 1), np.minimum(xs[big] + dx, width - 1)] = tone
    return page


_DESCRIPTION = """\
# Denoising Dirty Documents (local stand-in)

## Overview

Optical character recognition works best on clean pages. Each image here is a scan of a page of text
spoiled by dirt: coffee stains and cup rings, crumpled or creased paper, folds, faded and yellowed paper,
watermarks, specks of dust, slight blur and low contrast. Remove the dirt: predict, for every pixel of
every test image, its intensity in the clean page.

This is a local stand-in for the Kaggle competition of the same name, with its exact files, columns and
metric. The pages are typeset in several fonts and sizes and the dirt is drawn; each kind of dirt and its
strength vary from page to page, and the clean page is exactly aligned with its scan.

## Data

- `train/`: {n_train} noisy pages, `<n>.png` (greyscale, {width} pixels wide and {heights} tall).
- `train_cleaned/`: the clean version of each training page, under the same file name.
- `test/`: {n_test} noisy pages to clean, `<n>.png`.
- `sampleSubmission.csv`: a valid submission with one row per test pixel ({n_pixels} rows), every value 1.

## Evaluation

Submissions are evaluated on the root mean squared error (RMSE) between the cleaned pixel intensities
and the predicted ones. Intensities range from 0 (black) to 1 (white). Lower is better.

## Submission format

Each row's `id` is the image's number, the pixel's row and its column (both counted from 1), joined with
underscores: `1_2_1` is image 1, row 2, column 1. Rows go through each image row by row, the images in
ascending order of their numbers.

```
id,value
1_1_1,1
1_1_2,1
1_2_1,1
```
"""
