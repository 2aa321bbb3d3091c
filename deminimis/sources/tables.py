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

>>> canonical_header("Org.nr.", "awards"), canonical_header("Dato for tilsagn om støtte", "awards")
('orgnr', 'granted_on')
>>> canonical_header("Vedtaksdato", "applications"), canonical_header("Beløp (NOK)", "awards")
('grant_date', 'amount')
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from pathlib import Path

import polars as pl

from deminimis import gge_input
from deminimis.errors import InputError
from deminimis.money import amount_columns, cents_expr
from deminimis.sources import extra_columns
from deminimis.sources import table_guards as guards

HEADER_ALIASES: dict[str, str] = {
    # orgnr
    "organisasjonsnummer": "orgnr",
    "org.nr": "orgnr",
    "orgnr.": "orgnr",
    "org_nr": "orgnr",
    "organisasjonsnr": "orgnr",
    "orgnummer": "orgnr",
    "foretaksnummer": "orgnr",
    "organisation number": "orgnr",
    "organization number": "orgnr",
    "org number": "orgnr",
    # amount
    "beløp": "amount",
    "belop": "amount",
    "støttebeløp": "amount",
    "tilskuddsbeløp": "amount",
    "tilskudd": "amount",
    "bevilget beløp": "amount",
    "innvilget beløp": "amount",
    "tildelt beløp": "amount",
    "søkt beløp": "amount",
    "omsøkt beløp": "amount",
    "aid amount": "amount",
    "grant amount": "amount",
    # currency
    "valuta": "currency",
    "valutakode": "currency",
    "currency code": "currency",
    # granted_on (prior aid; in applications these mean grant_date, see KIND_ALIASES)
    "tildelingsdato": "granted_on",
    "vedtaksdato": "granted_on",
    "dato for tilsagn om støtte": "granted_on",
    "dato for tilsagn": "granted_on",
    "tilsagnsdato": "granted_on",
    "date granted": "granted_on",
    # basis
    "hjemmel": "basis",
    "støttegrunnlag": "basis",
    "grunnlag": "basis",
    "støtteordning": "basis",
    "støtteordning / hjemmel": "basis",
    "støtteordning/hjemmel": "basis",
    "rettslig grunnlag": "basis",
    "regelverk": "basis",
    "legal basis": "basis",
    # grantor, reference
    "støttegiver": "grantor",
    "tilskuddsgiver": "grantor",
    "granting authority": "grantor",
    "referanse": "reference",
    "saksnummer": "reference",
    "saksnr": "reference",
    "ref": "reference",
    # firms, applications
    "kommunenr": "kommunenummer",
    "knr": "kommunenummer",
    "næringskode": "nace",
    "naeringskode": "nace",
    "nace-kode": "nace",
    "søknadsid": "application_id",
    "søknadsnummer": "application_id",
    "søknadsnr": "application_id",
    "ordning": "scheme",
    "navn": "name",
    "foretaksnavn": "name",
    "firmanavn": "name",
    "foretak": "name",
    "konsern": "undertaking_id",
    "foretaksgruppe": "undertaking_id",
    "år": "year",
    "måned": "month",
    # links
    "koblingstype": "link_type",
    "tilknytning": "link_type",
    "type kobling": "link_type",
    "gyldig fra": "valid_from",
    "gyldig til": "valid_to",
    "fra dato": "valid_from",
    "til dato": "valid_to",
    # events
    "hendelse": "event",
    "overdragende foretak": "predecessor_orgnr",
    "forgjenger": "predecessor_orgnr",
    "overtakende foretak": "successor_orgnr",
    "etterfølger": "successor_orgnr",
    "virkningsdato": "effective_date",
    "andel": "share",
    # awards
    "land": "country",
    "støttegivende stat": "country",
    **gge_input.HEADER_ALIASES,
}
"""Norwegian (and spelling-variant) headers -> contract names. Matching is case-insensitive,
on the trimmed header with runs of spaces collapsed; a unit in brackets (``Beløp (NOK)``)
is removed first. Failing an exact match, the header is compared without spaces, dots,
dashes, underscores and slashes (``Org. nr.`` = ``orgnr``)."""

KIND_ALIASES: dict[str, dict[str, str]] = {
    "applications": {
        "tildelingsdato": "grant_date",
        "vedtaksdato": "grant_date",
        "dato for tilsagn om støtte": "grant_date",
        "dato for tilsagn": "grant_date",
        "tilsagnsdato": "grant_date",
        "dato": "grant_date",
        "id": "application_id",
    },
    "awards": {"grant date": "granted_on", "grant_date": "granted_on", "dato": "granted_on"},
}
"""Aliases whose meaning depends on the table (a decision date is the planned ``grant_date``
of an application but the ``granted_on`` of a prior award)."""

REQUIRED = {
    "applications": ("orgnr", "amount", "grant_date"),
    "awards": ("orgnr", "granted_on", "amount", "basis"),
    "links": ("orgnr", "undertaking_id"),
    "firms": ("orgnr",),
    "employer_tax": ("orgnr", "year"),
    "events": ("event", "predecessor_orgnr", "successor_orgnr", "effective_date"),
}
OPTIONAL = {
    "applications": (
        "application_id",
        "currency",
        "scheme",
        "nace",
        "fiscal_year_start",
        "in_difficulty_2019",
        *gge_input.APPLICATION_COLUMNS,
    ),
    "awards": ("currency", "grantor", "reference", "country", *gge_input.AWARD_COLUMNS),
    "links": ("link_type", "valid_from", "valid_to"),
    "firms": ("name", "nace", "kommunenummer", "status"),
    "employer_tax": ("month", "advantage_nok", "wage_base_nok", "kommunenummer", "area", "sector"),
    "events": ("share",),
}
KINDS = tuple(REQUIRED)
YES = ("yes", "ja", "y", "j", "true", "1")
NO = ("no", "nei", "n", "false", "0", "")
HEADER_SCAN = 30
"""The header row is searched for in the first rows of a file (title and notes above it)."""
SEPARATORS = (";", ",", "\t", "|")
TOTALS_RE = (
    r"^(?:sum|summer|sum totalt|sum i alt|totalt|total|totals|totalsum|totalt i alt|i alt|"
    r"grand total|subtotal|delsum)(?:\s+\d{4})?\s*:?$"
)
"""A cell marking a totals row (``Sum``, ``Totalt``, ``Total 2021:``) when the orgnr is empty or is it."""

