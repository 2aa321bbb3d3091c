"""The single-check form: its fields, their checks, and prior aid from uploads or pasted rows.

Why the engine's own readers: an orgnr, amount, date or award row is accepted here exactly
when ``deminimis check`` would accept it (:mod:`deminimis.sources.tables`,
:func:`deminimis.ledger.validate_awards`), so the page and the CLI never disagree. Problems
come back per field, in the page's language, to be shown next to that field.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from deminimis import orgnr as orgnr_mod
from deminimis.errors import InputError
from deminimis.gge_input import INSTRUMENTS, NOMINAL_INSTRUMENTS
from deminimis.ledger import validate_awards
from deminimis.ledger.prior import AWARD_COLUMNS, Row, parse_date, user_rows
from deminimis.models import RowError
from deminimis.rules import SCHEMES
from deminimis.sources import tables

from .i18n import Texts

APPLICATION_COLUMNS = (*tables.REQUIRED["applications"], *tables.OPTIONAL["applications"])
Errors = dict[str, list[str]]
PASTE_HEADER = AWARD_COLUMNS
AID_TEXT = (
    "nominal_amount",
    "term_years",
    "collateral_pct",
    "guarantee_pct",
    "gge",
    "payments",
    "discount_rate_pct",
    "scheme_max_amount",
)
"""Text fields of the aid's form (contract §1 applications; :mod:`deminimis.gge`)."""
AID_FLAGS = ("via_intermediary", "export_linked", "domestic_preference", "insolvency_proceedings")


