"""What files a task's data folder holds, and a compact summary of them for logs and prompts.

Listing walks the folder once with `os.scandir` (no per-file `stat` calls beyond the one scandir gives),
so a folder of tens of thousands of images is listed in well under a second. The summary names
tabular files one by one and folds everything else into counts per folder and kind.
"""

from __future__ import annotations

import os
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

TABULAR_KINDS = ("csv", "tsv", "parquet", "json", "jsonl")
# Kinds of file listed from inside zip archives: the inputs that scripts read one by one.
ARCHIVED_KINDS = ("image", "audio")

_KIND_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".bmp": "image", ".gif": "image", ".tif": "image",
    ".tiff": "image", ".webp": "image",
    ".wav": "audio", ".mp3": "audio", ".flac": "audio", ".ogg": "audio", ".aif": "audio", ".aiff": "audio",
    ".txt": "text", ".md": "text",
    ".npy": "numpy", ".npz": "numpy",
    ".zip": "archive", ".tar": "archive", ".gz": "archive", ".tgz": "archive", ".bz2": "archive",
    ".xz": "archive", ".7z": "archive",
}

# A folder with more files than this is summarised by counts instead of names.
LIST_FILES_UP_TO = 6
MAX_FOLDERS_SHOWN = 30
MAX_TABULAR_SHOWN = 40


@dataclass(frozen=True)
class DataFile:
    """One file of the task's data.

    Attributes:
        path: relative to the data folder.
        size_bytes: size on disk.
        kind: csv, tsv, parquet, json, jsonl, image, audio, text, numpy, archive or other.
    """

    path: Path
    size_bytes: int
    kind: str


def file_kind(name: str) -> str:
    """The kind of a file from its name (".csv.gz" counts as csv: pandas reads it directly)."""
    lowered = name.lower()
    for compressed in (".csv.gz", ".csv.zip", ".csv.bz2"):
        if lowered.endswith(compressed):
            return "csv"
    return _KIND_BY_SUFFIX.get(os.path.splitext(lowered)[1], "other")


def list_data_files(data_dir: Path | str) -> tuple[DataFile, ...]:
    """Every file under `data_dir`, recursively, sorted by path. Hidden files and folders are skipped."""
    root = Path(data_dir)
    found: list[DataFile] = []
    stack = [(root, PurePosixPath())]
    while stack:
        folder, relative = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name == "__MACOSX":
                    continue
                if entry.is_dir(follow_symlinks=True):
                    stack.append((Path(entry.path), relative / entry.name))
                elif entry.is_file(follow_symlinks=True):
                    found.append(DataFile(Path(relative / entry.name), entry.stat().st_size, file_kind(entry.name)))
    found.sort(key=lambda f: (len(f.path.parts), f.path.as_posix()))
    return tuple(found)


def list_archive_members(data_dir: Path | str, files: Sequence[DataFile]) -> tuple[DataFile, ...]:
    """The images and sounds inside the zip archives among `files` (a zipped table is read as a table,
    not listed), each as a DataFile whose path is the archive's path followed by the member's
    (train.zip/train/1.jpg) and whose size is the member's uncompressed size. An unreadable archive
    lists nothing: a script that needs it will say why."""
    members: list[DataFile] = []
    for archive in files:
        if archive.kind != "archive" or not archive.path.name.lower().endswith(".zip"):
            continue
        try:
            with zipfile.ZipFile(Path(data_dir) / archive.path) as opened:
                infos = opened.infolist()
        except (OSError, zipfile.BadZipFile):
            continue
        for info in infos:
            name = PurePosixPath(info.filename)
            if info.is_dir() or any(part.startswith(".") or part == "__MACOSX" for part in name.parts):
                continue
            kind = file_kind(name.name)
            if kind in ARCHIVED_KINDS:
                members.append(DataFile(Path(archive.path.as_posix(), *name.parts), info.file_size, kind))
    members.sort(key=lambda f: f.path.as_posix())
    return tuple(members)


def human_size(size_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size_bytes < 1024 or unit == "GB":
            return f"{size_bytes:.0f} {unit}" if unit == "B" else f"{size_bytes:.1f} {unit}"
        size_bytes /= 1024
    return f"{size_bytes:.1f} TB"


def summarise_inventory(files: Iterable[DataFile]) -> str:
    """A compact, readable summary: totals, tabular files by name, other files counted per folder and kind.

    Example:
        5004 files, 48.2 MB in all
        Tabular files:
        - train.csv (1.2 MB)
        - test.csv (310.0 KB)
        Other files:
        - ./: description.md (2.1 KB)
        - images/: 5000 image files (46.6 MB), e.g. images/0.png, images/1.png
    """
    files = list(files)
    if not files:
        return "no files"
    lines = [f"{len(files)} files, {human_size(sum(f.size_bytes for f in files))} in all"]
    tabular = [f for f in files if f.kind in TABULAR_KINDS]
    if tabular:
        lines.append("Tabular files:")
        lines += [f"- {f.path.as_posix()} ({human_size(f.size_bytes)})" for f in tabular[:MAX_TABULAR_SHOWN]]
        if len(tabular) > MAX_TABULAR_SHOWN:
            rest = tabular[MAX_TABULAR_SHOWN:]
            lines.append(f"- ... and {len(rest)} more tabular files ({human_size(sum(f.size_bytes for f in rest))})")
    by_folder: dict[str, list[DataFile]] = defaultdict(list)
    for f in files:
        if f.kind not in TABULAR_KINDS:
            by_folder[f.path.parent.as_posix()].append(f)
    if by_folder:
        lines.append("Other files:")
        folders = sorted(by_folder, key=lambda name: (-len(by_folder[name]), name))
        for name in folders[:MAX_FOLDERS_SHOWN]:
            lines.append(f"- {_folder_line(name, by_folder[name])}")
        if len(folders) > MAX_FOLDERS_SHOWN:
            rest = [f for name in folders[MAX_FOLDERS_SHOWN:] for f in by_folder[name]]
            lines.append(f"- ... and {len(folders) - MAX_FOLDERS_SHOWN} more folders with {len(rest)} files "
                         f"({human_size(sum(f.size_bytes for f in rest))})")
    return "\n".join(lines)


def _folder_line(folder: str, files: Sequence[DataFile]) -> str:
    label = "./" if folder == "." else f"{folder}/"
    if len(files) <= LIST_FILES_UP_TO:
        return f"{label}: " + ", ".join(f"{f.path.name} ({human_size(f.size_bytes)})" for f in files)
    kinds = Counter(f.kind for f in files)
    counts = ", ".join(f"{n} {kind} files" for kind, n in kinds.most_common())
    examples = ", ".join(f.path.as_posix() for f in files[:2])
    return f"{label}: {counts} ({human_size(sum(f.size_bytes for f in files))}), e.g. {examples}"
