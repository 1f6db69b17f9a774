"""Reading the task's tables (csv, tsv, parquet, JSON records) the same way everywhere: headers, columns,
row counts, and the check that a table reads the way the scripts will read it.

A JSON table is a list of records (`.json`) or one record per line (`.jsonl`); a field holding a list
(tags, subreddits) is read as its items joined by spaces, so it becomes text like any other column."""

from __future__ import annotations

import io
import json
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import IO, Optional, Sequence, Union

import pandas as pd

from .errors import TaskError
from .inventory import file_kind, human_size
from .listing import is_listing, read_listing

TABLE_KINDS = ("csv", "tsv", "parquet", "json", "jsonl")
JSON_KINDS = ("json", "jsonl")
COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2")
# Tables larger than this are checked on their head only (HEAD_BYTES, or HEAD_ROWS rows where bytes
# cannot be cut): checking a task must not read a multi-GB file, and the scripts read it anyway.
MAX_CHECKED_BYTES = 256 * 2**20
HEAD_BYTES = 8 * 2**20
HEAD_ROWS = 100_000
# The first bytes of a text table tell text from binary data: binary data holds NUL or other control
# bytes (tab, CR and LF aside), text almost none.
SNIFF_BYTES = 64 * 2**10
MAX_CONTROL_SHARE = 0.01
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_SIGNATURES = (
    (b"\xff\xfe", "UTF-16 text", "re-save it as UTF-8, e.g. `iconv -f utf-16 -t utf-8 {name} > {name}.utf8`"),
    (b"\xfe\xff", "UTF-16 text", "re-save it as UTF-8, e.g. `iconv -f utf-16 -t utf-8 {name} > {name}.utf8`"),
    (b"PK\x03\x04", "a zip archive (or an Excel .xlsx workbook)", "unzip it, or export the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook", "export the sheet as CSV"),
    (b"\x1f\x8b", "gzip-compressed", "name it {name}.gz (read directly) or gunzip it"),
    (b"PAR1", "a parquet file", "name it with a .parquet extension"),
)
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
BLOCK_BYTES = 1 << 20
CHUNK_ROWS = 100_000


def read_table(path: Path, *, columns: Optional[Sequence[str]] = None, nrows: Optional[int] = None,
               as_text: bool = False) -> pd.DataFrame:
    """Reads a table, optionally only some columns and the first `nrows` rows.

    `as_text` keeps every value as the string in the file ("NA" stays "NA"), which is what comparing
    ids needs. A folder or archive of labelled files reads as its listing (see `listing`).
    """
    if is_listing(path):
        frame = read_listing(path)
        frame = frame[list(columns)] if columns is not None else frame
        return frame.head(nrows) if nrows is not None else frame
    kind = file_kind(path.name)
    if kind == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        wanted = list(columns) if columns else None
        batch = next(parquet.iter_batches(batch_size=max(nrows, 1), columns=wanted), None) if nrows else None
        if batch is not None:
            frame = batch.to_pandas().head(nrows)
        else:
            frame = parquet.read(columns=wanted).to_pandas()
            frame = frame.head(nrows) if nrows is not None else frame
        return frame.astype(str) if as_text else frame
    if kind in JSON_KINDS:
        frame = read_json_records(path)
        frame = frame[list(columns)] if columns is not None else frame
        frame = frame.head(nrows) if nrows is not None else frame
        return frame.astype(str) if as_text else frame
    return pd.read_csv(path, nrows=nrows, **_csv_options(kind, columns, as_text))


