"""The reasons of every decision at once (see :mod:`deminimis.render.findings`).

Order follows how an officer reads the explanation: the outcome branch (error, excluded
sector, no rule data, regime gap) or the de minimis test (regime, undertaking, window, sector
ceiling, each counted award, employer tax, new aid, ceiling, result), then Covid TF 3.1, GBER
and the rule data marked UNVERIFIED. The employer-tax reasons live in
:mod:`deminimis.render.employer_tax_reasons`; Covid TF 3.1, GBER and the officer's notes
(:func:`notes`, re-exported here) in :mod:`deminimis.render.covid_gber_reasons`.
"""

from __future__ import annotations

import polars as pl

from deminimis.render.covid_gber_reasons import covid_gber_reasons, notes
from deminimis.render.employer_tax_reasons import employer_tax_reasons
from deminimis.render.findings import (
    REASON,
    Finding,
    amount,
    by_lang,
    day,
    finding,
    mapped,
    money,
    plural,
    rate,
)
from deminimis.render.fmt import Value
from deminimis.render.messages import messages
from deminimis.render.source_findings import source_reasons
from deminimis.rules import Rules

C = pl.col
ZENNARO = " Art 3(7); CJEU C-608/19 Zennaro"
ART_2_2 = "Regulation 1407/2013 / 2023/2831, Art 2(2)"


def reasons(rules: Rules) -> list[Finding]:
    """The reasons (see the module docstring), on the frames named by
    :func:`deminimis.render.decision_frames.frames`."""
    msgs = messages()
    dm = C("dm")
    out = _outcome_reasons(msgs) + _scope_reasons(dm, msgs)
    out += _counted_reasons(dm)
    out += employer_tax_reasons(dm, rules)
    out += _result_reasons(dm)
    out += [*covid_gber_reasons(rules), _calendar_reason()]
    return out + notes()


def _outcome_reasons(msgs: dict[str, dict[str, str]]) -> list[Finding]:
    """The outcome branch: error, excluded sector, no rule data, regime gap."""
    return [
        finding("d", ~C("dec"), REASON, 10, "error", n=C("n_errors"), errors=plural("error", "n_errors")),
        finding(
            "d",
            C("sec_manual"),
            REASON,
            11,
            "sector_excluded",
            C("s_cite"),
            nace=C("nace"),
            reason=by_lang("s_reason"),
        ),
        finding(
            "d",
            C("no_entry"),
            REASON,
            12,
            "no_rule_data",
            grant_date=day("grant_date"),
            scheme=mapped("scheme", msgs["scheme_name"], default=C("scheme")),
        ),
        finding(
            "d",
            C("gap"),
            REASON,
            13,
            "regime_gap",
            C("e_cite"),
            grant_date=day("grant_date"),
            reason=by_lang("e_reason"),
        ),
    ]


def _scope_reasons(dm: pl.Expr, msgs: dict[str, dict[str, str]]) -> list[Finding]:
    """The de minimis test's frame: regime, undertaking, window, sector ceiling."""
    return [
        finding(
            "d",
            dm,
            REASON,
            20,
            "regime",
            C("e_cite"),
            grant_date=day("grant_date"),
            regime=by_lang("e_name"),
            citation=by_lang("e_cite"),
        ),
        finding(
            "d",
            dm & (C("members").list.len() > 1),
            REASON,
            21,
            "undertaking",
            ART_2_2,
            members=C("members").list.join(", "),
            citation=lambda lang: pl.concat_str(C("e_name_nb"), pl.lit(" artikkel 2 nr. 2")),
        ),
        finding(
            "d",
            dm,
            REASON,
            22,
            "window",
            C("e_cite"),
            **{"from": day("window_from")},
            to=day("grant_date"),
            kind=mapped("window_kind", msgs["window_kind"]),
        ),
        finding(
            "d",
            dm
            & (C("s_treatment") == "sector_ceiling")
            & (C("limit_id") == C("first_limit_id"))
            & C("sc_first"),
            REASON,
            23,
            "sector_ceiling",
            C("s_cite"),
            nace=C("nace"),
            ceiling=money("ceiling_cents"),
            reason=by_lang("s_reason"),
        ),
    ]


