"""A CSV file's bytes -> a grid of text cells whose row 0 is the header row.

Why bytes: a national file (a million rows) goes straight from its bytes into polars; only
the first :data:`HEADER_SCAN` lines are decoded in Python to find the separator and the
header row. A file that is not UTF-8 (Windows-1252, UTF-16) is decoded once by
:func:`deminimis.sources.table_guards.decode` and read the same way, so both give the same
cells and the same errors. What the columns mean is :mod:`deminimis.sources.table_rows`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.errors_nb import empty_file_nb
from deminimis.sources import table_guards as guards
from deminimis.sources.table_headers import _header_ok

HEADER_SCAN = 30
"""The header row is searched for in the first rows of a file (title and notes above it)."""
SEPARATORS = (";", ",", "\t", "|")
_BOM = b"\xef\xbb\xbf"


class _NotUtf8(Exception):
    """The bytes taken for UTF-8 are not: decode the file by the general rules."""


def _decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """One encoding per file (a mixed file is an error naming the line), CR-only line ends as LF."""
    return guards.line_ends(guards.decode(data, path))


def _utf8_bytes(raw: bytes, path: Path | str, trusted: bool) -> bytes:
    """The file as UTF-8 bytes without BOM and with LF or CRLF line ends.

    ``trusted``: a file without a UTF-16 BOM is taken for UTF-8 as it is (polars checks every
    cell; :class:`_NotUtf8` when it is not); otherwise it is decoded here first."""
    if trusted and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
        if b"\r" in body and b"\n" not in body:
            body = body.replace(b"\r", b"\n")
        return body
    return _decode(raw, path).encode("utf-8")


def _head(data: bytes) -> tuple[list[str], list[int]]:
    """The first :data:`HEADER_SCAN` lines as text and the byte offset where each starts (as
    ``text.split("\\n", HEADER_SCAN)[:HEADER_SCAN]``, without splitting the rest)."""
    starts, pos = [0], 0
    while len(starts) <= HEADER_SCAN and (end := data.find(b"\n", pos)) >= 0:
        pos = end + 1
        starts.append(pos)
    ends = [s - 1 for s in starts[1:]]
    if len(ends) < HEADER_SCAN:  # the last line has no line end
        ends.append(len(data))
    try:
        lines = [data[s:e].decode("utf-8") for s, e in zip(starts, ends, strict=False)]
    except UnicodeDecodeError as exc:
        raise _NotUtf8 from exc
    return lines, starts


def _split(line: str, sep: str) -> list[str]:
    if len(line) > guards.MAX_HEADER_LINE:  # a note or a blob, never the header
        return []
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return []


def _header_line(scan: list[str], path: Path, kind: str | None) -> tuple[int, str]:
    """(index of the header line, separator): the first line holding the table's columns,
    else the first non-blank line with its most frequent separator."""
    found = next(
        (
            (i, sep)
            for i, line in enumerate(scan)
            if line.strip()
            for sep in SEPARATORS
            if _header_ok(_split(line, sep), kind)
        ),
        None,
    )
    if found is not None:
        return found
    first = next((i for i, line in enumerate(scan) if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: the file is empty ({kind or 'no table'})", nb=empty_file_nb(path, kind))
    counts = {sep: scan[first].count(sep) for sep in SEPARATORS}
    return first, max(SEPARATORS, key=lambda s: (counts[s], s == ","))


def _read_body(body: bytes, sep: str, path: Path, header_row: int) -> pl.DataFrame:
    """The grid of the body (header line first); a stray quote or a row with extra fields is
    read again by the csv module to name the row (or to read it)."""
    most = guards.limits().max_rows
    try:
        return pl.read_csv(
            body,
            separator=sep,
            has_header=False,
            infer_schema=False,
            n_rows=None if most is None else most + 2,
        )
    except pl.exceptions.PolarsError:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _NotUtf8 from exc
        return guards.strict_grid(text, sep, path, header_row)


def _utf8_grid(data: bytes, path: Path, kind: str | None) -> tuple[pl.DataFrame, int, list[int]]:
    lines, starts = _head(data)
    idx, sep = _header_line([line.rstrip("\r") for line in lines], path, kind)
    grid = _read_body(data[starts[idx] :] if idx else data, sep, path, idx + 1)
    guards.bound_rows(grid.height - 1, path)
    above = [i + 1 for i, line in enumerate(lines[:idx]) if line.strip()]
    return grid, idx + 1, above


def _csv_grid(path: Path, kind: str | None, data: bytes | None = None) -> tuple[pl.DataFrame, int, list[int]]:
    """(grid whose row 0 is the header, spreadsheet row of the header, non-blank rows above it).

    With read limits (a server) the whole file is decoded first, so a bad byte past the row
    limit still gives the encoding error it gave before."""
    raw = path.read_bytes() if data is None else data
    trusted = guards.limits().max_rows is None
    try:
        return _utf8_grid(_utf8_bytes(raw, path, trusted), path, kind)
    except _NotUtf8:
        return _utf8_grid(_utf8_bytes(raw, path, trusted=False), path, kind)
