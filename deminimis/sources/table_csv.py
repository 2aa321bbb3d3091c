"""A CSV file's bytes -> a grid of text cells whose row 0 is the header row.

Why separate: finding the encoding, the separator and the header row is about bytes and
lines; what the columns mean is :mod:`deminimis.sources.table_rows`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.sources import table_guards as guards
from deminimis.sources.table_headers import _header_ok

HEADER_SCAN = 30
"""The header row is searched for in the first rows of a file (title and notes above it)."""
SEPARATORS = (";", ",", "\t", "|")


def _decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """One encoding per file (a mixed file is an error naming the line), CR-only line ends as LF."""
    return guards.line_ends(guards.decode(data, path))


def _split(line: str, sep: str) -> list[str]:
    if len(line) > guards.MAX_HEADER_LINE:  # a note or a blob, never the header
        return []
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return []


def _csv_grid(path: Path, kind: str | None, data: bytes | None = None) -> tuple[pl.DataFrame, int, list[int]]:
    """(grid whose row 0 is the header, spreadsheet row of the header, non-blank rows above it)."""
    text = _decode(path.read_bytes() if data is None else data, path)
    lines = text.split("\n", HEADER_SCAN)  # only the head is scanned: no list of a million lines
    scan = [line.rstrip("\r") for line in lines[:HEADER_SCAN]]
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
    if found is None:
        first = next((i for i, line in enumerate(scan) if line.strip()), None)
        if first is None:
            raise InputError(f"{path}: the file is empty ({kind or 'no table'})")
        counts = {sep: scan[first].count(sep) for sep in SEPARATORS}
        found = (first, max(SEPARATORS, key=lambda s: (counts[s], s == ",")))
    idx, sep = found
    body = text[sum(len(line) + 1 for line in lines[:idx]) :]
    most = guards.limits().max_rows
    try:
        grid = pl.read_csv(
            io.StringIO(body),
            separator=sep,
            has_header=False,
            infer_schema=False,
            n_rows=None if most is None else most + 2,
        )
    except pl.exceptions.PolarsError:
        # a stray quote or a row with extra fields: read again to name the row (or read it)
        grid = guards.strict_grid(body, sep, path, idx + 1)
    guards.bound_rows(grid.height - 1, path)
    above = [i + 1 for i, line in enumerate(lines[:idx]) if line.strip()]
    return grid, idx + 1, above
