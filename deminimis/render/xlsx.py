"""A streaming XLSX writer: each sheet's XML is built from whole polars columns.

Why not xlsxwriter: it writes cell by cell through Python, and 20,000 decisions (4.8 million
cells plus 290 MB of decision JSON in the hidden sheet) took 90–240 s (``bench/xlsx.py``).
Here each column becomes its cells' XML in one polars expression, polars joins the cells of
a row and writes a slice of rows at a time into the zip member, where it is deflated as it
comes (the file is never held whole in memory).

Why inert: text is written as inline strings (``t="inlineStr"``) and no cell ever gets a
formula (``<f>``) or a link, so ``=1+1``, ``+47 22``, ``@SUM(A1)`` or a leading tab stay the
text the officer typed.

A sheet has a bold, frozen header row, an autofilter over header and data, column widths
fitted to the content (capped), money cells as numbers with :data:`MONEY_FORMAT` (the exact
two-decimal text is written as the cell's value; no float on the way) and ISO dates as date
cells with :data:`DATE_FORMAT`; a sheet may be hidden. The format's limits are kept: a sheet
of more than 1,048,576 rows is an error naming it, text longer than 32,767 characters is cut
there (as Excel does), and characters XML cannot hold are written as Excel's ``_xHHHH_``.

Here: the sheets, the rows streamed into the zip and the workbook; each column's cell XML, the
scan of its special cases and the column widths are in :mod:`deminimis.render.xlsx_cells`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import polars as pl

from deminimis.errors import InputError
from deminimis.render.xlsx_cells import MAX_CHARS, MAX_WIDTH, _cell, _found, _widths
from deminimis.render.xlsx_package import (
    DATE_FORMAT,
    DECL,
    HEADER_STYLE,
    MONEY_FORMAT,
    NS,
    REL_NS,
    Entry,
    column_letter,
    escape,
    package,
)

MAX_ROWS = 1_048_576
SLICE = 8_192
"""Rows built and written at a time (bounds the memory of the hidden JSON sheet)."""


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``frame`` (any column types), the text columns to write as money or date cells."""

    name: str
    frame: pl.DataFrame
    money: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    hidden: bool = False
    plain: frozenset[str] = frozenset()
    """Text columns known to hold no control characters and no blank at either end (JSON text):
    not scanned for them."""


def _sheet_head(sheet: Sheet, first: bool) -> str:
    width = sheet.frame.width
    last = f"{column_letter(max(width, 1) - 1)}{sheet.frame.height + 1}"
    view = "" if sheet.hidden else (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    )  # fmt: skip
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(_widths(sheet), start=1)
    )
    header = "".join(
        f'<c r="{column_letter(i)}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>{escape(name)}</t></is></c>'
        for i, name in enumerate(sheet.frame.columns)
    )
    selected = ' tabSelected="1"' if first else ""
    return (
        f'{DECL}<worksheet {NS} xmlns:r="{REL_NS}"><dimension ref="A1:{last}"/><sheetViews>'
        f'<sheetView workbookViewId="0"{selected}>{view}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}'
        f'<sheetData><row r="1">{header}</row>\n'
    )


def filter_range(sheet: Sheet) -> str | None:
    """``A1:Q263001``: the autofilter of a visible sheet with columns."""
    if sheet.hidden or not sheet.frame.width:
        return None
    return f"A1:{column_letter(sheet.frame.width - 1)}{sheet.frame.height + 1}"


def _chunks(sheet: Sheet, first: bool) -> Iterator[bytes]:
    """The sheet's XML: the head, then :data:`SLICE` rows at a time, then the tail."""
    frame = sheet.frame
    yield _sheet_head(sheet, first).encode()
    found = _found(sheet)
    cells = [_cell(sheet, c, column_letter(i), found.get(c, set())) for i, c in enumerate(frame.columns)]
    row = pl.concat_str(
        [pl.lit('<row r="'), pl.col("_r"), pl.lit('">'), *cells, pl.lit("</row>")], ignore_nulls=True
    )
    for start in range(0, frame.height, SLICE):
        part = frame.slice(start, SLICE).with_columns(
            _r=pl.int_range(start + 2, start + 2 + pl.len()).cast(pl.Utf8)
        )
        buf = io.BytesIO()
        part.select(row).write_csv(buf, include_header=False, quote_style="never")
        yield buf.getvalue()
    ref = filter_range(sheet)
    autofilter = f'<autoFilter ref="{ref}"/>' if ref else ""
    yield f"</sheetData>{autofilter}</worksheet>".encode()


def _ahead(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks, each built (by polars, in a thread) while the one before is deflated."""
    with ThreadPoolExecutor(1) as pool:
        coming = pool.submit(next, chunks, None)
        while (chunk := coming.result()) is not None:
            coming = pool.submit(next, chunks, None)
            yield chunk


def _fast_deflate(member: IO[bytes]) -> None:
    """Deflate ``member`` with ISA-L (python-isal: zlib's interface, about 9× faster at level 1,
    files as small) when it is installed. zipfile has no hook for its compressor, so the fresh
    member's is replaced before its first byte; without isal, zipfile's zlib is kept."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency; zlib still writes the file
        return
    if getattr(member, "_compressor", None) is not None and not getattr(member, "_file_size", 1):
        member._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)  # type: ignore[attr-defined]


def _names(sheets: list[Sheet]) -> None:
    seen: set[str] = set()
    for s in sheets:
        if not 0 < len(s.name) <= 31 or any(ch in s.name for ch in "[]:*?/\\") or s.name.lower() in seen:
            raise InputError(f"sheet name '{s.name}': 1–31 characters, unique, none of []:*?/\\")
        if s.frame.height + 1 > MAX_ROWS:
            raise InputError(
                f"sheet '{s.name}': {s.frame.height:,} rows do not fit in an .xlsx sheet "
                f"({MAX_ROWS - 1:,} at most); write .csv or .jsonl instead"
            )
        seen.add(s.name.lower())


def write_workbook(target: Path | str | BinaryIO, sheets: Iterable[Sheet]) -> None:
    """The sheets, in order, as one .xlsx (to a path or a writable binary file)."""
    sheets = list(sheets)
    _names(sheets)
    dest = str(target) if isinstance(target, str | Path) else target
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        entries = [Entry(s.name, s.hidden, filter_range(s)) for s in sheets]
        for name, text in package(entries).items():
            zf.writestr(name, text)
        for i, sheet in enumerate(sheets, start=1):
            big = sheet.frame.estimated_size() > 1 << 28  # its XML may pass plain zip's 2 GiB
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=big) as member:
                _fast_deflate(member)
                for chunk in _ahead(_chunks(sheet, first=i == 1)):
                    member.write(chunk)


class Workbook:
    """Sheets collected in order and written as one .xlsx when the ``with`` block ends
    without an error (the interface :func:`deminimis.render.outputs.workbook` gives)."""

    def __init__(self, target: Path | str | BinaryIO) -> None:
        self.target = target
        self.sheets: list[Sheet] = []

    def add(self, sheet: Sheet) -> None:
        self.sheets.append(sheet)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            write_workbook(self.target, self.sheets)


__all__ = [
    "DATE_FORMAT",
    "MAX_CHARS",
    "MAX_WIDTH",
    "MONEY_FORMAT",
    "Sheet",
    "Workbook",
    "column_letter",
    "write_workbook",
]
