"""Read Støtteregisteret's award files and API items into one raw frame (text columns).

The bulk file ("totalbestand") comes as CSV, UTF-16 with a BOM, ``;``-separated, dates
``dd.mm.yyyy`` and amounts with a decimal comma ("42 500,00"), or as JSON (an array of items in
the search API's shape). Both become :data:`RAW_COLUMNS` (text, as the register wrote it), so one
typing step (:mod:`deminimis.sources.register`) serves the file, the snapshot and the live API.
Column names: ``register_and_law.md`` §2.2 (b); API fields §2.2 (a).

>>> data = "\\ufeffStøttetiltaksnummer;Tildelt beløp\\n1000251908;42 500,00\\n".encode("utf-16-le")
>>> read_csv_bytes(data).select("award_id", "amount").row(0)
('1000251908', '42 500,00')
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from deminimis.errors import InputError

CSV_COLUMNS = {
    "Støttetiltaksnummer": "award_id",
    "Status": "status",
    "Støttetiltakstype": "measure_type",
    "Organisasjonsnummer støttemottaker": "orgnr",
    "Spesifisert mottaker - Organisasjonsnummer": "specified_orgnr",
    "Navn støttemottaker": "name",
    "Organisasjonsnummer støttegiver": "grantor_orgnr",
    "Navn støttegiver": "grantor",
    "Tildelingsdato": "granted_on",
    "Mottatt dato": "received_on",
    "Tildelt beløp": "amount",
    "Tildelt beløp valuta": "currency",
    "Beløpsintervall fra beløp": "interval_from",
    "Beløpsintervall til beløp": "interval_to",
    "Beløpsintervall valuta": "interval_currency",
    "Støtteinstrument": "instrument",
    "Formål": "purpose",
    "Primærrettslig grunnlag": "legal_basis",
    "Næring": "nace",
    "Region": "region",
    "Tilknyttet støtteordning": "scheme_id",
}
"""The bulk CSV's headers (as seen, T) -> raw column names."""
RAW_COLUMNS = (*CSV_COLUMNS.values(), "row")
SCHEME_COLUMNS = {
    "Støttetiltaksnummer": "scheme_id",
    "Norsk navn støtteordning": "scheme_name",
    "Nettadresse støtteordning": "scheme_url",
    "Primærrettslig grunnlag": "scheme_legal_basis",
}
SCHEME_SCHEMA = dict.fromkeys(SCHEME_COLUMNS.values(), pl.Utf8)


