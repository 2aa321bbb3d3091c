"""The reasons about employer tax (arbeidsgiveravgift) counted as de minimis aid.

Why apart: the zone-differentiated employer tax has its own legal basis, its own values (period,
zone, NOK) and a note read from the employer-tax rules file (:mod:`deminimis.aga_zones`); it sits
between the counted awards and the new aid in :func:`deminimis.render.reasons.reasons`.
"""

from __future__ import annotations

import polars as pl

from deminimis.aga_zones import load as load_employer_tax
from deminimis.render.findings import NOTE, REASON, Finding, day, finding, money, rate
from deminimis.render.rule_frames import cite
from deminimis.rules import Rules

C = pl.col
EMPLOYER_TAX = "Stortingets vedtak om arbeidsgiveravgift § 4; Skatte-ABC A-14-6.6"


def employer_tax_reasons(dm: pl.Expr, rules: Rules) -> list[Finding]:
    """Employer tax counted (assumed or of its year), not aid, and read as twelve months; ``dm``
    selects the de minimis decisions."""
    et = dm & (C("source") == "employer_tax")
    et_values = dict(
        period=C("period"),
        zone=pl.when(C("zone").fill_null("") != "").then(C("zone")).otherwise(pl.lit("?")),
        nok=money("amount_cents"),
        eur=money("eur_cents"),
        rate=rate("rate"),
        rate_date=day("rate_date"),
    )
    return [
        finding(
            "c",
            et & C("counted") & C("assumed").fill_null(False),
            REASON,
            40,
            "employer_tax_assumed",
            EMPLOYER_TAX,
            sub_=C("k"),
            **et_values,
        ),
        finding(
            "c",
            et & C("counted") & ~C("assumed").fill_null(False),
            REASON,
            40,
            "employer_tax_year",
            EMPLOYER_TAX,
            sub_=C("k"),
            **et_values,
        ),
        finding(
            "d",
            dm & C("et_not_aid").is_not_null(),
            REASON,
            41,
            "employer_tax_not_aid",
            EMPLOYER_TAX,
            periods=C("et_not_aid"),
        ),
        _monthly_reading(et & C("counted") & C("spread").fill_null(False), rules),
    ]


def _monthly_reading(when: pl.Expr, rules: Rules) -> Finding:
    """Officer's note: a yearly employer-tax row met other aid of its year and was read as twelve
    equal months (a convention of the rules data, not a rule text)."""
    reading = load_employer_tax(rules.directory).file.monthly_reading
    return finding(
        "c",
        when,
        NOTE,
        12,
        "employer_tax_monthly_reading",
        cite(reading.citation),
        sub_=C("k"),
        period=C("period"),
        note=lambda lang: pl.lit(getattr(reading, f"officer_note_{lang}")),
    )


__all__ = ["EMPLOYER_TAX", "employer_tax_reasons"]
