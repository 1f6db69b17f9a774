"""A stand-in competition's files and how they are written, in MLE-bench's prepared layout.

    <out>/<competition>/prepared/public/   description.md and the files the agent sees
    <out>/<competition>/prepared/private/  the answers (MLE-bench names them test.csv), for grading only
    <out>/<competition>/prepared/build.json  which size was built

A competition is written into a staging folder and moved into place at the end, so a folder under its
final name is always complete.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Union

import pandas as pd

Size = Literal["full", "tiny"]
FileContent = Union[pd.DataFrame, str, bytes]
SIZES: tuple[Size, ...] = ("full", "tiny")
SEED = 20261204


@dataclass(frozen=True)
class Competition:
    """The files of one built stand-in.

    Attributes:
        public: relative path -> table (written as CSV) or file content, written under prepared/public/.
        private: the same, written under prepared/private/.
        description: the text of prepared/public/description.md.
    """

    public: dict[str, FileContent]
    private: dict[str, FileContent]
    description: str


@dataclass(frozen=True)
class StandIn:
    """One MLE-bench-Lite competition and the local stand-in that mimics it.

    Attributes:
        name: the competition's MLE-bench id, also the folder name.
        modality: text, image, audio, table or seq2seq.
        metric: the competition's metric, as the task layer names it.
        build: makes the files, at full size or tiny (a few hundred rows, for tests).
    """

    name: str
    modality: str
    metric: str
    build: Callable[[Size], Competition]


def write_competition(stand_in: StandIn, out_dir: Path | str, *, size: Size = "full",
                      overwrite: bool = False) -> Path:
    """Builds `stand_in` under `out_dir` (kept as it is when already built at this size) and returns its root."""
    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    root = Path(out_dir) / stand_in.name
    if not overwrite and _built_size(root) == size:
        return root
    staging = root.with_name(f".{stand_in.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        competition = stand_in.build(size)
        for part, tables in (("public", competition.public), ("private", competition.private)):
            folder = staging / "prepared" / part
            folder.mkdir(parents=True)
            for name, content in tables.items():
                _write(folder / name, content)
        (staging / "prepared" / "public" / "description.md").write_text(competition.description, encoding="utf-8")
        (staging / "prepared" / "build.json").write_text(json.dumps({"size": size}) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, root)
    return root


def _write(path: Path, content: FileContent) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, pd.DataFrame):
        content.to_csv(path, index=False, lineterminator="\n")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _built_size(root: Path) -> str | None:
    try:
        return json.loads((root / "prepared" / "build.json").read_text(encoding="utf-8")).get("size")
    except (OSError, ValueError, AttributeError):
        return None