def decode(data: bytes) -> str:
    """UTF-16 (BOM) as the register writes it; UTF-8 (with or without BOM) as re-saved files are."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"register file: neither UTF-16 with BOM nor UTF-8 ({exc.reason})") from exc


def _csv(text: str, columns: dict[str, str], what: str) -> pl.DataFrame:
    frame = pl.read_csv(io.StringIO(text), separator=";", infer_schema=False, quote_char='"')
    frame = frame.rename({c: c.strip() for c in frame.columns})
    known = [c for c in frame.columns if c in columns]
    if not known or next(iter(columns)) not in frame.columns:
        raise InputError(f"{what}: no '{next(iter(columns))}' column (not a Støtteregisteret file)")
    out = frame.select(pl.col(c).alias(columns[c]) for c in known)
    missing = [v for v in columns.values() if v not in out.columns]
    return out.with_columns(pl.lit(None, pl.Utf8).alias(m) for m in missing).select(columns.values())


def read_csv_bytes(data: bytes, what: str = "register file") -> pl.DataFrame:
    """The award CSV -> :data:`RAW_COLUMNS` (``row`` = the line number in the file)."""
    out = _csv(decode(data), CSV_COLUMNS, what)
    return out.with_columns(row=pl.int_range(2, pl.len() + 2, dtype=pl.Int64))


def read_schemes_bytes(data: bytes, what: str = "scheme file") -> pl.DataFrame:
    """The scheme CSV (``stoetteordning``) -> scheme_id, scheme_name, scheme_url, scheme_legal_basis."""
    return _csv(decode(data), SCHEME_COLUMNS, what).unique("scheme_id", keep="first")


def _money(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _role(item: dict[str, Any], kind: str) -> dict[str, Any]:
    for role in item.get("rolle") or []:
        if isinstance(role, dict) and role.get("type") == f"rolletype.{kind}":
            who = role.get("rolleinnehaverVirksomhet")
            return who if isinstance(who, dict) else {}
    return {}


def api_row(item: dict[str, Any]) -> dict[str, str | None]:
    """One search-API item (``stoettetildeling[i]``) in the raw columns."""
    amount = item.get("tildeltBeloep") if isinstance(item.get("tildeltBeloep"), dict) else {}
    interval = item.get("beloepsintervall") if isinstance(item.get("beloepsintervall"), dict) else {}
    recipient, grantor = _role(item, "stoettemottaker"), _role(item, "stoettegiver")

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "award_id": text(item.get("stoettetiltaksnummer")),
        "status": text(item.get("status")),
        "measure_type": text(item.get("stoettetiltakstype")),
        "orgnr": text(recipient.get("organisasjonsnummer")),
        "specified_orgnr": None,
        "name": text(recipient.get("navn")),
        "grantor_orgnr": text(grantor.get("organisasjonsnummer")),
        "grantor": text(grantor.get("navn")),
        "granted_on": text(item.get("tildelingsdato")),
        "received_on": text(item.get("mottattDato")),
        "amount": _money(amount.get("beloep")),
        "currency": text(amount.get("valuta")),
        "interval_from": _money(interval.get("fraBeloep")),
        "interval_to": _money(interval.get("tilBeloep")),
        "interval_currency": text(interval.get("valuta")),
        "instrument": text(item.get("stoetteinstrument")),
        "purpose": text(item.get("formaal")),
        "legal_basis": text(item.get("primaerrettsligGrunnlag")),  # field name not seen (U)
        "nace": text(item.get("naering")),
        "region": text(item.get("region")),
        "scheme_id": text(item.get("tilknyttetStoetteordning")),
    }


def api_frame(items: Iterable[Any], first_row: int = 1) -> pl.DataFrame:
    """API items -> :data:`RAW_COLUMNS`; ``row`` counts the items from ``first_row``."""
    rows = [api_row(i) for i in items if isinstance(i, dict)]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(CSV_COLUMNS.values(), pl.Utf8))
    return frame.with_columns(row=pl.int_range(first_row, pl.len() + first_row, dtype=pl.Int64))


def read_json_bytes(data: bytes, what: str = "register file") -> pl.DataFrame:
    """The JSON bulk file: an array of items, or ``{"stoettetildeling": [...]}``."""
    try:
        body = json.loads(decode(data))
    except ValueError as exc:
        raise InputError(f"{what}: not JSON ({exc})") from exc
    items = body.get("stoettetildeling") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise InputError(f"{what}: JSON without a list of awards ('stoettetildeling')")
    return api_frame(items)


def read_file(path: Path | str) -> pl.DataFrame:
    """A downloaded award file (CSV or JSON, by its first character) -> :data:`RAW_COLUMNS`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read the register file ({exc.strerror or exc})") from exc
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    head = data[:4096].decode("utf-16" if utf16 else "utf-8", errors="ignore").lstrip("\ufeff \r\n\t")
    if head[:1] in ("[", "{"):
        return read_json_bytes(data, str(p))
    return read_csv_bytes(data, str(p))


__all__ = [
    "CSV_COLUMNS", "RAW_COLUMNS", "SCHEME_COLUMNS", "SCHEME_SCHEMA", "api_frame", "api_row", "decode",
    "read_csv_bytes", "read_file", "read_json_bytes", "read_schemes_bytes",
]  # fmt: skip