ERRORS_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "message": pl.Utf8}
IGNORED_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "reason": pl.Utf8}
_CONTRACT = {c for k in KINDS for c in (*REQUIRED[k], *OPTIONAL[k])}
_UNIT_RE = re.compile(
    r"^(?P<base>.*?)\s*(?:[(\[]\s*(?:i\s+)?(?P<u1>nok|eur|kr|sek|dkk|usd|gbp)\.?\s*[)\]]"
    r"|,?\s+i\s+(?P<u2>nok|eur)|\s+(?P<u3>nok|eur))$"
)


# --------------------------------------------------------------------------- headers


def _header_key(name: object) -> tuple[str, str | None]:
    """Normalised header text and the currency unit it names (``Beløp (EUR)`` -> EUR)."""
    key = " ".join(str(name or "").replace("\u00a0", " ").split()).lower().strip().rstrip(":*").strip()
    unit = None
    if (m := _UNIT_RE.match(key)) and m["base"]:
        key = m["base"].strip()
        unit = (m["u1"] or m["u2"] or m["u3"]).upper()
        unit = "NOK" if unit == "KR" else unit
    return key, unit


def _squash(key: str) -> str:
    return re.sub(r"[\s._\-/()]", "", key)


_SQUASHED = {_squash(k): v for k, v in HEADER_ALIASES.items()} | {_squash(c): c for c in _CONTRACT}
_SQUASHED_KIND = {kind: {_squash(k): v for k, v in table.items()} for kind, table in KIND_ALIASES.items()}


def canonical_header(name: object, kind: str) -> str:
    """The contract name of a header in a table of ``kind`` (unchanged, lower-cased, if unknown)."""
    key, _ = _header_key(name)
    kind_table = KIND_ALIASES.get(kind, {})
    if key in kind_table:
        return kind_table[key]
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    squashed = _squash(key)
    if squashed in _SQUASHED_KIND.get(kind, {}):
        return _SQUASHED_KIND[kind][squashed]
    return _SQUASHED.get(squashed, key)


_canonical_header = canonical_header


def _satisfied(cells: list, kind: str) -> bool:
    names = {canonical_header(c, kind) for c in cells if c is not None and str(c).strip()}
    return all(c in names for c in REQUIRED[kind])


def guess_kind(headers: list) -> str | None:
    """The table kind whose required columns the headers hold (the most specific one), or None.

    >>> guess_kind(["Org.nr.", "Støttegiver", "Støtteordning", "Støttebeløp", "Dato for tilsagn om støtte"])
    'awards'
    >>> guess_kind(["orgnr", "amount", "grant_date"]), guess_kind(["navn"])
    ('applications', None)
    """
    fits = []
    for kind in KINDS:
        if _satisfied(headers, kind):
            names = {canonical_header(c, kind) for c in headers if c is not None}
            fits.append((len(REQUIRED[kind]), len(names & {*REQUIRED[kind], *OPTIONAL[kind]}), kind))
    return max(fits)[2] if fits else None


def _header_ok(cells: list, kind: str | None) -> bool:
    return guess_kind(cells) is not None if kind is None else _satisfied(cells, kind)


# --------------------------------------------------------------------------- files -> grid


def _decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """One encoding per file (a mixed file is an error naming the line), CR-only line ends as LF."""
    return guards.line_ends(guards.decode(data, path))


def _is_spreadsheet(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(8)
    return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
        ".xlsx",
        ".xlsm",
        ".xlsb",
        ".xls",
        ".ods",
    )


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


def _flag_formulas(grid: pl.DataFrame, path: Path, sheet: str | None) -> pl.DataFrame:
    """A formula cell without a calculated value reads as its formula (``=SUM(B2:B9)``), which
    no field accepts: the row gets an error naming the field instead of an amount 0.00."""
    first, cells = guards.formulas_without_value(path, sheet)
    if not cells:
        return grid
    columns = {name: grid.get_column(name).to_list() for name in grid.columns}
    for row, col, formula in cells:
        name = f"column_{col - first}" if 0 <= col - first < grid.width else None
        if name in columns and 0 <= row < grid.height:
            columns[name][row] = f"={formula}"
    return pl.DataFrame(columns, schema=dict.fromkeys(grid.columns, pl.Utf8))


