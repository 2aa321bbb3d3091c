"""Støtteregisteret as a source of prior aid: typed register rows and the evidence a case uses.

Raw text rows (:mod:`deminimis.sources.register_read`, from the bulk file, the parquet snapshot
or the search API) are typed once here: orgnr (spaces allowed), ``Tildelingsdato``, the amount
(``Tildelt beløp``; for interval rows the upper bound ``Beløpsintervall til beløp``, the
conservative value), currency, and the classification of :mod:`deminimis.sources.register_rules`.
Each row becomes a prior award with ``file`` = ``register:<Støttetiltaksnummer>`` and
``reference`` = the same id. A row that cannot be typed is an error naming the register file,
line and column; only rows of the firms in the case are kept (a broken row of another firm in a
300 000-row file is no error of this case).

:func:`evidence` reads a file or the snapshot for a set of orgnr with one polars join (the
snapshot is scanned lazily, filtered by a semi join, never one request per firm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from deminimis.money import cents_expr
from deminimis.sources import register_read as rr
from deminimis.sources.register_rules import RegisterRules, load_register_rules, with_classification
from deminimis.sources.tables import date_expr, errors_of, orgnr_problems

C = pl.col
ROW_SCHEMA: dict[str, Any] = {
    "file": pl.Utf8,
    "row": pl.Int64,
    "orgnr": pl.Utf8,
    "granted_on": pl.Date,
    "amount_cents": pl.Int64,
    "currency": pl.Utf8,
    "basis": pl.Utf8,
    "grantor": pl.Utf8,
    "reference": pl.Utf8,
    "award_id": pl.Utf8,
    "name": pl.Utf8,
    "status": pl.Utf8,
    "registered": pl.Boolean,
    "instrument": pl.Utf8,
    "instrument_id": pl.Utf8,
    "interval": pl.Boolean,
    "basis_rule": pl.Utf8,
    "basis_text": pl.Utf8,
    "employer_tax": pl.Boolean,
    "scheme_id": pl.Utf8,
    "scheme_name": pl.Utf8,
    "nace": pl.Utf8,
}
"""Typed register rows: the awards table's columns first, then the register's own."""
ERROR_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "message": pl.Utf8, "orgnr": pl.Utf8}
CONSULTED_SCHEMA = {"orgnr": pl.Utf8, "outcome": pl.Utf8, "problem": pl.Utf8}


@dataclass(frozen=True)
class SourceInfo:
    """Where the register rows came from (the decision's ``sources`` entry)."""

    kind: str  # register_file | register_snapshot | register_online
    name: str  # path, snapshot directory or API URL
    date: str | None = None  # retrieval date (ISO) of the snapshot or the answers
    url: str | None = None
    sha256: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "name": self.name,
            "date": self.date,
            "url": self.url,
            "sha256": self.sha256,
        }


@dataclass
class RegisterEvidence:
    """The register's rows for the firms of a case, and how each firm's lookup went."""

    rows: pl.DataFrame
    errors: pl.DataFrame
    source: SourceInfo
    consulted: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CONSULTED_SCHEMA))
    """Online only: ``orgnr, outcome, problem`` (``found``, ``unavailable``, ``malformed``)."""


def empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=ROW_SCHEMA)


