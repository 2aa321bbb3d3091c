"""The decision as the public contract defines it (contract §3).

Money is a string with exactly two decimals; dates are ISO strings. These models are
the ones the JSON output, the Python API and (later) the HTTP API share.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Route = Literal["de_minimis", "covid_tf", "gber", "manual_review", "error"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Window(_Model):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
    from_: str = Field(alias="from")
    to: str
    kind: str


class CovidTF(_Model):
    ceiling_eur: str | None
    prior_eur: str
    headroom_before_eur: str | None
    max_grant_eur: str | None = None
    scheme_open: bool
    rule_id: str | None = None


class FxRate(_Model):
    currency: str
    date: str
    rate_date: str
    rate: str
    source: str


class EventStep(_Model):
    """A corporate event that passed a predecessor's aid on (Art 3(8)–(9))."""

    event: str
    predecessor_orgnr: str
    successor_orgnr: str
    effective_date: str
    share: str
    """The fraction passed on (``1`` for a merger or acquisition)."""


class CountedAward(_Model):
    source: str
    """``awards`` or ``employer_tax``."""
    period: str | None = None
    """Employer tax: the year (``2021``) or month (``2021-03``) of the advantage."""
    zone: str | None = None
    assumed: bool | None = None
    """Employer tax: the full fribeløp counted because no row was given (assume-max)."""
    orgnr: str
    granted_on: str
    basis: str
    amount: str
    currency: str
    eur: str
    counted: bool
    why: str
    file: str | None = None
    row: int | None = None
    grantor: str | None = None
    reference: str | None = None
    country: str | None = None
    """ISO 3166 alpha-2 of the granting state (awards; ``why`` ``other_state`` when not NO)."""
    events: list[EventStep] | None = None
    """A predecessor's aid: the events that passed it on to a member (``amount`` × shares)."""
    sources: list[str] | None = None
    """Every source holding this award (``awards.csv:3``, ``register:1000251908``); counted once."""
    mismatch: str | None = None
    """``not_declared`` (in the register only) or ``not_in_register`` (declared, missing there)."""


class Source(_Model):
    """One source consulted for the decision and what it cannot contain (contract §3 ``sources``)."""

    kind: str
    """``declaration``, ``ledger``, ``employer_tax``, ``register_file``, ``register_snapshot``,
    ``register_online`` or ``register_not_consulted``."""
    name: str | None = None
    date: str | None = None
    url: str | None = None
    sha256: str | None = None
    consulted: bool
    text_nb: str
    text_en: str
    limits_nb: str | None = None
    limits_en: str | None = None
    unverified: list[str] = []
    """Coverage entries of register.toml whose source is not verified (an officer's note)."""


class Registration(_Model):
    """What the grantor registers in Støtteregisteret after the grant (2023/2831 Art 6)."""

    beneficiary_orgnr: str | None
    beneficiary_name: str | None
    aid_amount: str | None
    currency: str | None
    aid_amount_eur: str | None
    grant_date: str | None
    grantor: str | None
    aid_instrument: str
    nace: str | None
    regime: str | None
    due_date: str | None
    """Grant date + 20 working days (Norwegian public holidays and weekends skipped)."""
    keep_until: str | None
    """Records kept until this day (10 years; 10 fiscal years under 1407/2013)."""
    required: bool
    citation: str


class Finding(_Model):
    code: str
    citation: str | None
    text_nb: str
    text_en: str


class RowError(_Model):
    file: str
    row: int | None
    field: str
    message: str
    message_nb: str | None = None
    """The message in bokmål, naming the column by its Norwegian name (an addition)."""


class LimitTest(_Model):
    id: str
    ceiling_eur: str
    counted_eur: str
    headroom_before_eur: str


