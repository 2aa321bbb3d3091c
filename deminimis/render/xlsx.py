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
from deminimis.render.xlsx_package import (
    DATE_FORMAT,
    DATE_STYLE,
    DECL,
    HEADER_STYLE,
    MONEY_FORMAT,
    MONEY_STYLE,
    NS,
    REL_NS,
    Entry,
    column_letter,
    escape,
    package,
)

MAX_ROWS = 1_048_576
MAX_CHARS = 32_767
MAX_WIDTH = 60
"""Characters; longer cells (reason texts) are cut off in view, not in content."""
SLICE = 8_192
"""Rows built and written at a time (bounds the memory of the hidden JSON sheet)."""
_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$"
_BAD_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EPOCH = 25_569
"""The Excel serial number of 1970-01-01."""


def _escaped(expr: pl.Expr, found: set[str]) -> pl.Expr:
    """XML text of a text column; ``found``: the characters to replace that it holds (``&<>``;
    CR as a reference, which XML keeps; ``_x`` for the characters XML cannot hold at all,
    written as Excel's ``_xHHHH_``)."""
    expr = expr.str.slice(0, MAX_CHARS)
    if "_x" in found:
        expr = expr.str.replace_all(r"_(x[0-9A-Fa-f]{4}_)", "_x005F_$1")
        for code in [*range(0x20), 0xFFFE, 0xFFFF]:
            if chr(code) not in "\t\n\r":
                expr = expr.str.replace_all(chr(code), f"_x{code:04X}_", literal=True)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        if char in found:
            expr = expr.str.replace_all(char, entity, literal=True)
    return expr


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


def _ref(letter: str, style: int, kind: str = "") -> list[pl.Expr]:
    attrs = (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind else "")
    return [pl.lit(f'<c r="{letter}'), pl.col("_r"), pl.lit(f'"{attrs}>')]


def _edge(text: pl.Expr) -> pl.Expr:
    """A blank (space, tab, line end) at either end."""
    return text.str.strip_chars().str.len_bytes() != text.str.len_bytes()


def _text_open(text: pl.Expr, spaced: bool) -> pl.Expr:
    """``<is><t>``, keeping the blanks at either end of a text that has them."""
    if not spaced:
        return pl.lit("<is><t>")
    return pl.when(_edge(text)).then(pl.lit('<is><t xml:space="preserve">')).otherwise(pl.lit("<is><t>"))


def _day(sheet: Sheet, name: str) -> pl.Expr | None:
    """The date of a date column's cells (null where the text is not an ISO date), else None."""
    col, dtype = pl.col(name), sheet.frame.schema[name]
    if dtype.is_temporal():
        return col.cast(pl.Date)
    if name in sheet.dates:
        return col.cast(pl.Utf8).str.to_date("%Y-%m-%d", strict=False)
    return None


def _numeric(sheet: Sheet, name: str) -> bool:
    dtype = sheet.frame.schema[name]
    return (dtype.is_numeric() or name in sheet.money) and dtype != pl.Boolean


def _cell(sheet: Sheet, name: str, letter: str, found: set[str]) -> pl.Expr:
    """The XML of one column's cells (null for an empty cell). ``found`` (:func:`_found`) says
    which special cases the column has, so the others cost nothing."""
    col, dtype = pl.col(name), sheet.frame.schema[name]
    if dtype == pl.Boolean:
        flag = col.cast(pl.Int8).cast(pl.Utf8)
        return pl.concat_str([*_ref(letter, 0, "b"), pl.lit("<v>"), flag, pl.lit("</v></c>")])
    if dtype.is_integer():
        return pl.concat_str([*_ref(letter, 0), pl.lit("<v>"), col.cast(pl.Utf8), pl.lit("</v></c>")])
    text = col.cast(pl.Utf8)
    parts = [*_ref(letter, 0, "inlineStr"), _text_open(text, " " in found), _escaped(text, found)]
    inline = pl.concat_str([*parts, pl.lit("</t></is></c>")])
    if "" in found:  # an empty text is an empty cell
        inline = pl.when(text != "").then(inline)
    if (day := _day(sheet, name)) is not None:
        serial = (day.cast(pl.Int32) + _EPOCH).cast(pl.Utf8)
        date = pl.concat_str([*_ref(letter, DATE_STYLE), pl.lit("<v>"), serial, pl.lit("</v></c>")])
        return date if "all" in found else pl.when(day.is_not_null()).then(date).otherwise(inline)
    if _numeric(sheet, name):
        style = MONEY_STYLE if name in sheet.money else 0
        number = pl.concat_str([*_ref(letter, style), pl.lit("<v>"), text, pl.lit("</v></c>")])
        return (
            number if "all" in found else pl.when(text.str.contains(_NUMBER)).then(number).otherwise(inline)
        )
    return inline


