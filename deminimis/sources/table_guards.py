"""Guards for the table reader against hostile or broken files (issue 19).

Why a module of its own: the reader (:mod:`deminimis.sources.tables`) stays about what a
table means; this module is about bytes that should not be trusted: mixed encodings, line
ends of old Macs, stray quotes, rows with more fields than the header, a duplicated column,
and spreadsheets that unpack to gigabytes. Each problem is an :class:`InputError` that
names the file and the row (or column) instead of a traceback or a silent guess.

Limits come from :func:`read_limits` (a context variable, so a server can bound one
request's files without threading arguments through every caller).
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.errors_nb import duplicate_column_nb, unreadable_sheet_nb

MAX_HEADER_LINE = 10_000
"""A line longer than this (characters) is never taken for the header row."""

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class TooManyRows(InputError):
    """A file has more rows than :func:`read_limits` allows (HTTP 413)."""


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on one file: rows of the table and the unpacked size of a spreadsheet's sheets."""

    max_rows: int | None = None
    max_sheet_bytes: int = 2 * 1024**3
    max_ratio: int | None = None
    """Largest unpacked/packed ratio of a sheet (a zip bomb packs gigabytes into megabytes)."""
    keep_every_row: bool = False
    """Request bodies and records: no row is ignored as a title, totals or header row."""


_LIMITS: contextvars.ContextVar[ReadLimits] = contextvars.ContextVar(
    "read_limits",
    default=ReadLimits(),  # noqa: B039 (frozen: never mutated)
)


def limits() -> ReadLimits:
    return _LIMITS.get()


@contextlib.contextmanager
def read_limits(value: ReadLimits) -> Iterator[None]:
    """Apply ``value`` to every table read inside the block (and threads started from it)."""
    token = _LIMITS.set(value)
    try:
        yield
    finally:
        _LIMITS.reset(token)


# --------------------------------------------------------------------------- text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, path: Path | str) -> str:
    """Bytes -> text, one encoding for the whole file.

    UTF-16 with a BOM; else UTF-8 (with or without BOM); else Windows-1252, but only when the
    file holds no UTF-8 sequence at all: a file with both (one cp1252 byte in a UTF-8 file) is
    an error naming the line, since any choice would corrupt some rows.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not valid UTF-16 text (byte {exc.start})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            line = _line_of(data, exc.start)
            raise InputError(
                f"{path}: mixed text encodings: the file is UTF-8 but line {line} has a byte that is "
                "not (Windows-1252?); save the whole file as UTF-8"
            ) from exc
    return data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def line_ends(text: str) -> str:
    """CR-only line ends (old Mac exports) -> LF; CRLF and LF files are unchanged."""
    if "\r" in text and "\n" not in text:
        return text.replace("\r", "\n")
    return text


# --------------------------------------------------------------------------- CSV


def strict_grid(body: str, sep: str, path: Path | str, header_row: int) -> pl.DataFrame:
    """The grid of a CSV body polars refused, read with the csv module to say which row is wrong.

    A quote inside a value (``12"3``) is read literally; a quote that opens a value and is
    never closed, or a row with more non-empty fields than the header, is an error naming
    the row. Trailing empty fields (``a,b,c,``) are dropped.
    """
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=sep, strict=False)
    rows: list[list[str]] = []
    spans: list[tuple[int, int]] = []
    line = 1
    try:
        for record in reader:
            spans.append((line, reader.line_num))
            rows.append(record)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path}: row {header_row + line - 1}: not readable CSV ({exc})") from exc
    width = len(rows[0]) if rows else 0
    for record, (start, end) in zip(rows, spans, strict=True):
        row = header_row + start - 1
        if end > start and any("\n" in cell or "\r" in cell for cell in record):
            raise InputError(
                f"{path}: row {row}: a quote opens a value that is not closed on that line "
                '(a stray quote? write it as "" inside a quoted value)'
            )
        if len(record) > width and any(c.strip() for c in record[width:]):
            raise InputError(
                f"{path}: row {row} has {len(record)} fields, the header has {width} "
                f"(a '{sep}' inside a value? quote the value)"
            )
    data = [[*r[:width], *[None] * (width - len(r[:width]))] if r else [None] * width for r in rows]
    columns = [f"column_{i + 1}" for i in range(width)]
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.Utf8), orient="row")


def bound_rows(height: int, path: Path | str) -> None:
    """An error when a table has more rows than :func:`read_limits` allows."""
    most = limits().max_rows
    if most is not None and height > most:
        raise TooManyRows(f"{path}: more than {most} rows (at most {most} per file here)")


# --------------------------------------------------------------------------- spreadsheets


def check_zip(path: Path) -> None:
    """Refuse an XLSX/ODS whose sheets unpack to more than the limits, before parsing it."""
    if not zipfile.is_zipfile(path):
        return
    bound = limits()
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
        sheets = [i for i in members if re.search(r"(worksheets/.*|content|sharedStrings)\.xml$", i.filename)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"{path}: not a readable spreadsheet (damaged zip: {exc})", nb=unreadable_sheet_nb(path)
        ) from exc
    unpacked = sum(i.file_size for i in sheets)
    packed = max(1, sum(i.compress_size for i in sheets))
    if unpacked > bound.max_sheet_bytes or (
        bound.max_ratio is not None and unpacked > 1024**2 and unpacked / packed > bound.max_ratio
    ):
        raise InputError(
            f"{path}: the spreadsheet unpacks to {unpacked:,} bytes of sheets "
            f"(at most {bound.max_sheet_bytes:,} here); split it or send CSV"
        )


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_member(zf: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip member of the named (or first) worksheet of an XLSX."""
    from xml.etree import ElementTree as ET

    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    sheets = book.iter(f"{_NS}sheet")
    chosen = next((s for s in sheets if sheet is None or s.get("name") == sheet), None)
    if chosen is None:
        return None
    target = targets.get(chosen.get(_REL), "").lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def _has_formula(fh: io.BufferedIOBase) -> bool:
    tail = b""
    while chunk := fh.read(1 << 20):
        if b"<f>" in tail + chunk or b"<f " in tail + chunk:
            return True
        tail = chunk[-3:]
    return False


def _cell_ref(ref: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)", ref)
    if not m:
        return -1, -1
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]) - 1, col - 1