class HeadroomStep(_Model):
    """A date on which earlier aid leaves the window, and the room then (contract §3 addition)."""

    date: str
    headroom_eur: str
    """ceiling − the aid counted today that is still in the window on ``date`` (not clamped)."""
    freed_eur: str
    """How much of today's counted aid leaves the window on ``date``."""
    max_grant: str
    """max(0, headroom_eur) in the application's currency at the grant date's rate (an estimate)."""


class UndertakingLink(_Model):
    """A link row of a member of the single undertaking, and whether it linked on the grant date."""

    orgnr: str
    undertaking_id: str
    link_type: str | None
    valid_from: str | None
    valid_to: str | None
    counted: bool
    why: str
    """``linked``, ``public_body`` (never links, recital 5) or ``not_valid_on_grant_date``."""
    file: str | None = None
    row: int | None = None


class GrossGrantEquivalent(_Model):
    """The form of a new aid that is not a plain grant and the figure that counts (contract §3 ``gge``)."""

    instrument: str
    nominal: str | None
    """The loan, the guaranteed amount, the injection (or the aid amount), in ``currency``."""
    gge_eur: str | None
    """The gross grant equivalent that counts, in EUR (null when it could not be set)."""
    method: str | None
    """``loan_safe_harbour``, ``guarantee_safe_harbour``, ``officer_gge``, ``capital_injection``,
    ``instalments_discounted``, ``scheme_fixed_sum`` (null: not set, see the reasons)."""
    citation: str | None
    currency: str | None = None
    max_nominal: str | None = None
    """Safe harbour: the largest nominal amount that still fits at the same terms."""
    rules_entry: str | None = None


class Decision(_Model):
    application_id: str
    orgnr: str | None
    grant_date: str | None
    undertaking: list[str]
    route: Route
    regime: str | None
    window: Window | None
    ceiling_eur: str | None
    prior_de_minimis_eur: str | None
    employer_tax_advantage_nok: str | None
    employer_tax_advantage_eur: str | None
    counted_total_eur: str | None
    new_aid_eur: str | None
    headroom_before_eur: str | None
    headroom_after_eur: str | None
    max_de_minimis_grant_eur: str | None
    max_de_minimis_grant: str | None
    covid_tf: CovidTF | None
    fx: list[FxRate]
    counted: list[CountedAward]
    reasons: list[Finding]
    warnings: list[Finding]
    errors: list[RowError]
    # Additions beyond contract §3 (allowed: "add freely").
    amount: str | None = None
    currency: str | None = None
    scheme: str | None = None
    name: str | None = None
    nace: str | None = None
    ceiling_test: str | None = None
    ceiling_tests: list[LimitTest] = []
    rules_entry: str | None = None
    headroom_calendar: list[HeadroomStep] = []
    """When the grant does not fit: the dates earlier aid leaves the window (see headroom.py)."""
    undertaking_links: list[UndertakingLink] = []
    """The perimeter with its link types: every link row of a member (issue 15)."""
    gge: GrossGrantEquivalent | None = None
    """Null for a plain grant; else the aid's form and its gross grant equivalent (deminimis.gge)."""
    signing_date: str | None = None
    """Through a financial intermediary: the date signed (the grant date is the quarter's end)."""
    sources: list[Source] = []
    registration: Registration | None = None
    officer_notes: list[Finding] = []
    """Open legal points and next steps for the officer's case note, never the applicant's letter."""
    extra: dict[str, str | None] | None = Field(default=None, exclude=True)
    """The applications file's own columns (header -> text), as a batch .json/.jsonl carries
    them; read back by ``letter``/``report``, never written by the engine (excluded)."""

    def to_json_dict(self) -> dict:
        """The contract's JSON object (``window.from`` spelled as in the contract)."""
        return self.model_dump(by_alias=True)


__all__ = [
    "CountedAward",
    "CovidTF",
    "Decision",
    "EventStep",
    "Finding",
    "FxRate",
    "GrossGrantEquivalent",
    "HeadroomStep",
    "LimitTest",
    "Route",
    "Registration",
    "RowError",
    "UndertakingLink",
    "Source",
    "Window",
]
