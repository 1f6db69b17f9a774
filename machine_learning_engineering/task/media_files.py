"""`MediaFiles`: finds and reads the images or sound clips that a task's tables name, on disk or inside the
data folder's zip archives, the way generated scripts do (their copy of this lookup lives in the offline
composer's scaffold, since scripts run without this package).

A table names a file by its path under the data folder (images/1.png), by its file name (1.png) or by its
id (1); names and ids are looked up in the split's own folder first (train/ for train rows, test/ for
test rows), then anywhere.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Optional

from PIL import Image

from .loader import Task


class MediaFiles:
    """The images (or sound clips: `kind`) of a task, by the paths its inventory lists (archive members
    under the archive's path)."""

    def __init__(self, task: Task, kind: str = "image") -> None:
        self._data_dir = task.data_dir
        self._kind = kind
        self._archives = {f.path.as_posix() for f in task.files if f.kind == "archive"}
        self._keys = {f.path.as_posix() for f in (*task.files, *task.archived) if f.kind == kind}
        self._by_name: dict[str, list[str]] = {}
        for key in sorted(self._keys):
            path = PurePosixPath(key)
            for name in dict.fromkeys((path.name, path.stem)):
                self._by_name.setdefault(name, []).append(key)
        self._open: dict[str, zipfile.ZipFile] = {}

    def locate(self, value: object, folder: Optional[str] = None) -> str:
        """The inventory path of the file `value` names, preferring `folder`.

        Raises:
            FileNotFoundError: no file of the task's kind has that path, name or id.
        """
        text = str(value)
        for key in (text, f"{folder}/{text}" if folder else text):
            if key in self._keys:
                return key
        matches = self._by_name.get(PurePosixPath(text).name)
        if not matches:
            raise FileNotFoundError(f"no {self._kind} file of the task is named {text!r} (looked under "
                                    f"{self._data_dir} and inside its zip archives)")
        preferred = [key for key in matches if PurePosixPath(key).parent.as_posix() == folder]
        return (preferred or matches)[0]

    def read(self, value: object, folder: Optional[str] = None) -> bytes:
        """The bytes of the file `value` names (read from its archive when it is inside one)."""
        key = self.locate(value, folder)
        parts = PurePosixPath(key).parts
        for depth in range(1, len(parts)):
            archive = "/".join(parts[:depth])
            if archive in self._archives:
                if archive not in self._open:
                    self._open[archive] = zipfile.ZipFile(self._data_dir / archive)
                return self._open[archive].read("/".join(parts[depth:]))
        return (self._data_dir / key).read_bytes()

    def open_image(self, value: object, folder: Optional[str] = None) -> Image.Image:
        """The image `value` names, opened."""
        return Image.open(io.BytesIO(self.read(value, folder)))

    def close(self) -> None:
        for archive in self._open.values():
            archive.close()
        self._open.clear()