def formulas_without_value(path: Path, sheet: str | None) -> tuple[int, list[tuple[int, int, str]]]:
    """(first used column, [(row, column, formula)]) of formula cells whose stored value is
    missing or 0: a file written by a program that never calculated it (a 0 is then no amount).

    The sheet is only parsed when it holds a formula at all (a quick byte scan)."""
    from xml.etree import ElementTree as ET

    if not zipfile.is_zipfile(path):
        return 0, []
    with zipfile.ZipFile(path) as zf:
        member = _sheet_member(zf, sheet)
        if member is None or member not in zf.namelist():
            return 0, []
        with zf.open(member) as fh:
            if not _has_formula(fh):
                return 0, []
        found, first = [], None
        with zf.open(member) as fh:
            for _, el in ET.iterparse(fh):
                if el.tag != f"{_NS}c":
                    continue
                row, col = _cell_ref(el.get("r", ""))
                first = col if first is None else min(first, col)
                f, v = el.find(f"{_NS}f"), el.find(f"{_NS}v")
                if f is not None and (v is None or (v.text or "").strip() in ("", "0")):
                    found.append((row, col, f.text or "(shared formula)"))
                el.clear()
    return first or 0, found


def upload_name(name: str | None, default: str) -> str:
    """A safe file name for an upload: no path, no ``..``, only word characters, dots and
    dashes, at most 100 characters (the suffix kept), never empty."""
    base = re.sub(r"[^\w.\-]", "_", Path(str(name or "").replace("\\", "/")).name).lstrip(".")
    if len(base) > 100:
        stem, dot, suffix = base.rpartition(".")
        base = f"{stem[:90]}.{suffix[:9]}" if dot and len(suffix) <= 9 else base[:100]
    return base or default


def duplicate_column(path: Path | str, first: object, second: object, name: str) -> InputError:
    return InputError(
        f"{path}: columns '{first}' and '{second}' both mean {name}; keep one of them",
        nb=duplicate_column_nb(path, first, second, name),
    )


__all__ = [
    "MAX_HEADER_LINE",
    "ReadLimits",
    "TooManyRows",
    "bound_rows",
    "check_zip",
    "decode",
    "duplicate_column",
    "formulas_without_value",
    "limits",
    "line_ends",
    "read_limits",
    "strict_grid",
    "upload_name",
]
