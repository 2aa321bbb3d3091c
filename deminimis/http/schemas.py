"""Request and response bodies of the HTTP API (pydantic, shown at ``/docs``).

Why amounts are strings: the contract's money is a decimal string (``"150000.00"``); a JSON
number with decimals is a float and can lose cents, so it is refused with a clear message.
An integer (``150000``) is accepted. Requests use the contract's field names (§1); responses
are the contract's decision objects (:class:`deminimis.models.Decision`, §3).

These models check the *shape* (types, lengths, known scheme). Whether an orgnr's check digit,
a currency or a date is right is checked by the engine's own rules
(:mod:`deminimis.http.inputs`), so the API and the CLI accept exactly the same values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from deminimis.ledger.records import AwardRecord, ReservationRecord
from deminimis.models import Decision

Scheme = Literal["ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei"]
Instrument = Literal["grant", "interest_subsidy", "loan", "guarantee", "capital_injection", "other"]
Text = Annotated[str, Field(max_length=200)]


def _amount(value: Any) -> Any:
    if isinstance(value, bool | float):
        raise ValueError(
            'amount must be a string with at most two decimals, e.g. "150000.00" '
            "(a JSON number with decimals is a float and may lose cents)"
        )
    return str(value) if isinstance(value, int) else value


Amount = Annotated[str, BeforeValidator(_amount), Field(max_length=40, examples=["150000.00"])]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AwardIn(_In):
    """Prior aid given with the request (e.g. declared by the applicant), contract §1 awards."""

    orgnr: Text
    granted_on: Text = Field(examples=["2020-11-03"])
    amount: Amount
    currency: Annotated[str, Field(max_length=3)] = "NOK"
    basis: Text = Field(examples=["de_minimis", "bagatellmessig støtte"])
    grantor: Text | None = None
    reference: Text | None = None
    country: Annotated[str, Field(max_length=2, description="ISO 3166 alpha-2 of the granting state")] = "NO"
    instrument: Text | None = Field(None, description="grant (default), loan, guarantee, …")
    nominal_amount: Amount | None = Field(None, description="loan or guaranteed amount; amount is the GGE")


class LinkIn(_In):
    """``orgnr`` belongs to the single undertaking ``undertaking_id`` (contract §1 links)."""

    orgnr: Text
    undertaking_id: Text
    link_type: Text | None = Field(None, examples=["a", "public_body", "natural_person"])
    valid_from: Text | None = Field(None, description="the link counts only from this date")
    valid_to: Text | None = Field(None, description="the link counts only to this date")


class EventIn(_In):
    """A merger, acquisition or split (contract §1 events): the predecessor's earlier aid counts
    for the successor (× ``share`` for a split; the shares of one split add up to 1)."""

    event: Text = Field(examples=["merger", "acquisition", "split"])
    predecessor_orgnr: Text
    successor_orgnr: Text
    effective_date: Text = Field(examples=["2024-01-01"])
    share: Text | None = Field(None, examples=["0.75"], description="split only: 0-1")


class ApplicationIn(_In):
    """One planned grant (contract §1 applications)."""

    orgnr: Text = Field(examples=["912346803"])
    amount: Amount
    currency: Annotated[str, Field(max_length=3, examples=["NOK"])] = "NOK"
    grant_date: Text | None = Field(None, description="YYYY-MM-DD or DD.MM.YYYY; default today")
    scheme: Scheme | None = None
    nace: Text | None = None
    application_id: Text | None = None
    fiscal_year_start: Text | None = Field(None, description="MM-DD, default 01-01")
    in_difficulty_2019: bool | None = None
    # The form of the aid (contract §1; deminimis.gge). ``amount`` may be "" for a loan,
    # guarantee or capital injection: the nominal amount and the rules give the GGE.
    instrument: Instrument | None = None
    nominal_amount: Amount | None = None
    term_years: Annotated[str, BeforeValidator(_amount), Field(max_length=20)] | None = None
    collateral_pct: Annotated[str, BeforeValidator(_amount), Field(max_length=20)] | None = None
    guarantee_pct: Annotated[str, BeforeValidator(_amount), Field(max_length=20)] | None = None
    gge: Amount | None = Field(None, description="gross grant equivalent computed by the officer")
    payments: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="instalments YYYY-MM-DD:amount;… discounted to the grant date"
    )
    discount_rate_pct: Annotated[str, BeforeValidator(_amount), Field(max_length=20)] | None = None
    scheme_max_amount: Amount | None = Field(None, description="fixed sum under a scheme (Art 7(4))")
    via_intermediary: bool | None = None
    export_linked: bool | None = Field(
        None, description="export aid (Art 1(1)(e)); trade-fair costs abroad are not export aid (recital 10)"
    )
    domestic_preference: bool | None = None
    insolvency_proceedings: bool | None = None


UnrecognisedBasis = Annotated[
    Literal["count", "exclude"],
    Field(
        description="a prior award whose basis is not known: count it as de minimis (warned) or leave it out"
    ),
]


class CheckIn(ApplicationIn):
    """A check: the grant, prior aid not in the ledger, and the undertaking's links."""

    awards: list[AwardIn] = []
    links: list[LinkIn] = []
    events: list[EventIn] = []
    unrecognised_basis: UnrecognisedBasis = "count"
    use_ledger: bool = Field(True, description="count the ledger's awards and live reservations")
    use_register: bool = Field(
        False,
        alias="register",
        description="count Støtteregisteret's awards from the server's snapshot ('deminimis register sync')",
    )


class BatchIn(_In):
    """A batch as an object, when prior aid or links come with it."""

    applications: list[ApplicationIn]
    awards: list[AwardIn] = []
    links: list[LinkIn] = []
    events: list[EventIn] = []
    unrecognised_basis: UnrecognisedBasis = "count"
    use_ledger: bool = True
    use_register: bool = Field(False, alias="register")


class ReservationIn(ApplicationIn):
    """Reserve: check against the ledger and, if it fits de minimis, hold the amount."""

    awards: list[AwardIn] = []
    links: list[LinkIn] = []
    events: list[EventIn] = []
    unrecognised_basis: UnrecognisedBasis = "count"
    grantor: Text | None = None
    reference: Text | None = None
    ttl_days: int = Field(14, ge=1, le=365, description="days until the reservation expires")
    actor: Text | None = Field(None, description="who reserves (else header X-Actor, else 'api')")


class GrantIn(_In):
    granted_on: Text | None = Field(None, description="default: the reserved grant date")
    actor: Text | None = None


class ReservationOut(BaseModel):
    """The reservation (null when refused) and the decision it rests on."""

    reservation: ReservationRecord | None
    decision: Decision


class GrantOut(BaseModel):
    reservation: ReservationRecord
    award: AwardRecord
    decision: Decision = Field(description="the re-check at the grant date")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    ledger: Literal["on", "off"] = "on"
    """``off``: the server runs without a ledger (checks only, no reservations)."""
    ledger_backend: str | None = None
    schema_version: int | None = None


__all__ = [
    "ApplicationIn",
    "AwardIn",
    "BatchIn",
    "CheckIn",
    "EventIn",
    "GrantIn",
    "GrantOut",
    "Health",
    "LinkIn",
    "ReservationIn",
    "ReservationOut",
]
