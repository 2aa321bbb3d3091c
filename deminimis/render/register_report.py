"""``deminimis report … --format register``: what the grantor registers in Støtteregisteret.

One row per grant that can be made as decided (routes of ``register.toml`` ``[registration]``:
de minimis, and GBER for its own transparency duty) with the Art 6(1) fields of Reg. 2023/2831,
the due date (grant date + 20 working days, Norwegian calendar) and how long the records are
kept. Decisions written before the ``registration`` key existed get it computed here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from deminimis.models import Decision
from deminimis.registration import due_date
from deminimis.sources.register_rules import load_register_rules

COLUMNS = {
    "application_id": "søknad",
    "beneficiary_orgnr": "organisasjonsnummer støttemottaker",
    "beneficiary_name": "navn støttemottaker",
    "aid_amount": "tildelt beløp",
    "currency": "valuta",
    "aid_amount_eur": "tildelt beløp i euro",
    "grant_date": "tildelingsdato",
    "grantor": "støttegiver",
    "aid_instrument": "støtteinstrument",
    "nace": "næring",
    "regime": "forordning",
    "due_date": "frist for registrering",
    "keep_until": "oppbevares til",
    "required": "registreringsplikt",
}
INSTRUMENTS = {
    "grant": "Tilskudd",
    "interest_subsidy": "Rentesubsidie",
    "loan": "Lån",
    "guarantee": "Garanti",
}


def _row(d: Decision) -> dict[str, str | None]:
    reg = d.registration
    if reg is None:  # a decision file from before the key: the due date computed here
        rules = load_register_rules().registration
        due = due_date(dt.date.fromisoformat(d.grant_date or ""), rules.working_days, rules.calendar)
        fields = {
            "beneficiary_orgnr": d.orgnr, "beneficiary_name": d.name, "aid_amount": d.amount,
            "currency": d.currency, "aid_amount_eur": d.new_aid_eur, "grant_date": d.grant_date,
            "grantor": None, "aid_instrument": "grant", "nace": d.nace, "regime": d.regime,
            "due_date": due.isoformat(), "keep_until": None, "required": None,
        }  # fmt: skip
    else:
        fields = reg.model_dump()
    fields["aid_instrument"] = INSTRUMENTS.get(str(fields["aid_instrument"]), fields["aid_instrument"])
    fields["required"] = {True: "ja", False: "nei", None: None}[fields["required"]]
    return {COLUMNS[k]: (d.application_id if k == "application_id" else fields.get(k)) for k in COLUMNS}


def register_rows(
    decisions: list[Decision], *, include_all: bool = False
) -> tuple[pl.DataFrame, list[Decision]]:
    """(rows to register, the decisions left out: routes that are not granted as decided)."""
    routes = load_register_rules().registration.routes
    chosen = [d for d in decisions if d.route in routes and d.grant_date]
    left_out = [d for d in decisions if d not in chosen]
    rows = [_row(d) for d in chosen]
    return pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS.values(), pl.Utf8)), left_out


__all__ = ["COLUMNS", "register_rows"]