def typed(
    raw: pl.DataFrame, rules: RegisterRules, schemes: pl.DataFrame | None = None, origin: str = "register"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Raw register rows -> (:data:`ROW_SCHEMA` rows, errors naming ``origin``, line and column)."""
    if schemes is not None and not schemes.is_empty():
        raw = raw.join(schemes.select("scheme_id", "scheme_name"), on="scheme_id", how="left")
    else:
        raw = raw.with_columns(scheme_name=pl.lit(None, pl.Utf8))
    blank = C("amount").fill_null("").str.strip_chars() == ""
    f = orgnr_problems(raw).with_columns(
        _interval=blank & (C("interval_to").fill_null("").str.strip_chars() != ""),
        _date=date_expr("granted_on"),
    )
    amount_text = pl.when(C("_interval")).then(C("interval_to")).otherwise(C("amount"))
    currency = pl.when(C("_interval")).then(C("interval_currency")).otherwise(C("currency"))
    f = f.with_columns(
        _cents=rr_cents(amount_text),
        _currency=currency.fill_null("").str.strip_chars().str.to_uppercase().replace("", "NOK"),
        _amount_text=amount_text,
    )
    f = f.with_columns(
        p_orgnr=C("_orgnr_problem"),
        p_date=pl.when(C("_date").is_null()).then(
            pl.format("Tildelingsdato '{}' is not a date (dd.mm.yyyy)", C("granted_on"))
        ),
        p_amount=pl.when(C("_cents").is_null()).then(
            pl.format("Tildelt beløp '{}' is not an amount (e.g. 42 500,00)", C("_amount_text"))
        ),
        p_currency=pl.when(~C("_currency").str.contains(r"^[A-Z]{3}$")).then(
            pl.format("Tildelt beløp valuta '{}' is not an ISO 4217 code", C("_currency"))
        ),
        file=pl.lit(origin),
    )
    fields = {
        "Organisasjonsnummer støttemottaker": "p_orgnr",
        "Tildelingsdato": "p_date",
        "Tildelt beløp": "p_amount",
        "Tildelt beløp valuta": "p_currency",
    }
    errors = errors_of(f, fields).join(
        f.filter(C("_orgnr_problem").is_null()).select("file", "row", C("_orgnr").alias("orgnr")),
        on=["file", "row"],
        how="left",
    )
    good = f.filter(pl.all_horizontal(C(list(fields.values())).is_null()))
    good = with_classification(
        good.with_columns(legal_basis=pl.coalesce("legal_basis", _scheme_basis(good))), rules
    )
    rows = good.select(
        file=pl.format("register:{}", C("award_id")),
        row=C("row"),
        orgnr=C("_orgnr"),
        granted_on=C("_date"),
        amount_cents=C("_cents"),
        currency=C("_currency"),
        basis=C("basis"),
        grantor=C("grantor"),
        reference=C("award_id"),
        award_id=C("award_id"),
        name=C("name"),
        status=C("status"),
        registered=C("registered"),
        instrument=C("instrument"),
        instrument_id=C("instrument_id"),
        interval=C("_interval"),
        basis_rule=C("basis_rule"),
        basis_text=pl.concat_str(
            [C("legal_basis"), C("measure_type"), C("scheme_name")], separator=" / ", ignore_nulls=True
        ),
        employer_tax=C("employer_tax"),
        scheme_id=C("scheme_id"),
        scheme_name=C("scheme_name"),
        nace=C("nace"),
    )
    return rows.cast(ROW_SCHEMA), errors.select(list(ERROR_SCHEMA)).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _scheme_basis(frame: pl.DataFrame) -> pl.Expr:
    return C("scheme_legal_basis") if "scheme_legal_basis" in frame.columns else pl.lit(None, pl.Utf8)


def rr_cents(expr: pl.Expr) -> pl.Expr:
    """The register's amount text ("42 500,00", or an API number as text) -> cents."""
    return cents_expr(expr.str.replace(r"^(\d+\.\d{2})0+$", "$1"))


def _orgnr_keys(orgnrs: list[str]) -> pl.LazyFrame:
    return pl.LazyFrame({"_key": sorted(set(orgnrs))}, schema={"_key": pl.Utf8})


def for_orgnrs(raw: pl.LazyFrame, orgnrs: list[str]) -> pl.DataFrame:
    """The raw rows whose recipient is one of ``orgnrs`` (a semi join on the compact orgnr)."""
    key = C("orgnr").str.replace_all(r"\s", "")
    return raw.with_columns(_key=key).join(_orgnr_keys(orgnrs), on="_key", how="semi").drop("_key").collect()


def from_file(
    path: Path | str, orgnrs: list[str], rules_dir: Path | None = None, schemes: Path | str | None = None
) -> RegisterEvidence:
    """Evidence from a downloaded award file (CSV or JSON) for the firms ``orgnrs``."""
    rules = load_register_rules(rules_dir)
    raw = for_orgnrs(rr.read_file(path).lazy(), orgnrs)
    sch = rr.read_schemes_bytes(Path(schemes).read_bytes(), str(schemes)) if schemes else None
    rows, errors = typed(raw, rules, sch, origin=str(path))
    return RegisterEvidence(rows, errors, SourceInfo("register_file", str(path)))


def from_snapshot(
    orgnrs: list[str], snapshot_dir: Path | None = None, rules_dir: Path | None = None
) -> RegisterEvidence:
    """Evidence from the local snapshot (``deminimis register sync``)."""
    from deminimis.sources import register_snapshot as snap

    info = snap.load(snapshot_dir)
    raw = for_orgnrs(pl.scan_parquet(info.awards_path), orgnrs)
    schemes = pl.read_parquet(info.schemes_path) if info.schemes_path else None
    rows, errors = typed(
        raw, load_register_rules(rules_dir), schemes, origin=f"register snapshot {info.date}"
    )
    source = SourceInfo("register_snapshot", str(info.dir), info.date, info.url, info.sha256)
    return RegisterEvidence(rows, errors, source)


__all__ = [
    "CONSULTED_SCHEMA", "ERROR_SCHEMA", "ROW_SCHEMA", "RegisterEvidence", "SourceInfo", "empty_rows",
    "for_orgnrs", "from_file", "from_snapshot", "typed",
]  # fmt: skip
