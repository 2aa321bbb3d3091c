"""The decision as the public contract defines it (contract §3).

Money is a string with exactly two decimals; dates are ISO strings. These models are
the ones the JSON output, the Python API and (later) the HTTP API share.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Route = Literal["de_minimis", "covid_tf", "gber", "manual_review", "error"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(_Model):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
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
    officer_notes: list[Finding] = []
    """Open legal points and next steps for the officer's case note, never the applicant's letter."""

    def to_json_dict(self) -> dict:
        """The contract's JSON object (``window.from`` spelled as in the contract)."""
        return self.model_dump(by_alias=True)


__all__ = [
    "CountedAward",
    "CovidTF",
    "Decision",
    "Finding",
    "FxRate",
    "HeadroomStep",
    "LimitTest",
    "Route",
    "RowError",
    "Window",
]
