"""Prior-aid rows the officer uploads or pastes: read as tables, validated, shown again.

Why apart from the form: uploads, pasted awards, employer-tax rows and corporate events are
each a table of contract §1, read in memory by the shared input layer
(:mod:`deminimis.sources.inputs`) and checked by that table's own rules; the form only says
which text went into which table. Problems come back as lines naming file (or box), row and
column, in the page's language; a table can be written back into the paste box.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from deminimis.case import Context, awards_table
from deminimis.employer_tax import canonical_rows
from deminimis.employer_tax import load as load_employer_tax
from deminimis.errors import InputError
from deminimis.errors_nb import said
from deminimis.events import canonical_events
from deminimis.sources import tables
from deminimis.sources.inputs import TableInput, Upload, read_input

from .i18n import Texts

AWARD_COLUMNS = ("orgnr", "granted_on", "amount", "currency", "basis", "grantor", "reference", "country")
"""The columns of pasted prior-aid rows without a header line, in this order."""
EVENT_COLUMNS = ("event", "predecessor_orgnr", "successor_orgnr", "effective_date", "share")
"""The columns of pasted corporate events (merger, acquisition, split) without a header line."""
EMPLOYER_TAX_COLUMNS = ("orgnr", "year", "advantage_nok", "wage_base_nok", "kommunenummer", "area", "month")
"""The columns of pasted employer-tax rows without a header line, in this order."""


def _separator(line: str) -> str:
    return next((s for s in ("\t", ";") if s in line), ",")


def pasted(text: str, label: str, columns: tuple[str, ...], kind: str = "awards") -> TableInput:
    """Pasted lines as a table: with their own header line (its first cell names a column of
    ``kind``) as an upload, else as records in ``columns`` order, numbered by line (the
    numbers the officer sees)."""
    lines = [line for line in text.splitlines() if line.strip()]
    sep = _separator(lines[0]) if lines else ";"
    first = lines[0].split(sep)[0].strip() if lines else ""
    data = re.fullmatch(r"[\d ]{9,11}", first) or tables.canonical_header(first, kind) not in columns
    if not data:
        return Upload("\n".join(lines).encode(), label)
    cells = [[c.strip() for c in line.split(sep)] for line in lines]
    return [
        {"file": label, "row": i, **dict(zip(columns, row, strict=False))} for i, row in enumerate(cells, 1)
    ]


@dataclass
class PriorRows:
    """Prior aid read from one upload or paste: records for the engine, or what is wrong."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    read: list[dict[str, Any]] = field(default_factory=list)
    """Every row as read, also when some are wrong (to put them in the paste box to fix)."""


def _problems(errors: pl.DataFrame, label: str, t: Texts) -> list[str]:
    """Each broken cell as a line for the officer (in bokmål on the nb page: the column's
    Norwegian name and the message of :mod:`deminimis.render.row_errors`)."""
    from deminimis.render.row_errors import column_nb, message_nb

    nb = t.lang == "nb"
    return [
        t(
            "err_file_row",
            file=label,
            row=e["row"],
            field=column_nb(e["field"]) if nb else e["field"],
            message=message_nb(e["message"]) if nb else e["message"],
        )
        for e in errors.sort("row", maintain_order=True).iter_rows(named=True)
    ]


def read_prior(value: TableInput, label: str, t: Texts, *, settings: Any, kind: str = "awards") -> PriorRows:
    """The rows of an awards (or employer-tax) table named ``label`` to the officer; every broken
    cell as a message."""
    ctx = Context.load(settings.rules_dir, settings.rates_file)
    try:
        raw = read_input(value, kind, label=label)
    except InputError as exc:
        return PriorRows(problems=[t("err_upload", file=label, message=said(exc, t.lang))])
    if raw.height > settings.max_rows:
        return PriorRows(problems=[t("err_too_many", file=label, count=raw.height, limit=settings.max_rows)])
    if kind == "awards":
        _, errors = awards_table(raw, ctx)
    elif kind == "events":
        _, errors = canonical_events(raw)
    else:
        _, errors = canonical_rows(raw, load_employer_tax(ctx.rules.directory))
    if errors.height:
        return PriorRows(problems=_problems(errors, label, t), read=raw.to_dicts())
    return PriorRows(rows=raw.to_dicts(), read=raw.to_dicts())


HEADERS_NB = {
    "orgnr": "Organisasjonsnummer",
    "granted_on": "Tildelingsdato",
    "amount": "Beløp",
    "currency": "Valuta",
    "basis": "Støttegrunnlag",
    "grantor": "Støttegiver",
    "reference": "Referanse",
    "country": "Støttegivende stat",
    "instrument": "Støtteinstrument",
    "nominal_amount": "Nominelt beløp",
}
"""The paste box's header line on the nb page: names the reader takes back (no field names)."""


def rows_as_text(rows: list[dict[str, Any]], lang: str = "en") -> str:
    """Rows as semicolon lines under a header line (to show them in the paste box again): the
    seven usual columns and any other awards column a row fills; in bokmål on the nb page."""
    extra = [c for c in ("country", "instrument", "nominal_amount") if any(r.get(c) for r in rows)]
    columns = [*AWARD_COLUMNS[:7], *extra]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([HEADERS_NB[c] if lang == "nb" else c for c in columns])
    writer.writerows([[str(r.get(c) or "") for c in columns] for r in rows])
    return out.getvalue().rstrip("\n")


__all__ = [
    "AWARD_COLUMNS",
    "EMPLOYER_TAX_COLUMNS",
    "EVENT_COLUMNS",
    "HEADERS_NB",
    "PriorRows",
    "pasted",
    "read_prior",
    "rows_as_text",
]
