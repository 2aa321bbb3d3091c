"""Read the contract's input tables (CSV or XLSX) into canonical polars frames.

Real files come from case systems, accounting tools and Excel: semicolons, Windows-1252,
decimal commas, ``kr 1 234 567,89``, ``DD.MM.YYYY`` dates, Norwegian headers, a title row
above the header, blank lines and a ``Sum`` row at the bottom. The reader

- decodes UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1252, and picks the
  separator (``;`` ``,`` tab ``|``) from the header line;
- reads XLSX/XLS/ODS with polars' calamine engine (first sheet, or ``sheet``), every cell
  as text;
- finds the header row: the first row (of the first :data:`HEADER_SCAN`) that holds the
  table's required columns, after mapping Norwegian and English names
  (:data:`HEADER_ALIASES`; ``Beløp (EUR)`` also sets the currency when there is no
  currency column);
- trims every cell and lists the rows it does not use (blank, totals, a repeated header,
  rows above the header) in an *ignored* table ``(file, row, reason)`` instead of
  dropping them silently (:func:`read_table_report`).

Every cell stays text; each field then gets a *problem* expression (null when fine).
Rows with a problem are not dropped: their problems become an errors table
(file, row, field, message) and the row is marked, so the decision for it says
``route: error`` while every other row is still decided. Doubtful but usable rows (an
unknown basis read as ``other``, a duplicate) give *warnings* with the same columns
(:func:`award_warnings`, :func:`application_warnings`). ``row`` is the spreadsheet row
number (the header of a file without a title is row 1).

A missing file or a file without the required columns raises
:class:`~deminimis.errors.InputError` (CLI exit 2).

This module gathers the public names; the code lives in modules named after what they hold:
:mod:`~deminimis.sources.table_headers` (header names), :mod:`~deminimis.sources.table_csv` and
:mod:`~deminimis.sources.table_grid` (file -> grid), :mod:`~deminimis.sources.table_rows`
(grid -> rows, ignored rows), :mod:`~deminimis.sources.table_fields` and
:mod:`~deminimis.sources.table_dates` (field rules), :mod:`~deminimis.sources.table_errors`
(the errors table), :mod:`~deminimis.sources.table_basis`,
:mod:`~deminimis.sources.table_warnings`, :mod:`~deminimis.sources.table_canonical`
(applications), :mod:`~deminimis.sources.table_awards` and :mod:`~deminimis.sources.table_links`
(links, firms).

>>> canonical_header("Org.nr.", "awards"), canonical_header("Dato for tilsagn om støtte", "awards")
('orgnr', 'granted_on')
>>> canonical_header("Vedtaksdato", "applications"), canonical_header("Beløp (NOK)", "awards")
('grant_date', 'amount')
"""

from __future__ import annotations

from deminimis.sources.table_awards import canonical_awards
from deminimis.sources.table_basis import UNRECOGNISED_BASIS, nearest_basis, read_basis, with_basis
from deminimis.sources.table_canonical import NO, YES, canonical_applications
from deminimis.sources.table_csv import HEADER_SCAN, SEPARATORS
from deminimis.sources.table_dates import (
    DATE_RANGE,
    date_columns,
    date_expr,
    date_note,
    date_problem,
    with_date,
)
from deminimis.sources.table_errors import ERRORS_SCHEMA, errors_of
from deminimis.sources.table_fields import (
    CURRENCY_WORDS,
    orgnr_problems,
    reading_notes,
    with_amount,
)
from deminimis.sources.table_headers import (
    HEADER_ALIASES,
    KIND_ALIASES,
    KINDS,
    OPTIONAL,
    REQUIRED,
    _canonical_header,
    canonical_header,
    guess_kind,
)
from deminimis.sources.table_links import LINK_TYPE_ALIASES, canonical_firms, canonical_links
from deminimis.sources.table_rows import IGNORED_SCHEMA, TOTALS_RE, read_any, read_table, read_table_report
from deminimis.sources.table_warnings import application_warnings, award_warnings

_orgnr_problems = orgnr_problems  # the names before issue 7
_date_expr = date_expr
_date_problem = date_problem

__all__ = [
    "CURRENCY_WORDS",
    "DATE_RANGE",
    "ERRORS_SCHEMA",
    "HEADER_ALIASES",
    "HEADER_SCAN",
    "IGNORED_SCHEMA",
    "KINDS",
    "KIND_ALIASES",
    "LINK_TYPE_ALIASES",
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "SEPARATORS",
    "TOTALS_RE",
    "UNRECOGNISED_BASIS",
    "YES",
    "_canonical_header",
    "_date_expr",
    "_date_problem",
    "_orgnr_problems",
    "application_warnings",
    "award_warnings",
    "canonical_applications",
    "canonical_awards",
    "canonical_firms",
    "canonical_header",
    "canonical_links",
    "date_columns",
    "date_expr",
    "date_note",
    "date_problem",
    "errors_of",
    "guess_kind",
    "nearest_basis",
    "orgnr_problems",
    "read_any",
    "read_basis",
    "read_table",
    "read_table_report",
    "reading_notes",
    "with_amount",
    "with_basis",
    "with_date",
]
