"""A grid -> the table's rows named by the contract, and the rows it does not use.

Why listed, not dropped: a blank row, a ``Sum`` row, a repeated header or a title above
the header is named in the *ignored* table (file, row, reason), so nothing is lost silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.errors_nb import missing_columns_nb
from deminimis.plan import READERS
from deminimis.sources import extra_columns
from deminimis.sources import table_guards as guards
from deminimis.sources.table_grid import _grid
from deminimis.sources.table_headers import (
    HEADER_ALIASES,
    KIND_ALIASES,
    KINDS,
    OPTIONAL,
    REQUIRED,
    _header_key,
    _squash,
    canonical_header,
    guess_kind,
)
from deminimis.sources.table_plain import all_plain

TOTALS_RE = (
    r"^(?:sum|summer|sum totalt|sum i alt|totalt|total|totals|totalsum|totalt i alt|i alt|"
    r"grand total|subtotal|delsum)(?:\s+\d{4})?\s*:?$"
)
"""A cell marking a totals row (``Sum``, ``Totalt``, ``Total 2021:``) when the orgnr is empty or is it."""

IGNORED_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "reason": pl.Utf8}


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col) == "")


_ID = "application_id"
_ID_WORDS = sorted(
    {_squash(k) for t in (HEADER_ALIASES, KIND_ALIASES["applications"]) for k, v in t.items() if v == _ID}
    | {"applicationid"}
)


def _no_id(has_id: bool, words: str | list[str]) -> pl.Expr:
    """No application id of its own (blank, or the totals word / header name itself)."""
    if not has_id:
        return pl.lit(True)
    value = pl.col("application_id").str.to_lowercase()
    if isinstance(words, str):
        return _blank("application_id") | value.str.contains(words)
    return _blank("application_id") | value.str.replace_all(r"[\s._\-/()]", "").is_in(words)


def _names(headers: list, kind: str | None, path: Path) -> tuple[str, list[str], dict[str, str]]:
    """(kind, the contract name of each column, units named in headers): ``Beløp (EUR)``."""
    if kind is None:
        kind = guess_kind(headers)
        if kind is None:
            found = ", ".join(str(h) for h in headers if h is not None) or "none"
            raise InputError(
                f"{path}: cannot tell which table this is from its headers (found: {found}); "
                f"give --kind ({'|'.join(KINDS)})"
            )
    names: list[str] = []
    units: dict[str, str] = {}
    known = {*REQUIRED[kind], *OPTIONAL[kind]}
    for i, h in enumerate(headers):
        name = canonical_header(h, kind) if h is not None and str(h).strip() else f"__col{i}"
        if name in names and name in known:
            raise guards.duplicate_column(path, headers[names.index(name)], h, name)
        if name in names or name in ("file", "row"):
            name = f"__col{i}"
        names.append(name)
        if unit := _header_key(h)[1]:
            units[name] = unit
    if missing := [c for c in REQUIRED[kind] if c not in names]:
        found = [n for n in names if not n.startswith("__col")]
        listed = ", ".join(found) or "none"
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)} for {kind} (found: {listed})",
            nb=missing_columns_nb(path, missing, kind, found),
        )
    return kind, names, units


_ABOVE = "above the header row"
_HEADER_WORDS = sorted({_squash(k) for k, v in HEADER_ALIASES.items() if v == "orgnr"} | {"orgnr"})


def _reason(everything: list[str], keep: list[str]) -> pl.Expr:
    """Why a row is not used (null when it is): blank, totals or a repeated header row."""
    totals = [
        pl.when(pl.col(c).str.to_lowercase().str.contains(TOTALS_RE)).then(pl.col(c)) for c in everything
    ]
    return (
        pl.when(pl.all_horizontal([_blank(c) for c in everything]))
        .then(pl.lit("blank row"))
        .when(pl.all_horizontal([_blank(c) for c in keep]))
        .then(pl.lit("no value in the table's columns"))
        .when(
            (_blank("orgnr") | pl.col("orgnr").str.to_lowercase().str.contains(TOTALS_RE))
            & pl.any_horizontal([t.is_not_null() for t in totals])
            & _no_id("application_id" in everything, TOTALS_RE)  # a row with its own id is an application
        )
        .then(pl.format("totals row ('{}')", pl.coalesce(totals)))
        .when(
            pl.col("orgnr").str.to_lowercase().str.replace_all(r"[\s._\-/()]", "").is_in(_HEADER_WORDS)
            & _no_id("application_id" in everything, _ID_WORDS)
        )
        .then(pl.lit("repeated header row"))
    )


_PLAIN_ORGNR = re.compile(r"[0-9 ]+")
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # whitespace to polars' strip_chars too


def _plain_orgnr(value: str | None) -> bool:
    """Only digits and spaces once stripped: the row is used (as in :func:`_ignored_rows`)."""
    return value is not None and _PLAIN_ORGNR.fullmatch(value.strip(_ASCII_SPACE)) is not None


def _ignored_rows(data: pl.DataFrame, everything: list[str], keep: list[str]) -> pl.DataFrame:
    """``row, reason`` of the rows not used. A row whose orgnr is only digits and spaces is
    never ignored: the rules run on the others only (cells stripped there, as the kept ones)."""
    if guards.limits().keep_every_row:  # a request body: every item comes back
        return pl.DataFrame(schema={"row": pl.Int64, "reason": pl.Utf8})
    plain = pl.col("orgnr").str.contains(r"^[0-9 ]+$").fill_null(False)
    return (
        data.lazy()
        .filter(~plain)
        .with_columns(pl.col(everything).str.strip_chars())
        .select("row", reason=_reason(everything, keep))
        .filter(pl.col("reason").is_not_null())
        .collect(engine=READERS)
    )


def _table(
    grid: pl.DataFrame, header_row: int, above: list[int], path: Path, kind: str | None
) -> tuple[str, pl.DataFrame, pl.DataFrame]:
    headers = list(grid.row(0)) if grid.height else []
    kind, names, units = _names(headers, kind, path)
    known = {*REQUIRED[kind], *OPTIONAL[kind]}
    keep = [c for c in (*REQUIRED[kind], *OPTIONAL[kind]) if c in names]
    own = extra_columns.names(headers, names, known) if kind == "applications" else {}  # kept for the outputs
    first = header_row + 1
    data = (
        grid.slice(1)
        .rename(dict(zip(grid.columns, names, strict=True)))
        .lazy()
        .with_columns(pl.col([*keep, *own]).str.strip_chars())
        .with_columns(file=pl.lit(str(path)), row=pl.int_range(first, first + pl.len(), dtype=pl.Int64))
    )
    reasons = {"file": [str(path)] * len(above), "row": above, "reason": [_ABOVE] * len(above)}
    above_rows = pl.DataFrame(reasons, schema=IGNORED_SCHEMA)
    unit = units.get("amount")
    added = [
        pl.lit(unit if c == "currency" and unit else None, pl.Utf8).alias(c)
        for c in OPTIONAL[kind]
        if c not in keep
    ]
    columns = [*keep, *added, *(pl.col(c).alias(e) for c, e in own.items()), "file", "row"]
    key = "orgnr" if "orgnr" in names else REQUIRED[kind][1] if kind == "events" else REQUIRED[kind][0]
    if guards.limits().keep_every_row or _every_row_used(grid, names.index(key)):
        return kind, data.select(columns).collect(engine=READERS), above_rows  # one query
    if key != "orgnr":  # the row rules key on it (events: the predecessor)
        data = data.with_columns(orgnr=pl.col(key))
    data = data.collect(engine=READERS)
    skipped = _ignored_rows(data, names, keep)
    ignored = pl.concat([above_rows, skipped.select(pl.lit(str(path)).alias("file"), "row", "reason")])
    if skipped.height:
        data = data.filter(~pl.col("row").is_in(skipped.get_column("row").implode()))
    return kind, data.select(columns), ignored


def _every_row_used(grid: pl.DataFrame, key: int) -> bool:
    """A small grid whose every row has an orgnr of digits and spaces: no row is ignored, so
    the row rules need not run (they cost about a millisecond, even on no row)."""
    return all_plain(grid.slice(1), {grid.columns[key]: _plain_orgnr})


def read_table_report(
    path: Path | str, kind: str | None, sheet: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read one CSV or spreadsheet: (rows as text columns named by the contract plus ``file``
    and ``row``; ignored rows ``file, row, reason``). ``kind=None`` guesses it from the headers
    (see :func:`read_any` to learn which)."""
    _, frame, ignored = read_any(path, kind, sheet)
    return frame, ignored


def read_any(
    path: Path | str, kind: str | None = None, sheet: str | None = None, data: bytes | None = None
) -> tuple[str, pl.DataFrame, pl.DataFrame]:
    """Like :func:`read_table_report`, also returning the kind (guessed when None). With ``data``
    the table is read from those bytes (an upload) and ``path`` only names it."""
    path = Path(path)
    grid, header_row, above = _grid(path, kind, sheet, data)
    return _table(grid, header_row, above, path, kind)


def read_table(path: Path | str, kind: str, sheet: str | None = None) -> pl.DataFrame:
    """Read one CSV or spreadsheet as text columns named by the contract, plus ``file`` and ``row``."""
    return read_table_report(path, kind, sheet)[0]