def read_json_records(path: Path) -> pd.DataFrame:
    """A JSON table as a frame: one row per record, one column per field (lists joined by spaces).

    Loading a task reads each table several times (check, header, rows, profile): the file is parsed once
    per version (path, size, modification time) and each caller gets its own copy.

    Raises:
        ValueError: the file is not a list of JSON objects (or one object per line for .jsonl).
    """
    stat = path.stat()
    return _parsed_json(str(path), stat.st_size, stat.st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _parsed_json(name: str, size: int, mtime_ns: int) -> pd.DataFrame:
    path = Path(name)
    text = path.read_text(encoding="utf-8")
    if file_kind(path.name) == "jsonl":
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        records = json.loads(text)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("expected a list of JSON objects (records), one per row")
    frame = pd.DataFrame.from_records(records)
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, (list, tuple))).any():
            frame[column] = frame[column].map(lambda v: " ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return frame


def _csv_options(kind: str, columns: Optional[Sequence[str]], as_text: bool) -> dict:
    options: dict = {"sep": "\t" if kind == "tsv" else ","}
    if columns is not None:
        options["usecols"] = list(columns)
    if as_text:
        options.update(dtype=str, keep_default_na=False)
    return options


def is_large(path: Path) -> bool:
    """Whether a table is too large to be read whole for checking (see MAX_CHECKED_BYTES)."""
    return not is_listing(path) and path.stat().st_size > MAX_CHECKED_BYTES


def read_for_checks(path: Path, *, columns: Optional[Sequence[str]] = None, as_text: bool = False) -> pd.DataFrame:
    """The table, or for a large one the rows of its head (the part `check_table` checked)."""
    if not is_large(path) or file_kind(path.name) in JSON_KINDS:
        return read_table(path, columns=columns, as_text=as_text)
    if file_kind(path.name) == "parquet" or _compressed(path):
        return read_table(path, columns=columns, nrows=HEAD_ROWS, as_text=as_text)
    return pd.read_csv(io.BytesIO(_head(path)), **_csv_options(file_kind(path.name), columns, as_text))


def head_size(path: Path) -> str:
    """What `check_table` reads of a large table, in words."""
    if file_kind(path.name) == "parquet" or _compressed(path):
        return f"{HEAD_ROWS:,} rows"
    return human_size(HEAD_BYTES)


def _compressed(path: Path) -> bool:
    return path.suffix.lower() in COMPRESSED_SUFFIXES


def _head(path: Path) -> bytes:
    """The first HEAD_BYTES of a text table, cut after its last whole line."""
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES)
    end = data.rfind(b"\n")
    return data[:end + 1] if end >= 0 else data


def read_header(path: Path) -> list[str]:
    """The column names of a table."""
    if is_listing(path):
        return list(read_listing(path).columns)
    if file_kind(path.name) == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    if file_kind(path.name) in JSON_KINDS:
        return [str(c) for c in read_json_records(path).columns]
    return [str(c) for c in read_table(path, nrows=0).columns]


def count_rows(path: Path) -> int:
    """Number of data rows. For csv/tsv this counts line breaks, so quoted multi-line values overcount."""
    if file_kind(path.name) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if file_kind(path.name) in JSON_KINDS:
        return len(read_json_records(path))
    if is_listing(path):
        return len(read_listing(path))
    if path.suffix.lower() in (".gz", ".zip", ".bz2"):
        return len(read_table(path, columns=[read_header(path)[0]]))
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def check_table(path: Path, relative: Path) -> None:
    """Checks that a table reads the way the scripts read it (pandas, UTF-8): not empty, not binary,
    valid UTF-8, no row with more fields than the header, at least one row. A large table
    (`is_large`) is checked on its head.

    Raises:
        TaskError: naming the file, the line where it goes wrong, and the fix.
    """
    if is_listing(path):
        try:
            read_listing(path)
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise TaskError(f"{relative} cannot be read as the training table: {exc}.") from None
        return
    if path.stat().st_size == 0:
        raise TaskError(f"{relative} is empty (0 bytes) in {path.parent}. Put the data in it, or remove it and "
                        f"name the right file in task.yaml.")
    kind = file_kind(path.name)
    if kind == "parquet":
        rows = _parquet_rows(path, relative)
    elif kind in JSON_KINDS:
        _check_utf8(path, relative)
        try:
            rows = len(read_json_records(path))
        except ValueError as exc:
            raise TaskError(f"{relative} is not a JSON table ({exc}). Write it as a list of objects, one per "
                            f"row (or one object per line in a .jsonl file).") from None
    elif _compressed(path):
        rows = _parsed_rows(path, kind, relative, nrows=HEAD_ROWS if is_large(path) else None)
    else:
        with open(path, "rb") as handle:
            _check_text(handle.read(SNIFF_BYTES), kind, relative)
        head = _head(path) if is_large(path) else None
        _check_utf8(io.BytesIO(head) if head is not None else path, relative)
        rows = _parsed_rows(io.BytesIO(head) if head is not None else path, kind, relative)
    if rows == 0:
        head = read_table(path, nrows=0)
        raise TaskError(f"{relative} has a header ({', '.join(map(str, head.columns[:8]))}) but no rows. "
                        f"Put the data rows in it (path: {path}).")


