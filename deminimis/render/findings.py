"""Reasons and warnings (code, citation, text in nb and en) for every decision at once.

One long frame ``idx, kind, order, sub, code, citation, text_nb, text_en``: each finding is a
filter of the decisions (or of the counted awards, ``sub`` keeping their order) with its
template from ``messages.toml`` filled by polars expressions. ``order`` follows the sequence in
which an officer reads the explanation: outcome branch, counted aid, new aid, ceiling, result,
Covid TF, GBER, unverified rule data; warnings likewise. Sorting by ``idx, kind, order, sub``
and grouping gives each decision its two lists.

The parts every finding module builds with (the kinds, :data:`SCHEMA`, :class:`Finding`,
:func:`finding`, :class:`Plan` and the value helpers) live in
:mod:`deminimis.render.finding_parts` and are re-exported here; this module holds the warnings.
"""

from __future__ import annotations

import polars as pl

from deminimis.render.finding_parts import (
    EVERY,
    NOTE,
    REASON,
    SCHEMA,
    WARNING,
    Finding,
    Plan,
    amount,
    by_lang,
    day,
    finding,
    mapped,
    money,
    plural,
    rate,
)
from deminimis.render.messages import messages
from deminimis.render.rule_frames import cite
from deminimis.rules import Rules

C = pl.col
FX = "Contract §4 (exchange rate)"


def warnings(rules: Rules) -> list[Finding]:
    """The warnings, in the order the Python renderer gave them."""
    out = _covid_and_fx(rules)
    out += _award_warnings()
    out += _firm_warnings()
    out += _readings()
    out.append(finding("d", C("dec") & ~C("prior_source"), WARNING, 5, "no_prior_aid_source"))
    return out


def _covid_and_fx(rules: Rules) -> list[Finding]:
    """Warnings for an undeclared Covid TF difficulty and stale exchange rates."""
    dec = C("dec")
    tf = (
        dec
        & (C("scheme") == "covid_tf_3_1")
        & (C("route") != "de_minimis")
        & (C("cap_id").fill_null("") != "")
    )
    stale = dict(rate=rate("rate"), rate_date=day("rate_date"))
    return [
        finding(
            "d",
            tf & C("in_difficulty_2019").is_null(),
            WARNING,
            10,
            "difficulty_not_declared",
            cite(rules.covid.difficulty_citation),
        ),
        finding(
            "d",
            dec & (C("app_fx_status") == "stale"),
            WARNING,
            20,
            "fx_rate_stale",
            FX,
            currency=C("currency"),
            date=day("grant_date"),
            rate=rate("app_rate"),
            rate_date=day("app_rate_date"),
        ),
        finding(
            "c",
            dec
            & C("counted")
            & C("rate_date").is_not_null()
            & C("stale_dates").list.contains(C("rate_date")),
            WARNING,
            21,
            "fx_rate_stale",
            FX,
            sub_=C("k"),
            currency=C("currency"),
            date=day("granted_on"),
            **stale,
        ),
    ]


def _award_warnings() -> list[Finding]:
    """Warnings for awards: an unrecognised basis, after the grant date, duplicated, near-duplicated."""
    from deminimis.render.source_findings import near_duplicate

    dec = C("dec")
    out = [
        finding(
            "c",
            dec & (C("source") == "awards") & C("basis_nearest").is_not_null(),
            WARNING,
            25,
            "basis_unrecognised",
            "Regulation 2023/2831 Art 6(4); Regulation 1407/2013 Art 6(3)",
            sub_=C("k"),
            text=C("basis_text"),
            nearest=C("basis_nearest"),
            amount=money("amount_cents"),
            currency=C("currency"),
            granted_on=day("granted_on"),
        )
    ]
    for order, (code, n) in enumerate(
        (
            ("award_after_grant_date", "n_after"),
            ("duplicate_award", "n_duplicate"),
            ("basis_other", "n_other"),
        )
    ):
        out.append(
            finding(
                "d",
                dec & (C(n).fill_null(0) > 0),
                WARNING,
                30 + order,
                code,
                n=C(n),
                awards=plural(code, n),
                grant_date=day("grant_date"),
            )
        )
    out.append(near_duplicate())
    return out


def _firm_warnings() -> list[Finding]:
    """Warnings for missing employer tax, an unchecked sector and the firm's status or facts."""
    msgs = messages()
    dec = C("dec")
    missing = msgs["employer_tax_missing"]
    status = msgs["firm_status"]
    return [
        finding(
            "d",
            dec & (C("et_missing").list.len() > 0),
            WARNING,
            40,
            "employer_tax_missing",
            "Stortingets vedtak om arbeidsgiveravgift § 4",
            orgnr=C("et_missing").list.join(", "),
            what=lambda lang: (
                pl.when(C("et_assumed"))
                .then(pl.lit(missing[f"assumed_{lang}"]))
                .otherwise(pl.lit(missing[f"not_counted_{lang}"]))
            ),
        ),
        finding(
            "d",
            dec & C("nace").is_null(),
            WARNING,
            41,
            "sector_not_checked",
            "Regulation 1407/2013 / 2023/2831, Art 1(1)",
        ),
        finding(
            "d",
            dec & (C("status").fill_null("") != "") & ~C("status").is_in(["active", "unknown"]),
            WARNING,
            42,
            "firm_status",
            "Enhetsregisteret (Brønnøysundregistrene)",
            orgnr=C("orgnr"),
            status=mapped("status", status, default=C("status")),
            source=pl.when(C("firm_source").fill_null("") != "")
            .then(C("firm_source"))
            .otherwise(pl.lit("?")),
        ),
        finding(
            "d",
            dec & (C("firm_problem").fill_null("") != "") & (C("firm_problem_kind") == "unavailable"),
            WARNING,
            43,
            "firm_facts_unverified",
            orgnr=C("orgnr"),
            problem=C("firm_problem"),
        ),
    ]


def _readings() -> list[Finding]:
    """Warnings for amounts, currencies and dates read from a fuzzy spelling."""
    msgs = messages()
    how = mapped("amount_read", msgs["amount_read"])
    when = mapped("date_read", msgs["date_read"])
    return [
        finding(
            "d",
            C("amount_read").is_not_null(),
            WARNING,
            50,
            "amount_read",
            text=C("amount_text"),
            amount=amount("amount_cents"),
            how=how,
        ),
        finding(
            "d",
            C("currency_read").is_not_null(),
            WARNING,
            51,
            "currency_read",
            text=C("amount_text"),
            currency=C("currency"),
        ),
        finding(
            "d",
            C("date_read").is_not_null(),
            WARNING,
            52,
            "date_read",
            text=C("date_text"),
            date=day("grant_date"),
            how=when,
        ),
    ]


__all__ = [
    "NOTE",
    "REASON",
    "EVERY",
    "SCHEMA",
    "WARNING",
    "Finding",
    "amount",
    "Plan",
    "by_lang",
    "day",
    "finding",
    "mapped",
    "money",
    "plural",
    "rate",
    "warnings",
]
