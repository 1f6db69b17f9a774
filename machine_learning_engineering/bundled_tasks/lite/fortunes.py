"""Debian's fortune collections as labelled text: the offline source of the text stand-ins.

The `fortunes` package installs one file per collection under /usr/share/games/fortunes (entries
separated by lines holding a single `%`). A collection's name is its label; the text is the entry with
its attribution line (`-- Author`) removed, so a model must learn the style and topic, not the names.
The `fortunes-ru` package adds Russian collections, in the same format, under its `ru` folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

FORTUNE_DIR = Path(os.environ.get("MLE_STAR_FORTUNE_DIR", "/usr/share/games/fortunes"))
DEBIAN_PACKAGE = "fortunes"
RUSSIAN_DIR = FORTUNE_DIR / "ru"
RUSSIAN_PACKAGE = "fortunes-ru"

_ATTRIBUTION = re.compile(r"^\s*--\s")
_OVERSTRIKE = re.compile(r".\x08")


class MissingSourceError(RuntimeError):
    """The data a stand-in is built from is not on this machine; the message says how to install it."""


def ensure_fortunes() -> Path:
    """The fortunes folder, installing Debian's package first when it is missing and this process may.

    Raises:
        MissingSourceError: the collections are missing and cannot be installed here.
    """
    return _ensure(FORTUNE_DIR, DEBIAN_PACKAGE, "the text stand-ins are built from Debian's fortune collections",
                   "a folder of fortune files")


def ensure_russian_fortunes() -> Path:
    """The Russian collections' folder, installing Debian's fortunes-ru when it is missing and this process may.

    Raises:
        MissingSourceError: the Russian collections are missing and cannot be installed here.
    """
    return _ensure(RUSSIAN_DIR, RUSSIAN_PACKAGE,
                   "the Russian text stand-ins are built from Debian's Russian fortune collections",
                   "a folder whose `ru` subfolder holds Russian fortune files")


def _ensure(folder: Path, package: str, what: str, alternative: str) -> Path:
    if not folder.is_dir() and os.geteuid() == 0 and shutil.which("apt-get"):
        _apt_install(package)
    if not folder.is_dir():
        raise MissingSourceError(f"{what}, and {folder} does not exist. Install them (`sudo apt-get install "
                                 f"{package}`) or point MLE_STAR_FORTUNE_DIR at {alternative}.")
    return folder


def russian_collections() -> list[str]:
    """The names of the Russian collections, sorted; the package's `.u8` links and `.dat` indexes left out.

    Raises:
        MissingSourceError: the Russian collections are missing and cannot be installed here.
    """
    return sorted(path.name for path in ensure_russian_fortunes().iterdir()
                  if path.is_file() and not path.is_symlink() and path.suffix != ".dat")


def _apt_install(package: str) -> None:
    """Install a Debian package quietly; a fresh machine's empty package lists are refreshed once."""
    quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "check": False,
             "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    install = ["apt-get", "install", "-y", "-qq", package]
    if subprocess.run(install, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(install, **quiet)


def read_collection(name: str) -> list[str]:
    """The entries of one collection, each on one line with its whitespace collapsed; empty ones dropped.

    Raises:
        MissingSourceError: the collection is not installed.
    """
    return _read_entries(ensure_fortunes() / name, DEBIAN_PACKAGE)


def read_russian_collection(name: str) -> list[str]:
    """The entries of one Russian collection (see `russian_collections`), as `read_collection` gives them.

    Raises:
        MissingSourceError: the collection is not installed.
    """
    return _read_entries(ensure_russian_fortunes() / name, RUSSIAN_PACKAGE)


def _read_entries(path: Path, package: str) -> list[str]:
    if not path.is_file():
        raise MissingSourceError(f"fortune collection {path.name!r} is missing from {path.parent}; reinstall "
                                 f"Debian's {package} package (`sudo apt-get install --reinstall {package}`).")
    # A few of fortunes-ru's files have Windows line ends, which would hide their `%` separators.
    raw = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
    entries = []
    for block in raw.split("\n%\n"):
        lines = [line for line in _OVERSTRIKE.sub("", block).splitlines()
                 if line.strip() != "%" and not _ATTRIBUTION.match(line)]
        text = " ".join(" ".join(lines).split())
        if text:
            entries.append(text)
    return entries


def labelled_texts(groups: dict[str, tuple[str, ...]], max_chars: int) -> list[tuple[str, str]]:
    """(text, label) pairs: each label's collections, entries of at most `max_chars` characters.

    A text found under two labels is dropped from both (its label would be a coin toss); a text repeated
    under one label is kept once.
    """
    seen: dict[str, set[str]] = {}
    for label, collections in groups.items():
        for collection in collections:
            for text in read_collection(collection):
                if len(text) <= max_chars:
                    seen.setdefault(text, set()).add(label)
    return [(text, next(iter(labels))) for text, labels in seen.items() if len(labels) == 1]