def _widths(sheet: Sheet) -> list[float]:
    """Widths from the longest cell of each column (header included; in bytes, so «ø» counts
    twice), capped at :data:`MAX_WIDTH`: the reason texts are cut off in view, not in content."""
    frame = sheet.frame
    fixed = {c: 10 for c in frame.columns if _day(sheet, c) is not None}
    fixed |= {c: 16 for c in frame.columns if c in sheet.money and c not in fixed}
    measured = [c for c in frame.columns if c not in fixed]
    longest = {}
    if frame.height and measured:
        row = frame.select(pl.col(c).cast(pl.Utf8).str.len_bytes().max() for c in measured).row(0)
        longest = dict(zip(measured, row, strict=True))
    chars = [max(len(c), fixed.get(c) or int(longest.get(c) or 0)) for c in frame.columns]
    return [float(min(n + 2, MAX_WIDTH)) for n in chars]


def _found(sheet: Sheet) -> dict[str, set[str]]:
    """Per text column, which of ``&<>``, CR, ``_x`` (a character XML cannot hold, or a literal
    ``_xHHHH_``) and `` `` (a blank at either end) it holds: most columns hold none, and each
    replacement is a pass over the text."""
    frame = sheet.frame
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    if not frame.height:
        return {}
    needles = ["&", "<", ">", "\r", "_x"]
    # Long texts (the decisions' JSON) are searched needle by needle (memchr), the others for
    # any needle at once (Aho-Corasick), then needle by needle only where one was found.
    long = [c for c in text if c in sheet.plain]
    checks = {(c, n): pl.col(c).str.contains(n, literal=True).any() for c in long for n in needles}
    checks |= {(c, "?"): pl.col(c).str.contains_any(needles).any() for c in text if c not in sheet.plain}
    checks |= {(c, "_x"): pl.col(c).str.contains(_BAD_XML).any() for c in text if c not in sheet.plain}
    checks |= {(c, " "): _edge(pl.col(c)).any() for c in text if c not in sheet.plain}
    checks |= {(c, ""): (pl.col(c) == "").any() for c in text}
    for c in frame.columns:  # "all": every value is a date (a number): no text cells to build
        if (day := _day(sheet, c)) is not None:
            checks[(c, "all")] = (day.is_not_null() | pl.col(c).is_null()).all()
        elif _numeric(sheet, c):
            checks[(c, "all")] = (pl.col(c).cast(pl.Utf8).str.contains(_NUMBER) | pl.col(c).is_null()).all()
    found = _hits(frame, checks)
    which = {
        (c, n): pl.col(c).str.contains(n, literal=True).any()
        for c in text
        if "?" in found[c]
        for n in needles
    }
    for column, hits in _hits(frame, which).items():
        found[column] = (found[column] | hits) - {"?"}
    return found


def _hits(frame: pl.DataFrame, checks: dict[tuple[str, str], pl.Expr]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {c: set() for c in frame.columns}
    if checks:
        row = frame.select(e.alias(str(i)) for i, e in enumerate(checks.values())).row(0)
        for (column, needle), hit in zip(checks, row, strict=True):
            if hit:
                found[column].add(needle)
    return found


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


__all__ = ["DATE_FORMAT", "MONEY_FORMAT", "Sheet", "Workbook", "column_letter", "write_workbook"]