def _award_values() -> dict[str, Value]:
    """The placeholders of one counted award's reason text."""
    return dict(
        amount=money("amount_cents"),
        currency=C("currency"),
        granted_on=day("granted_on"),
        basis=by_lang("label"),
        grantor=lambda lang: pl.concat_str(
            pl.when(C("grantor").fill_null("") != "")
            .then(pl.concat_str(pl.lit(", "), C("grantor")))
            .otherwise(pl.lit("")),
            pl.when(C("is_copy").fill_null(False))
            .then(
                pl.concat_str(
                    pl.lit(", til " if lang == "nb" else ", to "),
                    C("orgnr"),
                    pl.lit(", overført til " if lang == "nb" else ", passed on to "),
                    C("steps").list.last().struct.field("successor_orgnr"),
                )
            )
            .otherwise(pl.lit("")),
        ),
        eur=money("eur_cents"),
        rate=rate("rate"),
        rate_date=day("rate_date"),
        source=C("rate_source"),
        money=amount("amount_cents"),
    )


def _counted_reasons(dm: pl.Expr) -> list[Finding]:
    """Each counted award (or none), the sources, and the awards not counted (other state, EU)."""
    shown = dm & C("counted") & (C("source") != "employer_tax")
    award = _award_values()
    return [
        finding("c", shown & (C("currency") != "EUR"), REASON, 30, "counted_award", sub_=C("k"), **award),
        finding("c", shown & (C("currency") == "EUR"), REASON, 30, "counted_award_eur", sub_=C("k"), **award),
        finding("d", dm & (C("n_shown") == 0), REASON, 31, "no_prior"),
        *source_reasons(shown, award),
        finding(
            "c",
            dm & (C("why") == "other_state"),
            REASON,
            32,
            "award_other_state",
            "Regulation 1407/2013 / 2023/2831, Art 3(2)",
            sub_=C("k"),
            country=C("country"),
            **award,
        ),
        finding(
            "c",
            dm & (C("why") == "eu_central"),
            REASON,
            32,
            "award_eu_central",
            "Regulation 2023/2831, recital 14",
            sub_=C("k"),
            **award,
        ),
    ]


def _result_reasons(dm: pl.Expr) -> list[Finding]:
    """The new aid, the ceiling and the result (fits or exceeds)."""
    new = dict(
        amount=money("amount_cents"),
        currency=C("currency"),
        eur=money("new_cents"),
        rate=rate("app_rate"),
        rate_date=day("app_rate_date"),
        source=C("app_rate_source"),
        money=amount("amount_cents"),
    )
    total = C("counted_total_cents") + C("new_cents")
    result = dict(
        counted=money("counted_total_cents"),
        new=money("new_cents"),
        total=money(total),
        ceiling=money("ceiling_cents"),
    )
    fits = C("new_cents") <= C("headroom_cents")
    plain = C("gge_method").is_null()  # otherwise deminimis.render.gge shows the GGE's arithmetic
    return [
        finding("d", dm & plain & (C("currency") != "EUR"), REASON, 50, "new_aid", **new),
        finding("d", dm & plain & (C("currency") == "EUR"), REASON, 50, "new_aid_eur", **new),
        finding(
            "d",
            dm,
            REASON,
            51,
            "ceiling",
            C("l_cite"),
            ceiling=money("ceiling_cents"),
            citation=by_lang("l_cite"),
            counted=money("counted_total_cents"),
            headroom=money("headroom_cents"),
        ),
        finding(
            "d",
            dm & fits,
            REASON,
            52,
            "fits",
            C("l_cite"),
            regime=by_lang("e_name"),
            after=money("headroom_after_cents"),
            **result,
        ),
        finding(
            "d",
            dm & ~fits,
            REASON,
            52,
            "exceeds",
            pl.concat_str(C("regime"), pl.lit(ZENNARO)),
            max_eur=money("max_cents"),
            max_cur=money("max_cur_cents"),
            max_amount=amount("max_cur_cents"),
            currency=C("currency"),
            citation=lambda lang: pl.concat_str(C("e_name_nb"), pl.lit(" artikkel 3 nr. 7")),
            **result,
        ),
    ]


def _calendar_reason() -> Finding:
    """The headroom calendar: one reason per date of :func:`calendar_steps`."""
    return finding(
        "calendar",
        C("headroom_cents") > 0,
        REASON,
        71,
        "headroom_calendar",
        sub_=C("k"),
        date=day("date"),
        eur=money("headroom_cents"),
        max=money("max_cur_cents"),
        max_amount=amount("max_cur_cents"),
        currency=C("currency"),
        freed=money("freed_cents"),
    )


def calendar_steps(d: pl.LazyFrame) -> pl.LazyFrame:
    """One row per headroom-calendar date (``k`` keeps their order), for its reason text."""
    return (
        d.filter(C("dec") & (C("headroom_calendar").list.len() > 0))
        .select("idx", "currency", "headroom_calendar")
        .explode("headroom_calendar")
        .unnest("headroom_calendar")
        .with_columns(k=pl.int_range(pl.len()).over("idx").cast(pl.Int64))
    )


__all__ = ["calendar_steps", "notes", "reasons"]
