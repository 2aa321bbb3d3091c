"""Decisions to files: .json (a list), .jsonl, .csv (UTF-8 with BOM for Excel), .xlsx.

The .xlsx workbook has three sheets:

- ``decisions``: one row per input row, in input order (the columns of :func:`flat_rows`);
- ``errors``: ``file, row, field, message`` of every decision error and every broken row of
  the side files (``input_errors``), with the ``application_id`` it stopped (empty for a
  side-file row that belongs to no application);
- ``counted``: every prior award considered for each application (``application_id`` and
  the fields of contract §3 ``counted``).

Money stays an exact two-decimal string up to this edge; only here is it written as a
numeric cell (string -> Decimal -> cell) with the number format ``#,##0.00``, which a
Norwegian Excel shows as ``1 234 567,89`` (the thousands separator comes from the locale).
Dates are date cells (``dd.mm.yyyy``). Every sheet has a frozen header row, a filter and
column widths fitted to the content (capped for the long reason texts).

The rows and their columns are built in :mod:`deminimis.render.table_rows`; each decision's whole
JSON (the .json/.jsonl writers, the CSV's last column, the hidden sheet, and reading them back)
in :mod:`deminimis.render.decision_json`. Both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl

from deminimis.errors import InputError
from deminimis.models import Decision, RowError
from deminimis.render import extra_columns, outputs
from deminimis.render.decision_json import (
    JSON_COLUMN,
    JSON_PART,
    JSON_SHEET,
    DecisionParts,
    _each_part,
    _extra_part,
    _json_parts,
    decision_texts,
    read_decision_texts,
    workbook_decision_texts,
    write_json,
)
from deminimis.render.decisions import Decisions
from deminimis.render.table_rows import (
    COUNTED_COLUMNS,
    DATES,
    ERROR_COLUMNS,
    FLAT_COLUMNS,
    MONEY,
    NESTED,
    SCALARS,
    counted_rows,
    error_rows,
    flat_rows,
)
from deminimis.render.xlsx import DATE_FORMAT, MONEY_FORMAT, Sheet, Workbook
from deminimis.sources.extra_columns import Extra

FORMATS = (".json", ".jsonl", ".csv", ".xlsx")
HEADERS = ("en", "nb")
CSV_DIALECTS = ("excel", "excel-nb")
SHEETS_NB = {"decisions": "vedtak", "errors": "feil", "counted": "tidligere støtte"}


def write_sheet(
    workbook: Workbook,
    name: str,
    frame: pl.DataFrame,
    *,
    money: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
) -> None:
    """One sheet of text columns: money columns (the decision's names, plus ``money``) as
    numbers with :data:`MONEY_FORMAT`, ISO dates (plus ``dates``) as date cells; frozen
    header, filter, widths (:mod:`deminimis.render.xlsx`)."""
    workbook.add(Sheet(name, frame, money=frozenset(MONEY | set(money)), dates=frozenset(DATES | set(dates))))


def write_xlsx(
    decisions: Sequence[Decision],
    out: Path | BinaryIO,
    input_errors: list[RowError] | None = None,
    headers: str = "en",
    extra: Extra | None = None,
) -> None:
    """The three-sheet workbook described in the module docstring, and the hidden ``json`` sheet
    (to a path, atomically, or to a binary file such as the web page's in-memory download);
    ``headers="nb"``: Norwegian sheet and column names and route words; ``extra``: the
    applications file's own columns, in their place on the decisions sheet."""
    if not isinstance(out, str | Path):
        _workbook(decisions, out, input_errors, headers, extra)
        return
    with outputs.atomic_path(out) as tmp:
        _workbook(decisions, tmp, input_errors, headers, extra)


def _workbook(
    decisions: Sequence[Decision],
    out: Path | BinaryIO,
    input_errors: list[RowError] | None,
    headers: str = "en",
    extra: Extra | None = None,
) -> None:
    final = nb_names() if headers == "nb" else None
    sheets = {
        "decisions": extra_columns.placed(flat_rows(decisions), extra, final),
        "errors": error_rows(decisions, input_errors),
        "counted": counted_rows(decisions),
    }
    money: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    if headers == "nb":
        sheets["errors"] = errors_in_norwegian(sheets["errors"])
        sheets = {SHEETS_NB[k]: in_norwegian(v) for k, v in sheets.items()}
        money, dates = _nb_typed(MONEY), _nb_typed(DATES)
    with outputs.workbook(out) as workbook:
        for name, frame in sheets.items():
            write_sheet(workbook, name, frame, money=money, dates=dates)
        workbook.add(Sheet(JSON_SHEET, _json_parts(decisions), hidden=True, plain=frozenset({"json"})))


def nb_names() -> dict[str, str]:
    """Contract column name -> Norwegian column name (``messages.toml [column_header]``)."""
    from deminimis.render.messages import messages

    return {k.removesuffix("_nb"): v for k, v in messages()["column_header"].items()}


def in_norwegian(frame: pl.DataFrame) -> pl.DataFrame:
    """Norwegian column names (``messages.toml [column_header]``) and route words."""
    from deminimis.render.messages import messages

    names = nb_names()
    routes = {k.removesuffix("_nb"): v for k, v in messages()["route_word"].items()}
    if "route" in frame.columns:
        frame = frame.with_columns(pl.col("route").replace(routes))
    return frame.rename({c: names[c] for c in frame.columns if c in names})


def errors_in_norwegian(errors: pl.DataFrame) -> pl.DataFrame:
    """The errors sheet's message and column in bokmål (:mod:`deminimis.render.row_errors`, as the
    web page shows them), so a Norwegian workbook has no English sentence."""
    from deminimis.render.row_errors import column_nb_expr, message_nb_expr

    return errors.with_columns(
        message=message_nb_expr(pl.col("message")), field=column_nb_expr(pl.col("field"))
    )


def _nb_typed(names: set[str]) -> tuple[str, ...]:
    from deminimis.render.messages import messages

    header = messages()["column_header"]
    return tuple(header.get(f"{c}_nb", c) for c in sorted(names))


def write_csv(
    decisions: Sequence[Decision],
    out: Path,
    headers: str = "en",
    dialect: str = "excel",
    extra: Extra | None = None,
) -> None:
    """The decisions sheet as CSV (UTF-8 with BOM) with each whole decision in its last column;
    ``excel-nb``: semicolons and a decimal comma in the money columns (a Norwegian Excel);
    ``extra``: the applications file's own columns, in their place. Chunked decisions are
    written a chunk at a time (the header and BOM once)."""
    separator = ";" if dialect == "excel-nb" else ","
    if not isinstance(decisions, DecisionParts):
        outputs.write_csv(_csv_frame(decisions, headers, dialect, extra), out, separator=separator)
        return

    with outputs.atomic_path(out) as tmp, tmp.open("wb") as fh:

        def one(start: int, part: Decisions) -> None:
            frame = _csv_frame(part, headers, dialect, _extra_part(extra, start, len(part)))
            first = start == 0
            outputs.inert_frame(frame).write_csv(
                fh, include_bom=first, include_header=first, separator=separator
            )

        _each_part(decisions, one)


def _csv_frame(
    decisions: Sequence[Decision], headers: str, dialect: str, extra: Extra | None
) -> pl.DataFrame:
    frame = extra_columns.placed(flat_rows(decisions), extra, nb_names() if headers == "nb" else None)
    frame = frame.with_columns(decision_texts(decisions))
    if dialect == "excel-nb":
        frame = frame.with_columns(
            [pl.col(c).str.replace(".", ",", literal=True) for c in frame.columns if c in MONEY]
        )
    if headers == "nb":
        frame = in_norwegian(frame)
    return frame


def write(
    decisions: Sequence[Decision],
    out: Path,
    *,
    input_errors: list[RowError] | None = None,
    headers: str = "en",
    csv_dialect: str = "excel",
    extra: Extra | None = None,
) -> None:
    """Write decisions in the format named by ``out``'s suffix (``input_errors``: the .xlsx
    ``errors`` sheet also lists the side files' broken rows; ``headers``: ``en`` field names or
    ``nb`` Norwegian column names; ``csv_dialect``: ``excel`` or ``excel-nb``; ``extra``: the
    applications file's own columns, ``BatchResult.extra``)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{out}: unknown output format '{suffix}' (use {', '.join(FORMATS)})")
    if headers not in HEADERS or csv_dialect not in CSV_DIALECTS:
        raise InputError(f"headers '{headers}' / csv dialect '{csv_dialect}': use {HEADERS} / {CSV_DIALECTS}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx" and isinstance(decisions, DecisionParts):
        decisions = decisions.concat()  # a workbook is built whole (widths, four sheets)
    if suffix in (".json", ".jsonl"):
        write_json(decisions, out, lines=suffix == ".jsonl", extra=extra)
    elif suffix == ".csv":
        write_csv(decisions, out, headers, csv_dialect, extra)
    else:
        write_xlsx(decisions, out, input_errors, headers, extra)


__all__ = [
    "COUNTED_COLUMNS",
    "DATES",
    "DATE_FORMAT",
    "DecisionParts",
    "ERROR_COLUMNS",
    "FLAT_COLUMNS",
    "FORMATS",
    "JSON_COLUMN",
    "JSON_PART",
    "JSON_SHEET",
    "MONEY",
    "MONEY_FORMAT",
    "NESTED",
    "SCALARS",
    "counted_rows",
    "decision_texts",
    "error_rows",
    "flat_rows",
    "write",
    "in_norwegian",
    "read_decision_texts",
    "workbook_decision_texts",
    "write_csv",
    "write_json",
    "write_sheet",
    "write_xlsx",
]