@dataclass
class CheckForm:
    """What the officer typed (text, as typed, so the form can be shown again)."""

    orgnr: str = ""
    amount: str = ""
    currency: str = "NOK"
    grant_date: str = ""
    scheme: str = "ad_hoc"
    nace: str = ""
    in_difficulty: bool = False
    prior_rows: str = ""
    use_ledger: bool = True
    linked: str = ""
    instrument: str = "grant"
    nominal_amount: str = ""
    term_years: str = ""
    collateral_pct: str = ""
    guarantee_pct: str = ""
    gge: str = ""
    payments: str = ""
    discount_rate_pct: str = ""
    scheme_max_amount: str = ""
    via_intermediary: bool = False
    export_linked: bool = False
    domestic_preference: bool = False
    insolvency_proceedings: bool = False

    @classmethod
    def from_form(cls, form: Any) -> CheckForm:
        """From a submitted form; unchecked boxes are absent, so absence means no."""

        def text(name: str, default: str = "") -> str:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else default

        return cls(
            orgnr=text("orgnr"),
            amount=text("amount"),
            currency=text("currency", "NOK").upper() or "NOK",
            grant_date=text("grant_date"),
            scheme=text("scheme", "ad_hoc") or "ad_hoc",
            nace=text("nace"),
            in_difficulty=form.get("in_difficulty") is not None,
            prior_rows=text("prior_rows"),
            use_ledger=form.get("use_ledger") is not None,
            linked=text("linked"),
            instrument=text("instrument", "grant") or "grant",
            **{name: text(name) for name in AID_TEXT},
            **{name: form.get(name) is not None for name in AID_FLAGS},
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def aid_form(self) -> dict[str, str | None]:
        """The aid's form as the engine's keywords (blank: not given)."""
        texts = {name: getattr(self, name) or None for name in AID_TEXT}
        flags = {name: "yes" if getattr(self, name) else None for name in AID_FLAGS}
        return {"instrument": self.instrument, **texts, **flags}

    def amount_optional(self) -> bool:
        """A loan, guarantee or injection, or instalments: the amount may be left blank."""
        return self.instrument in NOMINAL_INSTRUMENTS or bool(self.payments)

    def linked_orgnrs(self) -> list[str]:
        return [orgnr_mod.compact(x) for x in re.split(r"[\s,;]+", self.linked) if x.strip()]


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def field_errors(form: CheckForm, t: Texts, currencies: list[str]) -> Errors:
    """Every field the engine would reject, with a message in the page's language."""
    errors: Errors = {}
    for name in ("orgnr", "amount", "grant_date"):
        if not getattr(form, name) and not (name == "amount" and form.amount_optional()):
            _add(errors, name, t("err_required"))
    if form.instrument not in INSTRUMENTS:
        _add(errors, "instrument", t("err_aid_field"))
    if form.orgnr and (problem := orgnr_mod.problem(form.orgnr)):
        _add(errors, "orgnr", t("err_orgnr_checksum" if "check digit" in problem else "err_orgnr_format"))
    if form.grant_date and parse_date(form.grant_date) is None:
        _add(errors, "grant_date", t("err_date"))
    if form.currency not in currencies:
        _add(errors, "currency", t("err_currency", value=form.currency))
    if form.scheme not in SCHEMES:
        _add(errors, "scheme", t("err_scheme"))
    row = dict.fromkeys(APPLICATION_COLUMNS) | {
        "orgnr": "974760673", "amount": form.amount or None, "currency": "EUR", "grant_date": "2021-01-01",
        "application_id": "1", "nace": form.nace or None, **form.aid_form(),
    }  # fmt: skip
    frame = pl.DataFrame([row], schema={k: pl.Utf8 for k in row}).with_columns(
        file=pl.lit("form"), row=pl.lit(1, pl.Int64)
    )
    _, engine = tables.canonical_applications(frame, currencies, list(SCHEMES))
    for e in engine.iter_rows(named=True):
        if e["field"] == "amount" and form.amount:
            _add(errors, "amount", t("err_amount"))
        elif e["field"] == "nace" and form.nace:
            _add(errors, "nace", t("err_nace"))
        elif e["field"] in AID_TEXT:
            _add(errors, e["field"], t("err_aid_field"))
    for i, number in enumerate(form.linked_orgnrs(), start=1):
        if problem := orgnr_mod.problem(number):
            _add(errors, "linked", t("err_linked", line=i, message=problem))
    return errors


def _separator(line: str) -> str:
    return next((s for s in ("\t", ";") if s in line), ",")


def paste_file(text: str, directory: Path) -> tuple[Path, int]:
    """Pasted rows as a CSV file, with a header line added when the officer left it out.

    Returns the file and the offset from its rows to the pasted lines (1 when a header was added).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    sep = _separator(lines[0]) if lines else ";"
    first = lines[0].split(sep)[0].strip() if lines else ""
    added = bool(re.fullmatch(r"[\d ]{9,11}", first))
    body = ([sep.join(PASTE_HEADER)] if added else []) + lines
    path = directory / "pasted-rows.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path, 1 if added else 0


@dataclass
class PriorRows:
    """Prior aid read from one upload or paste: text rows for the engine, or what is wrong."""

    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_prior(path: Path, label: str, t: Texts, *, settings: Any, row_offset: int = 0) -> PriorRows:
    """Rows of an awards file named ``label`` to the officer; every broken cell as a message."""
    try:
        _, errors, _ = validate_awards(path, rules_dir=settings.rules_dir, rates_file=settings.rates_file)
        rows = user_rows(path)
    except InputError as exc:
        message = str(exc).replace(str(path), label)
        return PriorRows(problems=[t("err_upload", file=label, message=message)])
    if len(rows) > settings.max_rows:
        return PriorRows(problems=[t("err_too_many", file=label, count=len(rows), limit=settings.max_rows)])
    if errors:
        return PriorRows(problems=[_row_message(e, label, t, row_offset) for e in errors])
    return PriorRows(rows=[{**r, "_file": label, "_row": _shift(r["_row"], row_offset)} for r in rows])


def _shift(row: Any, offset: int) -> int | None:
    return None if row is None else int(row) - offset


def _row_message(e: RowError, label: str, t: Texts, offset: int) -> str:
    from deminimis.render.row_errors import column_nb, message_nb

    nb = t.lang == "nb"
    field = column_nb(e.field) if nb else e.field
    message = (e.message_nb or message_nb(e.message)) if nb else e.message
    return t("err_file_row", file=label, row=_shift(e.row, offset), field=field, message=message)


def rows_as_text(rows: list[Row]) -> str:
    """Rows as semicolon lines under a header (to show them again in the paste box)."""
    lines = [";".join(PASTE_HEADER)]
    lines += [";".join(str(r.get(c) or "") for c in AWARD_COLUMNS) for r in rows]
    return "\n".join(lines)


__all__ = ["CheckForm", "Errors", "PriorRows", "field_errors", "paste_file", "read_prior", "rows_as_text"]