def _excel_grid(path: Path, kind: str | None, sheet: str | None) -> tuple[pl.DataFrame, int, list[int]]:
    guards.check_zip(path)  # unpacked size before parsing: a 5 MB upload can hold 1 GB of XML
    most = guards.limits().max_rows
    n_rows = {} if most is None else {"n_rows": most + HEADER_SCAN + 2}
    try:
        grid = pl.read_excel(
            path.getvalue() if isinstance(path, io.BytesIO) else path,
            sheet_name=sheet,
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            # keep leading empty rows: row i is spreadsheet row i + 1
            read_options={"skip_rows": 0, **n_rows},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except ValueError as exc:
        if sheet is not None and "sheet" in str(exc):
            raise InputError(f"{path}: no sheet named '{sheet}'") from exc
        raise InputError(f"{path}: not a readable spreadsheet ({exc})") from exc
    except Exception as exc:  # calamine/fastexcel errors have no common polars base class
        raise InputError(f"{path}: not a readable spreadsheet ({exc.__class__.__name__})") from exc
    grid = _flag_formulas(grid.select(pl.all().cast(pl.Utf8)), path, sheet)
    rows = grid.head(HEADER_SCAN).rows()
    nonblank = [i for i, r in enumerate(rows) if any(c is not None and str(c).strip() for c in r)]
    idx = next((i for i in nonblank if _header_ok(list(rows[i]), kind)), nonblank[0] if nonblank else 0)
    above = [i + 1 for i in nonblank if i < idx]
    guards.bound_rows(grid.height - idx - 1, path)
    return grid.slice(idx), idx + 1, above


class _Upload(io.BytesIO):
    """An upload's bytes, named in messages like a path (nothing is written to disk)."""

    def __init__(self, data: bytes, name: Path) -> None:
        super().__init__(data)
        self.name = str(name)

    def __str__(self) -> str:
        return self.name


def _grid(
    path: Path, kind: str | None, sheet: str | None, data: bytes | None = None
) -> tuple[pl.DataFrame, int, list[int]]:
    """The grid of the file ``path``, or of ``data`` (an upload named ``path``)."""
    if data is not None:
        head = data[:8].startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
        if head or path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"):
            return _excel_grid(_Upload(data, path), kind, sheet)  # type: ignore[arg-type]
        return _csv_grid(path, kind, data)
    if not path.is_file():
        raise InputError(f"{path}: file not found ({kind or 'table'})")
    if _is_spreadsheet(path):
        return _excel_grid(path, kind, sheet)
    return _csv_grid(path, kind)


# --------------------------------------------------------------------------- grid -> table


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


def _table(
    grid: pl.DataFrame, header_row: int, above: list[int], path: Path, kind: str | None
) -> tuple[str, pl.DataFrame, pl.DataFrame]:
    headers = list(grid.row(0)) if grid.height else []
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
        found = ", ".join(n for n in names if not n.startswith("__col"))
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)} for {kind} (found: {found or 'none'})"
        )
    data = grid.slice(1).rename(dict(zip(grid.columns, names, strict=True)))
    data = data.with_columns(pl.all().str.strip_chars()).with_columns(
        file=pl.lit(str(path)), row=pl.int_range(header_row + 1, header_row + 1 + pl.len(), dtype=pl.Int64)
    )
    if "orgnr" not in data.columns:  # the row rules below key on it (events: the predecessor)
        data = data.with_columns(orgnr=pl.col(REQUIRED[kind][1] if kind == "events" else REQUIRED[kind][0]))
    keep = [c for c in (*REQUIRED[kind], *OPTIONAL[kind]) if c in names]
    everything = list(names)
    totals = [
        pl.when(pl.col(c).str.to_lowercase().str.contains(TOTALS_RE)).then(pl.col(c)) for c in everything
    ]
    header_words = sorted({_squash(k) for k, v in HEADER_ALIASES.items() if v == "orgnr"} | {"orgnr"})
    reason = (
        pl.when(pl.all_horizontal([_blank(c) for c in everything]))
        .then(pl.lit("blank row"))
        .when(pl.all_horizontal([_blank(c) for c in keep]))
        .then(pl.lit("no value in the table's columns"))
        .when(
            (_blank("orgnr") | pl.col("orgnr").str.to_lowercase().str.contains(TOTALS_RE))
            & pl.any_horizontal([t.is_not_null() for t in totals])
            & _no_id("application_id" in names, TOTALS_RE)  # a row with its own id is an application
        )
        .then(pl.format("totals row ('{}')", pl.coalesce(totals)))
        .when(
            pl.col("orgnr").str.to_lowercase().str.replace_all(r"[\s._\-/()]", "").is_in(header_words)
            & _no_id("application_id" in names, _ID_WORDS)
        )
        .then(pl.lit("repeated header row"))
    )
    # A row whose orgnr is only digits and spaces is never ignored: the rules run on the others.
    plain = pl.col("orgnr").str.contains(r"^[0-9 ]+$").fill_null(False)
    if guards.limits().keep_every_row:  # a request body: every item comes back
        plain = pl.lit(True)
    reasons = data.filter(~plain).select("row", _ignored=reason)
    data = data.join(reasons, on="row", how="left", maintain_order="left")
    ignored = pl.concat(
        [
            pl.DataFrame(
                {
                    "file": [str(path)] * len(above),
                    "row": above,
                    "reason": ["above the header row"] * len(above),
                },
                schema=IGNORED_SCHEMA,
            ),
            data.filter(pl.col("_ignored").is_not_null()).select(
                "file", "row", pl.col("_ignored").alias("reason")
            ),
        ]
    )
    unit = units.get("amount")
    added = [
        pl.lit(unit if c == "currency" and unit else None, pl.Utf8).alias(c)
        for c in OPTIONAL[kind]
        if c not in keep
    ]
    own = extra_columns.names(headers, names, known) if kind == "applications" else {}  # kept for the outputs
    frame = data.filter(pl.col("_ignored").is_null()).select(
        *keep, *added, *(pl.col(c).alias(e) for c, e in own.items()), "file", "row"
    )
    return kind, frame, ignored


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


# --------------------------------------------------------------------------- field rules


_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2, 1)


def orgnr_problems(frame: pl.DataFrame, column: str = "orgnr") -> pl.DataFrame:
    """Add ``_orgnr_problem`` (null when valid) and ``_orgnr`` (compact) to ``frame``.

    MOD11 check as polars expressions (a Python call per value cost seconds at national
    scale), once per distinct value, joined back; the same messages as :func:`deminimis.orgnr.problem`.
    Spaces (also no-break spaces) inside the number are allowed.
    """
    value = pl.col(column)
    spaced = value.str.replace_all(r"\s", " ")
    compact = spaced.str.replace_all(" ", "", literal=True)
    digits = [compact.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)]
    total = pl.sum_horizontal(d * w for d, w in zip(digits, _ORGNR_WEIGHTS, strict=True))
    problem = (
        pl.when(value.is_null() | (value.str.strip_chars() == ""))
        .then(pl.lit("orgnr is missing"))
        .when(~compact.str.contains(r"^[0-9]{9}$"))
        .then(pl.format("orgnr '{}' must be 9 digits", spaced))
        .when(total % 11 != 0)
        .then(pl.format("orgnr '{}' has a wrong check digit (MOD11)", spaced))
    )
    checked = (
        frame.select(pl.col(column).cast(pl.Utf8))
        .unique()
        .with_columns(
            _orgnr_problem=problem,
            _orgnr=pl.when(value != "").then(compact.str.strip_chars()),
        )
    )
    odd = checked.filter(pl.col(column).str.contains(r"[^\x00-\x7f]"))  # stdnum folds e.g. fullwidth digits
    if odd.height:
        from deminimis import orgnr  # python-stdnum: only for the rare non-ASCII value

        spaced_odd = [re.sub(r"\s", " ", v) for v in odd.get_column(column).to_list()]
        fixed = odd.with_columns(
            _orgnr_problem=pl.Series([orgnr.problem(v) for v in spaced_odd], dtype=pl.Utf8),
            _orgnr=pl.Series([orgnr.compact(v) for v in spaced_odd], dtype=pl.Utf8),
        )
        checked = checked.update(fixed, on=column, include_nulls=True)
    return frame.join(checked, on=column, how="left", nulls_equal=True)


DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
"""Dates outside these bounds are refused as not real (contract dates are grant dates)."""
_DATE_ISO = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"
_DATE_NB = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$"
_DATE_SLASH = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_DATE_SHORT = r"^[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?$"


def _short_year(text: pl.Expr) -> pl.Expr:
    """``15.03.24`` -> the nearest date on or before today with that day, month and year ending."""
    parts = text.str.replace_all("/", ".", literal=True).str.split_exact(".", 2)
    day_month = pl.concat_str(
        parts.struct.field("field_0"), pl.lit("."), parts.struct.field("field_1"), pl.lit(".")
    )
    today = dt.date.today()
    yy = parts.struct.field("field_2").cast(pl.Int32, strict=False)  # "//": null, not an error

    def in_century(start: int) -> pl.Expr:
        return pl.concat_str(day_month, (start + yy).cast(pl.Utf8)).str.to_date("%d.%m.%Y", strict=False)

    this = in_century(today.year // 100 * 100)
    return pl.when(this <= pl.lit(today)).then(this).otherwise(in_century(today.year // 100 * 100 - 100))


def _date_rules(col: str, text: pl.Expr, read: pl.Expr) -> dict[str, pl.Expr]:
    """The date rules, once: from the column as written, the cleaned ``text`` and the ``read``
    date. Stages are arguments so that :func:`date_columns` computes each once (inlined, each
    is repeated in every branch, about 10 ms a call even on one row)."""
    raw = pl.col(col)
    # Year 0000 or 9999 is a typing error, not a date (and Python's date cannot hold year 0).
    date = pl.when(read.is_between(pl.lit(DATE_RANGE[0]), pl.lit(DATE_RANGE[1]))).then(read)
    shown = date.dt.to_string("%d.%m.%Y")
    return {
        "date": date,
        "note": pl.when(text.str.contains(_DATE_SHORT) & date.is_not_null())
        .then(pl.format(f"{col} '{{}}' read as {{}} (two-digit year: the nearest past date)", text, shown))
        .when(text.str.contains(_DATE_SLASH) & date.is_not_null())
        .then(pl.format(f"{col} '{{}}' read as day/month/year, {{}}", text, shown)),
        "problem": pl.when(raw.is_null() | (raw == ""))
        .then(pl.lit(f"{col} is missing"))
        .when(date.is_null())
        .then(pl.format(f"{col} '{{}}' is not a real date (use YYYY-MM-DD or DD.MM.YYYY)", raw)),
    }


def _date_text(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    return pl.when(text.str.contains(_DATETIME)).then(text.str.slice(0, 10)).otherwise(text)


def _date_read(text: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        pl.when(text.str.contains(_DATE_ISO)).then(text.str.to_date("%Y-%m-%d", strict=False)),
        pl.when(text.str.contains(_DATE_NB)).then(text.str.to_date("%d.%m.%Y", strict=False)),
        pl.when(text.str.contains(_DATE_SLASH)).then(text.str.to_date("%d/%m/%Y", strict=False)),
        pl.when(text.str.contains(_DATE_SHORT)).then(_short_year(text)),
    )


def _inline_date_rules(col: str) -> dict[str, pl.Expr]:
    text = _date_text(col)
    return _date_rules(col, text, _date_read(text))


def date_columns(frame: pl.DataFrame, col: str, **out: str) -> pl.DataFrame:
    """``frame`` with the date rules of text column ``col`` as columns, each stage computed
    once; ``out`` maps a rule (``date``, ``problem``, ``note``) to its column's name. The fast
    form of :func:`date_expr`, :func:`date_problem` and :func:`date_note` (same results)."""
    stages = frame.with_columns(_d_text=_date_text(col))
    stages = stages.with_columns(_d_read=_date_read(pl.col("_d_text")))
    rules = _date_rules(col, pl.col("_d_text"), pl.col("_d_read"))
    return stages.with_columns(**{name: rules[rule] for rule, name in out.items()}).drop("_d_text", "_d_read")


def date_expr(col: str) -> pl.Expr:
    """Text -> Date: ``YYYY-MM-DD``, ``DD.MM.YYYY`` (``D.M.YYYY`` too), ``DD/MM/YYYY``, a
    two-digit year ``DD.MM.YY`` (the nearest past date) or a spreadsheet date-time
    (``2021-05-17 00:00:00``); null otherwise. ASCII digits only."""
    return _inline_date_rules(col)["date"]


def date_note(col: str) -> pl.Expr:
    """How a date outside ``YYYY-MM-DD`` / ``DD.MM.YYYY`` was read (null for those)."""
    return _inline_date_rules(col)["note"]


def date_problem(col: str) -> pl.Expr:
    """Why a date text is unusable (null when it is fine)."""
    return _inline_date_rules(col)["problem"]


_PLAIN_AMOUNT = r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$"


def with_amount(
    frame: pl.DataFrame,
    col: str,
    problem: str,
    cents: str,
    written: str | None = None,
    note: str | None = None,
) -> pl.DataFrame:
    """Add ``problem`` (:func:`amount_problem_expr`) and ``cents`` (:func:`cents_expr`) for ``col``;
    with ``written`` the currency written in the amount, with ``note`` how a fuzzy one was read.

    Same results, faster at national scale: a plain ``1234567.89`` is split, not run through
    the dozen regular expressions of the general rules; the other spellings go through them
    once per distinct value.
    """
    plain = pl.col(col).str.contains(_PLAIN_AMOUNT).fill_null(False)
    extra = {"written": written, "note": note}
    rules = {"problem": problem, "cents": "_odd_cents", **{k: v for k, v in extra.items() if v}}
    odd = amount_columns(frame.filter(~plain).select(pl.col(col)).unique(), col, **rules)
    parts = pl.col(col).str.split_exact(".", 1)
    units = parts.struct.field("field_0").cast(pl.Int64)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64)
    joined = frame.join(odd, on=col, how="left", nulls_equal=True, maintain_order="left")
    return joined.with_columns(
        **{cents: pl.when(plain).then(units * 100 + frac).otherwise(pl.col("_odd_cents"))}
    ).drop("_odd_cents")


def with_date(
    frame: pl.DataFrame, col: str, problem: str, date: str, note: str | None = None
) -> pl.DataFrame:
    """Add ``problem`` (:func:`date_problem`) and ``date`` (:func:`date_expr`) for ``col``
    (and ``note``, :func:`date_note`), computed once per distinct text (a national file has a
    few thousand dates in a million rows)."""
    rules = {"problem": problem, "date": date, **({"note": note} if note else {})}
    distinct = date_columns(frame.select(pl.col(col)).unique(), col, **rules)
    return frame.join(distinct, on=col, how="left", nulls_equal=True, maintain_order="left")


_orgnr_problems = orgnr_problems
_date_expr = date_expr
_date_problem = date_problem


CURRENCY_WORDS = {
    "KR": "NOK",
    "KR.": "NOK",
    "KRONER": "NOK",
    "NORSKE KRONER": "NOK",
    "€": "EUR",
    "EURO": "EUR",
}
"""Currency column spellings people use for an ISO code."""


def _currency_exprs(known: list[str], written: str | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(currency, problem): the currency column, else the currency written in the amount
    (``written``), else NOK; a currency in the amount that differs from the column is an error,
    never overridden silently."""
    col = pl.col("currency").fill_null("").str.strip_chars().str.to_uppercase().replace(CURRENCY_WORDS)
    in_amount = pl.col(written) if written else pl.lit(None, pl.Utf8)
    cur = pl.when(col != "").then(col).otherwise(pl.coalesce(in_amount, pl.lit("NOK")))
    problem = (
        pl.when((col != "") & in_amount.is_not_null() & (in_amount != col))
        .then(
            pl.format(
                "amount '{}' is written in {} but the currency column says '{}'; correct one of them",
                pl.col("amount"),
                in_amount,
                pl.col("currency"),
            )
        )
        .when(~cur.is_in(known))
        .then(
            pl.format(
                "unknown currency '{}' (use an ISO 4217 code with an ECB rate, e.g. NOK, EUR, SEK)",
                pl.coalesce(pl.col("currency").replace("", None), in_amount),
            )
        )
    )
    return cur, problem


def _readings(cur: pl.Expr, date_col: str) -> dict[str, pl.Expr]:
    """The typed columns saying how a fuzzy spelling was read (null when it was plain)."""
    from_amount = (pl.col("currency").fill_null("") == "") & pl.col("_amount_cur").is_not_null()
    return {
        "amount_text": pl.when(pl.col("_amount_note").is_not_null() | from_amount).then(pl.col("amount")),
        "amount_read": pl.when(pl.col("_amount_note").str.contains("dots"))
        .then(pl.lit("dots"))
        .when(pl.col("_amount_note").is_not_null())
        .then(pl.lit("commas")),
        "currency_read": pl.when(from_amount & (cur != "NOK")).then(cur),
        "date_text": pl.when(pl.col("_date_note").is_not_null()).then(pl.col(date_col)),
        "date_read": pl.when(pl.col("_date_note").str.contains("two-digit"))
        .then(pl.lit("short_year"))
        .when(pl.col("_date_note").is_not_null())
        .then(pl.lit("slash")),
    }


def reading_notes(raw: pl.DataFrame, date_col: str) -> pl.DataFrame:
    """``file, row, field, message``: every amount, currency or date read from a spelling
    outside the contract's plain forms (``validate`` lists them as warnings)."""
    frame = with_date(
        with_amount(raw, "amount", "_p", "_c", written="_amount_cur", note="_amount_note"),
        date_col,
        "_pd",
        "_d",
        note="_date_note",
    )
    from_amount = pl.when(
        (pl.col("currency").fill_null("") == "")
        & pl.col("_amount_cur").is_not_null()
        & (pl.col("_amount_cur") != "NOK")
    ).then(pl.format("currency {} taken from the amount '{}'", pl.col("_amount_cur"), pl.col("amount")))
    return errors_of(
        frame.with_columns(_cur_note=from_amount),
        {"amount": "_amount_note", "currency": "_cur_note", date_col: "_date_note"},
    )


def errors_of(frame: pl.DataFrame, problems: dict[str, str]) -> pl.DataFrame:
    """Unpivot the problem columns into the errors table (file, row, field, message)."""
    parts = [
        frame.filter(pl.col(col).is_not_null()).select(
            "file", "row", pl.lit(field).alias("field"), pl.col(col).alias("message")
        )
        for field, col in problems.items()
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=ERRORS_SCHEMA)


def _nace_expr(expr: pl.Expr) -> pl.Expr:
    """``03211`` / ``03.211`` -> ``03.211`` (SN2007 notation)."""
    s = expr.str.replace_all(r"\s", "")
    return (
        pl.when(s.str.contains(r"^\d{3,}$"))
        .then(s.str.slice(0, 2) + "." + s.str.slice(2))
        .otherwise(s)
        .replace("", None)
    )


def _nace_problem(col: str) -> pl.Expr:
    return pl.when(~_nace_expr(pl.col(col)).str.contains(r"^\d{2}(?:\.\d{1,3})?$")).then(
        pl.format("nace '{}' is not a NACE code (SN2007, e.g. 56.101 or 56101)", pl.col(col))
    )


# --------------------------------------------------------------------------- basis


def _has_word(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


UNRECOGNISED_BASIS = ("count", "exclude")
"""A basis text that names no known basis: ``count`` it as de minimis with a warning (the safe
reading, default) or ``exclude`` it (read as ``other``, not counted, as before issue 15)."""


def nearest_basis(text: str, aliases: dict[str, str]) -> str | None:
    """The known basis word closest to ``text`` (difflib), for the warning that names it.

    >>> nearest_basis("bagatelmessig støtte", {"bagatellmessig støtte": "de_minimis", "gruppeunntak": "gber"})
    'bagatellmessig støtte'
    """
    words = [a for a in aliases if "_" not in a] or list(aliases)
    found = difflib.get_close_matches(" ".join(text.lower().split()), words, n=1, cutoff=0.0)
    return found[0] if found else None


def read_basis(
    text: str | None, aliases: dict[str, str], unrecognised: str = "count"
) -> tuple[str | None, str | None, str | None]:
    """One free-text legal basis -> (contract id, error, warning).

    An exact alias wins; else the longest alias found as whole words in the text; else the
    text names no known basis: counted as ``de_minimis`` with a warning naming the nearest
    known basis (``unrecognised="count"``, the safe reading), or read as ``other`` (not
    counted) with ``"exclude"``. Text with no letter or digit (or none at all) is an error.

    >>> al = {"gruppeunntak": "gber", "de minimis": "de_minimis", "sgei": "de_minimis_sgei"}
    >>> read_basis("Gruppeunntak art. 22", al)
    ('gber', None, None)
    >>> b, _, w = read_basis("Tilskudd fra fylket", al); print(b, w)
    de_minimis basis 'Tilskudd fra fylket' is not a known legal basis; counted as de minimis aid ...
    >>> read_basis("Tilskudd fra fylket", al, "exclude")[0]
    'other'
    >>> print(read_basis("SGEI de minimis", al)[2])
    basis 'SGEI de minimis' names several legal bases (de_minimis, de_minimis_sgei); read as de_minimis ...
    >>> print(read_basis("???", al)[1])
    basis '???' is not a legal basis (use one of de_minimis, de_minimis_sgei, gber, ...)
    """
    key = " ".join((text or "").lower().split())
    if not key:
        return None, "basis is missing", None
    if not re.search(r"\w", key):
        known = ", ".join(sorted(set(aliases.values())))
        words = "«bagatellmessig støtte», «gruppeunntak»"
        return (
            None,
            f"basis '{text}' is not a legal basis (use one of {known}, or words such as {words})",
            None,
        )
    if key in aliases:
        return aliases[key], None, None
    found = [a for a in aliases if _has_word(key, a)]
    if not found:
        if unrecognised == "exclude":
            why = "not counted as de minimis aid): check whether it was de minimis aid"
            return "other", None, f"basis '{text}' is not a known legal basis; read as 'other' ({why}"
        near = nearest_basis(key, aliases)
        return (
            "de_minimis",
            None,
            f"basis '{text}' is not a known legal basis; counted as de minimis aid (the safe reading); "
            f"nearest known basis: '{near}' ({aliases.get(near or '', '?')})",
        )
    best = min(found, key=lambda a: (-len(a), a))
    rest = key.replace(best, " ", 1)
    others = sorted({aliases[a] for a in found if aliases[a] != aliases[best] and _has_word(rest, a)})
    if not others:
        return aliases[best], None, None
    named = ", ".join([aliases[best], *others])
    safe = [b for b in (aliases[best], *others) if b.startswith("de_minimis")]
    if safe and safe[0] != aliases[best]:  # one of them is de minimis: the safe reading counts it
        return (
            safe[0],
            None,
            f"basis '{text}' names several legal bases ({named}); read as {safe[0]} "
            "(the safe reading): check it",
        )
    return (
        aliases[best],
        None,
        (
            f"basis '{text}' names several legal bases ({named}); read as {aliases[best]} "
            "(the longest match): check it"
        ),
    )


def with_basis(
    frame: pl.DataFrame, aliases: dict[str, str], col: str = "basis", unrecognised: str = "count"
) -> pl.DataFrame:
    """Add ``_basis`` (contract id), ``_basis_problem`` (a row error), ``_basis_warning`` and
    ``_basis_nearest`` (set when the text names no known basis and is counted as de minimis)
    to ``frame``, reading ``col`` with :func:`read_basis` once per distinct value."""
    values = frame.get_column(col).unique().to_list()
    read = [read_basis(v, aliases, unrecognised) for v in values]
    nearest = [
        nearest_basis(v, aliases) if r[2] and "counted as de minimis" in r[2] else None
        for v, r in zip(values, read, strict=True)
    ]
    table = pl.DataFrame(
        {
            col: values,
            "_basis": [r[0] for r in read],
            "_basis_problem": [r[1] for r in read],
            "_basis_warning": [r[2] for r in read],
            "_basis_nearest": nearest,
        },
        schema={
            col: pl.Utf8,
            "_basis": pl.Utf8,
            "_basis_problem": pl.Utf8,
            "_basis_warning": pl.Utf8,
            "_basis_nearest": pl.Utf8,
        },
    )
    return frame.join(table, on=col, how="left", nulls_equal=True)


# --------------------------------------------------------------------------- duplicates


def _duplicates(frame: pl.DataFrame, keys: dict[str, pl.Expr], what: str) -> pl.DataFrame:
    """Rows whose key equals an earlier row's: (file, row, field 'duplicate', message)."""
    names = list(keys)
    f = frame.with_columns(**keys).filter(pl.all_horizontal([pl.col(n).is_not_null() for n in names]))
    f = f.with_columns(
        _first_file=pl.col("file").first().over(names), _first_row=pl.col("row").first().over(names)
    )
    return f.filter(
        (pl.col("file") != pl.col("_first_file")) | (pl.col("row") != pl.col("_first_row"))
    ).select(
        "file",
        "row",
        pl.lit("duplicate").alias("field"),
        pl.format(f"same {what} as {{}}:{{}}; both rows are kept", "_first_file", "_first_row").alias(
            "message"
        ),
    )


def _compact_orgnr() -> pl.Expr:
    return pl.when(pl.col("_orgnr_problem").is_null()).then(pl.col("_orgnr"))


def award_warnings(raw: pl.DataFrame, aliases: dict[str, str], unrecognised: str = "count") -> pl.DataFrame:
    """Warnings on usable award rows (file, row, field, message): basis read as ``other`` or
    ambiguous, and duplicates (same orgnr, date, amount, currency and reference as an earlier
    row, named by its file:row). ``raw`` is :func:`read_table` output (one or more files)."""
    f = with_basis(orgnr_problems(raw), aliases, unrecognised=unrecognised)
    basis = f.filter(pl.col("_basis_warning").is_not_null()).select(
        "file", "row", pl.lit("basis").alias("field"), pl.col("_basis_warning").alias("message")
    )
    dups = _duplicates(
        f,
        {
            "_k_orgnr": _compact_orgnr(),
            "_k_date": date_expr("granted_on"),
            "_k_amount": cents_expr(pl.col("amount")),
            "_k_currency": pl.col("currency").fill_null("").str.to_uppercase().replace("", "NOK"),
            "_k_reference": pl.col("reference").fill_null(""),
        },
        "orgnr, granted_on, amount, currency and reference",
    )
    return pl.concat([basis, dups, reading_notes(raw, "granted_on")]).sort("file", "row", maintain_order=True)


def application_warnings(raw: pl.DataFrame) -> pl.DataFrame:
    """Duplicate applications (same orgnr, grant_date, amount, currency and scheme as an
    earlier row): (file, row, field, message). They are decided; the warning names the first."""
    f = orgnr_problems(raw)
    dups = _duplicates(
        f,
        {
            "_k_orgnr": _compact_orgnr(),
            "_k_date": date_expr("grant_date"),
            "_k_amount": cents_expr(pl.col("amount")),
            "_k_currency": pl.col("currency").fill_null("").str.to_uppercase().replace("", "NOK"),
            "_k_scheme": pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc"),
        },
        "orgnr, grant_date, amount, currency and scheme",
    )
    return pl.concat([dups, reading_notes(raw, "grant_date")]).sort("file", "row", maintain_order=True)


# --------------------------------------------------------------------------- canonical tables


_SMALL = 4
"""Tables of at most this many rows are typed once per content (:func:`canonical_applications`)."""
_TYPED: dict[tuple, tuple[pl.DataFrame, pl.DataFrame]] = {}


def canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All application rows, typed, with ``has_error``; and their errors.

    A small table is typed once per content: an HTTP check validates its one row for the 422
    and then decides it, and a portal sends the same application again and again (frames are
    immutable, so the cached answer is shared safely; the cache is bounded)."""
    if raw.height > _SMALL:
        return _canonical_applications(raw, currencies, schemes)
    key = (tuple(raw.schema.items()), tuple(raw.rows()), tuple(currencies), tuple(schemes), dt.date.today())
    try:
        hit = _TYPED.get(key)
    except TypeError:  # a cell that is not hashable (not a text table): no cache
        return _canonical_applications(raw, currencies, schemes)
    if hit is None:
        if len(_TYPED) >= 256:
            _TYPED.clear()
        hit = _TYPED[key] = _canonical_applications(raw, currencies, schemes)
    return hit


def _canonical_applications(
    raw: pl.DataFrame, currencies: list[str], schemes: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    cur, cur_problem = _currency_exprs(currencies, "_amount_cur")
    scheme = pl.col("scheme").fill_null("").str.to_lowercase().replace("", "ad_hoc")
    fys = pl.col("fiscal_year_start").fill_null("").replace("", "01-01")
    fys_ok = (
        fys.str.contains(r"^\d{2}-\d{2}$")
        & ("2001-" + fys).str.to_date("%Y-%m-%d", strict=False).is_not_null()
    )
    diff = pl.col("in_difficulty_2019").fill_null("").str.to_lowercase()
    frame = with_amount(
        orgnr_problems(raw), "amount", "p_amount", "_amount_cents", written="_amount_cur", note="_amount_note"
    )
    frame = with_date(frame, "grant_date", "p_grant_date", "_grant_date", note="_date_note").with_columns(
        application_id=pl.coalesce(pl.col("application_id").replace("", None), pl.col("row").cast(pl.Utf8)),
        p_currency=cur_problem,
        p_scheme=pl.when(~scheme.is_in(schemes)).then(
            pl.format(f"unknown scheme '{{}}' (use one of {', '.join(schemes)})", pl.col("scheme"))
        ),
        p_nace=_nace_problem("nace"),
        p_fys=pl.when(~fys_ok).then(
            pl.format("fiscal_year_start '{}' must be MM-DD, e.g. 01-01", pl.col("fiscal_year_start"))
        ),
        p_diff=pl.when(~diff.is_in([*YES, *NO])).then(
            pl.format("in_difficulty_2019 '{}' must be yes/no (ja/nei)", pl.col("in_difficulty_2019"))
        ),
    )
    frame, gge_problems = gge_input.with_terms(frame)
    frame = frame.with_columns(
        p_dup=pl.when(
            pl.col("application_id").is_duplicated() & (pl.int_range(pl.len()).over("application_id") > 0)
        ).then(pl.format("application_id '{}' is used by an earlier row", pl.col("application_id")))
    )
    problems = {
        "orgnr": "_orgnr_problem",
        "amount": "p_amount",
        "currency": "p_currency",
        "grant_date": "p_grant_date",
        "scheme": "p_scheme",
        "nace": "p_nace",
        "fiscal_year_start": "p_fys",
        "in_difficulty_2019": "p_diff",
        "application_id": "p_dup",
        **gge_problems,
    }
    errors = errors_of(frame, problems)
    typed = frame.select(
        "file",
        "row",
        "application_id",
        pl.coalesce("_orgnr", "orgnr").alias("orgnr"),
        pl.col("_amount_cents").alias("amount_cents"),
        cur.alias("currency"),
        pl.col("_grant_date").alias("grant_date"),
        scheme.alias("scheme"),
        _nace_expr(pl.col("nace")).alias("nace"),
        fys.alias("fiscal_year_start"),
        pl.when(diff.is_in(YES))
        .then(True)
        .when(diff.is_in(NO) & (diff != ""))
        .then(False)
        .alias("in_difficulty_2019"),
        *gge_input.TYPED,
        pl.any_horizontal(pl.col(list(problems.values())).is_not_null()).alias("has_error"),
        **_readings(cur, "grant_date"),
    )
    return typed, errors


def canonical_awards(
    raw: pl.DataFrame, currencies: list[str], aliases: dict[str, str], unrecognised: str = "count"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid award rows, typed; and the errors of the others (with their orgnr when valid).

    ``basis`` is read from free text (:func:`with_basis`): text naming no known basis is
    counted as de minimis (``basis_text``/``basis_nearest`` kept for the decision's warning),
    or read as ``other`` with ``unrecognised="exclude"``; a missing basis is an error.
    """
    cur, cur_problem = _currency_exprs(currencies, "_amount_cur")
    if "country" not in raw.columns:
        raw = raw.with_columns(country=pl.lit(None, pl.Utf8))
    country = pl.col("country").fill_null("").str.strip_chars().str.to_uppercase().replace("", "NO")
    frame = with_amount(
        with_basis(orgnr_problems(raw), aliases, unrecognised=unrecognised),
        "amount",
        "p_amount",
        "_amount_cents",
        written="_amount_cur",
        note="_amount_note",
    )
    frame = with_date(frame, "granted_on", "p_date", "_granted_on").with_columns(
        p_currency=cur_problem,
        p_country=pl.when(~country.str.contains(r"^[A-Z]{2}$")).then(
            pl.format("country '{}' is not an ISO 3166 alpha-2 code (e.g. NO, SE, DK)", pl.col("country"))
        ),
    )
    frame, gge_problems = gge_input.award_terms(frame)
    problems = {
        "orgnr": "_orgnr_problem",
        "amount": "p_amount",
        "currency": "p_currency",
        "granted_on": "p_date",
        "basis": "_basis_problem",
        "country": "p_country",
        **gge_problems,
    }
    bad = pl.any_horizontal(pl.col(list(problems.values())).is_not_null())
    errors = errors_of(frame, problems).join(
        frame.filter(pl.col("_orgnr_problem").is_null()).select(
            "file", "row", pl.col("_orgnr").alias("orgnr")
        ),
        on=["file", "row"],
        how="left",
    )
    typed = frame.filter(~bad).select(
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        pl.col("_granted_on").alias("granted_on"),
        pl.col("_amount_cents").alias("amount_cents"),
        cur.alias("currency"),
        pl.col("_basis").alias("basis"),
        "grantor",
        "reference",
        pl.when(pl.col("_basis_nearest").is_not_null()).then(pl.col("basis")).alias("basis_text"),
        pl.col("_basis_nearest").alias("basis_nearest"),
        country.alias("country"),
        *gge_input.AWARD_TYPED,
    )
    return typed, errors


LINK_TYPE_ALIASES = {
    "offentlig organ": "public_body",
    "offentlig eier": "public_body",
    "public body": "public_body",
    "fysisk person": "natural_person",
    "person": "natural_person",
    "natural person": "natural_person",
}


def _link_type_expr() -> pl.Expr:
    """``(a)``, ``A``, ``art 2(2)(b)`` -> ``a``/``b``; Norwegian words -> the contract's ids."""
    t = pl.col("link_type").fill_null("").str.strip_chars().str.to_lowercase()
    letter = t.str.extract(r"^(?:art\.?\s*2\s*\(2\)\s*)?\(?([a-d])\)?$", 1)
    return pl.coalesce(letter, t.replace(LINK_TYPE_ALIASES)).replace("", None)


def canonical_links(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid link rows (``deminimis.undertaking.LINK_SCHEMA``) and the errors of the others."""
    from deminimis.undertaking import LINK_TYPES

    for col in ("link_type", "valid_from", "valid_to"):
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.Utf8).alias(col))
    kind = _link_type_expr()
    frame = with_date(
        with_date(orgnr_problems(raw), "valid_from", "p_from", "_from"), "valid_to", "p_to", "_to"
    )
    frame = frame.with_columns(
        p_und=pl.when(pl.col("undertaking_id").fill_null("") == "").then(pl.lit("undertaking_id is missing")),
        p_type=pl.when(kind.is_not_null() & ~kind.is_in(LINK_TYPES)).then(
            pl.format(f"link_type '{{}}' is not one of {', '.join(LINK_TYPES)}", pl.col("link_type"))
        ),
        p_from=pl.when(pl.col("valid_from").fill_null("") != "").then("p_from"),
        p_to=pl.when(pl.col("valid_to").fill_null("") != "")
        .then("p_to")
        .when(pl.col("_to") < pl.col("_from"))
        .then(pl.lit("valid_to is before valid_from")),
    )
    problems = {
        "orgnr": "_orgnr_problem",
        "undertaking_id": "p_und",
        "link_type": "p_type",
        "valid_from": "p_from",
        "valid_to": "p_to",
    }
    errors = errors_of(frame, problems)
    ok = frame.filter(~pl.any_horizontal(pl.col(list(problems.values())).is_not_null()))
    typed = ok.select(
        "file",
        "row",
        pl.col("_orgnr").alias("orgnr"),
        "undertaking_id",
        kind.alias("link_type"),
        pl.col("_from").alias("valid_from"),
        pl.col("_to").alias("valid_to"),
    ).unique(
        ["orgnr", "undertaking_id", "link_type", "valid_from", "valid_to"], keep="first", maintain_order=True
    )
    return typed, errors


def canonical_firms(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = orgnr_problems(raw)
    errors = errors_of(frame, {"orgnr": "_orgnr_problem"})
    ok = (
        frame.filter(pl.col("_orgnr_problem").is_null())
        .select(
            pl.col("_orgnr").alias("orgnr"),
            "name",
            _nace_expr(pl.col("nace")).alias("nace"),
            "kommunenummer",
            "status",
        )
        .unique("orgnr", keep="first")
    )
    return ok, errors


__all__ = [
    "ERRORS_SCHEMA",
    "HEADER_ALIASES",
    "IGNORED_SCHEMA",
    "KINDS",
    "KIND_ALIASES",
    "OPTIONAL",
    "UNRECOGNISED_BASIS",
    "REQUIRED",
    "application_warnings",
    "award_warnings",
    "canonical_applications",
    "canonical_awards",
    "canonical_firms",
    "canonical_header",
    "canonical_links",
    "date_expr",
    "date_note",
    "reading_notes",
    "date_problem",
    "errors_of",
    "guess_kind",
    "nearest_basis",
    "orgnr_problems",
    "read_basis",
    "read_any",
    "read_table",
    "read_table_report",
    "with_basis",
]