def _parquet_rows(path: Path, relative: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except PermissionError:
        raise
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError, its IO errors OSErrors
        raise TaskError(f"{relative} is not a valid parquet file ({exc}). Re-export it, or give it the "
                        f"extension of its format (.csv, .tsv).") from None


def _check_text(head: bytes, kind: str, relative: Path) -> None:
    for signature, what, fix in _SIGNATURES:
        if head.startswith(signature):
            raise TaskError(f"{relative} is {what}, not a {kind} table: {fix.format(name=relative.name)}.")
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls > MAX_CONTROL_SHARE * len(head):
        raise TaskError(f"{relative} holds binary data, not {kind} text ({controls} control bytes in its first "
                        f"{len(head)} bytes): is it the right file? Export the table as a UTF-8 .{kind} file.")


def _check_utf8(source: Union[Path, IO[bytes]], relative: Path) -> None:
    """Raises TaskError naming the first line that is not UTF-8 (pandas' own error gives no line)."""
    handle = open(source, "rb") if isinstance(source, Path) else source
    with handle:
        line, carry = 1, b""
        while True:
            block = handle.read(BLOCK_BYTES)
            data = carry + block
            if not data:
                return
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                # A character cut by the end of the block is completed by the next one.
                if block and exc.end == len(data) and exc.reason == "unexpected end of data":
                    data, carry = data[:exc.start], data[exc.start:]
                else:
                    bad = line + data.count(b"\n", 0, exc.start)
                    name = relative.name
                    raise TaskError(
                        f"{relative} is not valid UTF-8: line {bad} holds byte 0x{data[exc.start]:02x}, as "
                        f"Latin-1/Windows-1252 text does, and the scripts read tables as UTF-8. Re-save it as "
                        f"UTF-8 (if all of it is Latin-1: `iconv -f latin1 -t utf-8 {name} > {name}.utf8 && "
                        f"mv {name}.utf8 {name}`; else fix line {bad}).") from None
            line += data.count(b"\n")
            if not block:
                return


def _parsed_rows(source: Union[Path, IO[bytes]], kind: str, relative: Path, nrows: Optional[int] = None) -> int:
    """Parses the whole table (as text, in chunks) and counts its rows."""
    rows = 0
    try:
        with pd.read_csv(source, chunksize=CHUNK_ROWS, nrows=nrows, **_csv_options(kind, None, True)) as reader:
            for chunk in reader:
                rows += len(chunk)
    except pd.errors.EmptyDataError:
        raise TaskError(f"{relative} holds no data. Put the data in it, or remove it and name the right file in "
                        f"task.yaml.") from None
    except pd.errors.ParserError as exc:
        counts = _FIELD_COUNT.search(str(exc))
        if counts:
            expected, line, saw = counts.groups()
            problem = f"line {line} has {saw} fields where the header has {expected}"
        else:
            problem = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        separator = "tab" if kind == "tsv" else "','"
        raise TaskError(f"{relative} is not a well-formed {kind} table: {problem}. Quote the values that hold a "
                        f"{separator} (or fix that row), or re-export the table.") from None
    except UnicodeDecodeError as exc:  # compressed tables: their bytes are not checked before parsing
        raise TaskError(f"{relative} is not valid UTF-8 ({exc.reason} at byte 0x{exc.object[exc.start]:02x}), "
                        f"and the scripts read tables as UTF-8: re-save it as UTF-8.") from None
    except PermissionError:
        raise
    except (OSError, EOFError, ValueError) as exc:  # a damaged archive (gzip, zip, bz2)
        raise TaskError(f"{relative} could not be read ({exc}). Check that it is a valid "
                        f"{''.join(Path(relative.name).suffixes)} file, or re-create it.") from None
    return rows
