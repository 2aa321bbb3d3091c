"""The single-check form: its fields, their checks, and the tables it gives the engine.

Why the engine's own rules: the typed application is validated by the same rules as a file row
or an HTTP body (:func:`deminimis.sources.tables.canonical_applications` over the form's real
values); uploads and pasted rows are read by the same input layer, in memory
(:mod:`.prior_rows`). Problems come back per field, in the page's language, to be shown next
to that field.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from deminimis import orgnr as orgnr_mod
from deminimis.api import application_record
from deminimis.gge_input import INSTRUMENTS, NOMINAL_INSTRUMENTS
from deminimis.ledger.prior import parse_date
from deminimis.rules import SCHEMES
from deminimis.sources import tables
from deminimis.sources.inputs import read_input

from .i18n import Texts

APPLICATION_COLUMNS = (*tables.REQUIRED["applications"], *tables.OPTIONAL["applications"])
Errors = dict[str, list[str]]
LINK_COLUMNS = ("orgnr", "link_type", "valid_from", "valid_to")
"""The columns of a linked firm's line when it has more than the orgnr (``;`` or tab between)."""
FIELD_KEYS = {"amount": "err_amount", "nace": "err_nace", "scheme": "err_scheme", "grant_date": "err_date"}
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
    employer_tax_rows: str = ""
    events_rows: str = ""
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
            employer_tax_rows=text("employer_tax_rows"),
            events_rows=text("events_rows"),
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

    def linked_rows(self) -> list[dict[str, Any]]:
        """The linked firms as links records numbered by line: a line with ``;`` or a tab is
        one firm with its link type and validity (:data:`LINK_COLUMNS`), else one or more
        organisation numbers."""
        rows: list[dict[str, Any]] = []
        for line_no, line in enumerate(self.linked.splitlines(), start=1):
            if ";" in line or "\t" in line:
                cells = [c.strip() for c in re.split(r"[;\t]", line)]
                row = dict(zip(LINK_COLUMNS, cells, strict=False))
                rows.append({**row, "orgnr": orgnr_mod.compact(row["orgnr"]), "row": line_no})
            else:
                rows += [
                    {"orgnr": orgnr_mod.compact(x), "row": line_no} for x in re.split(r"[\s,]+", line) if x
                ]
        return [r for r in rows if r["orgnr"] or len(r) > 2]

    def linked_orgnrs(self) -> list[str]:
        return [r["orgnr"] for r in self.linked_rows()]

    def application(self) -> dict[str, Any]:
        """The contract's applications row of the form (dates as typed: the engine reads both forms)."""
        day = parse_date(self.grant_date)
        return application_record(
            orgnr=self.orgnr,
            amount=self.amount,
            grant_date=day.isoformat() if day else self.grant_date or "",
            currency=self.currency,
            scheme=self.scheme,
            nace=self.nace or None,
            in_difficulty_2019="yes" if self.in_difficulty else None,
            **self.aid_form(),
        )


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def field_errors(form: CheckForm, t: Texts, currencies: list[str]) -> Errors:  # noqa: C901  (allow-listed, to split)
    """Every field the engine rejects (the same rules as a file row or an HTTP body), in the
    page's language."""
    errors: Errors = {}
    if form.instrument not in INSTRUMENTS:
        _add(errors, "instrument", t("err_aid_field"))
    raw = read_input([form.application()], "applications", label="form")
    _, found = tables.canonical_applications(raw, currencies, list(SCHEMES))
    for e in found.iter_rows(named=True):
        name, message = e["field"], e["message"]
        if name == "amount" and not form.amount and form.amount_optional():
            continue
        if "is missing" in message or (name == "grant_date" and not form.grant_date):
            _add(errors, name, t("err_required"))
        elif name == "orgnr":
            _add(errors, name, t("err_orgnr_checksum" if "check digit" in message else "err_orgnr_format"))
        elif name == "currency":
            _add(errors, name, t("err_currency", value=form.currency))
        elif name == "amount" and not form.amount:
            _add(errors, name, t("err_required"))
        elif name in AID_TEXT or name == "instrument":
            _add(errors, name, t("err_aid_field"))
        else:
            _add(errors, name, t(FIELD_KEYS.get(name, "err_engine"), message=message))
    _link_errors(form, t, errors)
    return errors


def _link_errors(form: CheckForm, t: Texts, errors: Errors) -> None:
    """Each wrong line of the linked firms, in line order: its orgnr, then its link type and
    dates by the links table's own rules (:func:`deminimis.sources.tables.canonical_links`)."""
    from deminimis.render.row_errors import message_nb

    rows = form.linked_rows()
    found: list[tuple[int, str]] = []
    for r in rows:
        if problem := orgnr_mod.problem(r["orgnr"]):
            found.append((r["row"], message_nb(problem) if t.lang == "nb" else problem))
    bad = {line for line, _ in found}
    records = link_records(form, "form", rows=[r for r in rows if r["row"] not in bad]) or []
    if any(r.get(c) for r in records for c in LINK_COLUMNS[1:]):
        typed = {r["row"]: r for r in rows}
        _, wrong = tables.canonical_links(read_input(records, "links", label="linked"))
        for e in wrong.filter(pl.col("field") != "orgnr").iter_rows(named=True):
            value = typed.get(e["row"], {}).get(e["field"]) or ""
            found.append(
                (e["row"], t("err_link_type" if e["field"] == "link_type" else "err_link_date", value=value))
            )
    for line, message in sorted(found, key=lambda f: f[0]):
        _add(errors, "linked", t("err_linked", line=line, message=message))


def link_records(
    form: CheckForm, key: str, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]] | None:
    """The linked firms and the applicant as one undertaking (links records, each line's
    link type and validity with it), or None."""
    members = form.linked_rows() if rows is None else rows
    if not members:
        return None
    applicant = {"orgnr": orgnr_mod.compact(form.orgnr), "undertaking_id": key, "file": "linked", "row": 0}
    return [applicant, *({**m, "undertaking_id": key, "file": "linked"} for m in members)]


__all__ = [
    "LINK_COLUMNS",
    "CheckForm",
    "Errors",
    "field_errors",
    "link_records",
]
