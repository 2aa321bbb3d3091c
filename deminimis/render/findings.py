"""Reasons and warnings (code, citation, text in nb and en) for every decision at once.

One long frame ``idx, kind, order, sub, code, citation, text_nb, text_en``: each finding is a
filter of the decisions (or of the counted awards, ``sub`` keeping their order) with its
template from ``messages.toml`` filled by polars expressions. ``order`` follows the sequence in
which an officer reads the explanation: outcome branch, counted aid, new aid, ceiling, result,
Covid TF, GBER, unverified rule data; warnings likewise. Sorting by ``idx, kind, order, sub``
and grouping gives each decision its two lists.
"""

from __future__ import annotations

import polars as pl

from deminimis.render import fmt
from deminimis.render.fmt import Value
from deminimis.render.messages import messages
from deminimis.render.rule_frames import cite
from deminimis.rules import Rules

C = pl.col
REASON, WARNING = 0, 1
ZENNARO = " Art 3(7); CJEU C-608/19 Zennaro"
ART_2_2 = "Regulation 1407/2013 / 2023/2831, Art 2(2)"
GBER = "Regulation (EU) No 651/2014 (GBER), Art 6 and Art 11"
EMPLOYER_TAX = "Stortingets vedtak om arbeidsgiveravgift § 4; Skatte-ABC A-14-6.6"
FX = "Contract §4 (exchange rate)"


def _finding(
    frame: pl.LazyFrame,
    when: pl.Expr,
    kind: int,
    order: int,
    code: str,
    cite: pl.Expr | str | None = None,
    /,
    sub_: pl.Expr | None = None,
    **values: Value,
) -> pl.LazyFrame:
    msg = messages()[code]
    citation = cite if isinstance(cite, pl.Expr) else pl.lit(cite, pl.Utf8)
    return frame.filter(when.fill_null(False)).select(
        "idx",
        kind=pl.lit(kind, pl.Int8),
        order=pl.lit(order, pl.Int16),
        sub=(sub_ if sub_ is not None else pl.lit(0)).cast(pl.Int64),
        code=pl.lit(code),
        citation=citation.cast(pl.Utf8),
        text_nb=fmt.fill(msg["nb"], values, "nb"),
        text_en=fmt.fill(msg["en"], values, "en"),
    )


def _money(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return lambda lang: fmt.human(expr, lang)


def _day(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return lambda lang: fmt.day(expr, lang)


def _rate(col: str) -> Value:
    return lambda lang: fmt.rate(C(col), lang)


def _by_lang(prefix: str) -> Value:
    return lambda lang: C(f"{prefix}_{lang}")


def _mapped(col: str, table: dict[str, str], default: pl.Expr | None = None) -> Value:
    """``table[f"{value}_{lang}"]`` per language (``default`` when the key is not there)."""

    def pick(lang: str) -> pl.Expr:
        keys = {k[: -len(lang) - 1]: v for k, v in table.items() if k.endswith(f"_{lang}")}
        return C(col).replace_strict(keys, default=default, return_dtype=pl.Utf8)

    return pick


def reasons(d: pl.LazyFrame, c: pl.LazyFrame, rules: Rules) -> list[pl.LazyFrame]:
    """The reasons (see the module docstring); ``d`` and ``c`` as built by the columnar renderer."""
    msgs, covid = messages(), rules.covid
    dm = C("dm")
    out = [
        _finding(d, ~C("dec"), REASON, 10, "error", n=C("n_errors")),
        _finding(
            d,
            C("sec_manual"),
            REASON,
            11,
            "sector_excluded",
            C("s_cite"),
            nace=C("nace"),
            reason=_by_lang("s_reason"),
        ),
        _finding(
            d, C("no_entry"), REASON, 12, "no_rule_data", grant_date=_day("grant_date"), scheme=C("scheme")
        ),
        _finding(
            d,
            C("gap"),
            REASON,
            13,
            "regime_gap",
            C("e_cite"),
            grant_date=_day("grant_date"),
            reason=_by_lang("e_reason"),
        ),
        _finding(
            d,
            dm,
            REASON,
            20,
            "regime",
            C("e_cite"),
            grant_date=_day("grant_date"),
            regime=C("regime"),
            citation=C("e_cite"),
        ),
        _finding(
            d,
            dm & (C("members").list.len() > 1),
            REASON,
            21,
            "undertaking",
            ART_2_2,
            members=C("members").list.join(", "),
        ),
        _finding(
            d,
            dm,
            REASON,
            22,
            "window",
            C("e_cite"),
            **{"from": _day("window_from")},
            to=_day("grant_date"),
            kind=_mapped("window_kind", msgs["window_kind"]),
        ),
        _finding(
            d,
            dm
            & (C("s_treatment") == "sector_ceiling")
            & (C("limit_id") == C("first_limit_id"))
            & C("sc_first"),
            REASON,
            23,
            "sector_ceiling",
            C("s_cite"),
            nace=C("nace"),
            ceiling=_money("ceiling_cents"),
            reason=_by_lang("s_reason"),
        ),
    ]
    shown = dm & C("counted") & (C("source") == "awards")
    award = dict(
        amount=_money("amount_cents"),
        currency=C("currency"),
        granted_on=_day("granted_on"),
        basis=_by_lang("label"),
        grantor=pl.when(C("grantor").fill_null("") != "")
        .then(pl.concat_str(pl.lit(", "), C("grantor")))
        .otherwise(pl.lit("")),
        eur=_money("eur_cents"),
        rate=_rate("rate"),
        rate_date=_day("rate_date"),
        source=C("rate_source"),
    )
    out += [
        _finding(c, shown & (C("currency") != "EUR"), REASON, 30, "counted_award", sub_=C("k"), **award),
        _finding(c, shown & (C("currency") == "EUR"), REASON, 30, "counted_award_eur", sub_=C("k"), **award),
        _finding(d, dm & (C("n_shown") == 0), REASON, 31, "no_prior"),
    ]
    et = dm & (C("source") == "employer_tax")
    et_values = dict(
        period=C("period"),
        zone=pl.when(C("zone").fill_null("") != "").then(C("zone")).otherwise(pl.lit("?")),
        nok=_money("amount_cents"),
        eur=_money("eur_cents"),
        rate=_rate("rate"),
        rate_date=_day("rate_date"),
    )
    out += [
        _finding(
            c,
            et & C("counted") & C("assumed").fill_null(False),
            REASON,
            40,
            "employer_tax_assumed",
            EMPLOYER_TAX,
            sub_=C("k"),
            **et_values,
        ),
        _finding(
            c,
            et & C("counted") & ~C("assumed").fill_null(False),
            REASON,
            40,
            "employer_tax_year",
            EMPLOYER_TAX,
            sub_=C("k"),
            **et_values,
        ),
        _finding(
            d,
            dm & C("et_not_aid").is_not_null(),
            REASON,
            41,
            "employer_tax_not_aid",
            EMPLOYER_TAX,
            periods=C("et_not_aid"),
        ),
    ]
    new = dict(
        amount=_money("amount_cents"),
        currency=C("currency"),
        eur=_money("new_cents"),
        rate=_rate("app_rate"),
        rate_date=_day("app_rate_date"),
        source=C("app_rate_source"),
    )
    total = C("counted_total_cents") + C("new_cents")
    result = dict(
        counted=_money("counted_total_cents"),
        new=_money("new_cents"),
        total=_money(total),
        ceiling=_money("ceiling_cents"),
    )
    fits = C("new_cents") <= C("headroom_cents")
    out += [
        _finding(d, dm & (C("currency") != "EUR"), REASON, 50, "new_aid", **new),
        _finding(d, dm & (C("currency") == "EUR"), REASON, 50, "new_aid_eur", **new),
        _finding(
            d,
            dm,
            REASON,
            51,
            "ceiling",
            C("l_cite"),
            ceiling=_money("ceiling_cents"),
            citation=C("l_cite"),
            counted=_money("counted_total_cents"),
            headroom=_money("headroom_cents"),
        ),
        _finding(
            d,
            dm & fits,
            REASON,
            52,
            "fits",
            C("l_cite"),
            regime=C("regime"),
            after=_money("headroom_after_cents"),
            **result,
        ),
        _finding(
            d,
            dm & ~fits,
            REASON,
            52,
            "exceeds",
            pl.concat_str(C("regime"), pl.lit(ZENNARO)),
            max_eur=_money("max_cents"),
            max_cur=_money("max_cur_cents"),
            currency=C("currency"),
            **result,
        ),
    ]
    tf = C("dec") & (C("scheme") == "covid_tf_3_1") & (C("route") != "de_minimis")
    has_cap = C("cap_id").fill_null("") != ""
    tf_total = C("tf_prior_cents") + C("new_cents")
    diff_cite = cite(covid.difficulty_citation)
    cap = dict(
        cap=_money("cap_cents"),
        citation=C("c_cite"),
        prior=_money("tf_prior_cents"),
        total=_money(tf_total),
        max=_money(pl.max_horizontal(C("tf_headroom_cents"), pl.lit(0))),
    )
    out += [
        _finding(
            d,
            tf & ~has_cap,
            REASON,
            60,
            "covid_tf_closed",
            "ESA decision 031/21/COL",
            grant_date=_day("grant_date"),
            first=_day(pl.lit(covid.scheme[0].valid_from)),
            last=_day(pl.lit(covid.scheme[-1].valid_to)),
        ),
        _finding(
            d,
            tf & has_cap & C("in_difficulty_2019"),
            REASON,
            60,
            "covid_tf_difficulty",
            diff_cite,
            date=_day(pl.lit(covid.difficulty_date)),
            citation=pl.lit(diff_cite),
        ),
        _finding(
            d, tf & has_cap & (tf_total <= C("cap_cents")), REASON, 61, "covid_tf_fits", C("c_cite"), **cap
        ),
        _finding(
            d, tf & has_cap & (tf_total > C("cap_cents")), REASON, 61, "covid_tf_exceeds", C("c_cite"), **cap
        ),
        _finding(d, C("route") == "gber", REASON, 70, "gber", GBER),
        _finding(
            d, C("dec") & C("e_unverified").is_not_null(), REASON, 80, "unverified", what=C("e_unverified")
        ),
        _finding(
            d, C("dec") & C("l_unverified").is_not_null(), REASON, 81, "unverified", what=C("l_unverified")
        ),
        _finding(
            d,
            C("dec") & C("route").is_in(["covid_tf", "gber"]) & has_cap & C("c_unverified").is_not_null(),
            REASON,
            82,
            "unverified",
            what=C("c_unverified"),
        ),
    ]
    return out


def warnings(d: pl.LazyFrame, c: pl.LazyFrame, rules: Rules) -> list[pl.LazyFrame]:
    """The warnings, in the order the Python renderer gave them."""
    msgs = messages()
    dec = C("dec")
    tf = (
        dec
        & (C("scheme") == "covid_tf_3_1")
        & (C("route") != "de_minimis")
        & (C("cap_id").fill_null("") != "")
    )
    stale = dict(rate=_rate("rate"), rate_date=_day("rate_date"))
    missing = msgs["employer_tax_missing"]
    status = msgs["firm_status"]
    out = [
        _finding(
            d,
            tf & C("in_difficulty_2019").is_null(),
            WARNING,
            10,
            "difficulty_not_declared",
            cite(rules.covid.difficulty_citation),
        ),
        _finding(
            d,
            dec & (C("app_fx_status") == "stale"),
            WARNING,
            20,
            "fx_rate_stale",
            FX,
            currency=C("currency"),
            date=_day("grant_date"),
            rate=_rate("app_rate"),
            rate_date=_day("app_rate_date"),
        ),
        _finding(
            c,
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
            date=_day("granted_on"),
            **stale,
        ),
    ]
    for order, (code, n) in enumerate(
        (
            ("award_after_grant_date", "n_after"),
            ("duplicate_award", "n_duplicate"),
            ("basis_other", "n_other"),
        )
    ):
        out.append(
            _finding(
                d,
                dec & (C(n).fill_null(0) > 0),
                WARNING,
                30 + order,
                code,
                n=C(n),
                grant_date=_day("grant_date"),
            )
        )
    out += [
        _finding(
            d,
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
        _finding(
            d,
            dec & C("nace").is_null(),
            WARNING,
            41,
            "sector_not_checked",
            "Regulation 1407/2013 / 2023/2831, Art 1(1)",
        ),
        _finding(
            d,
            dec & (C("status").fill_null("") != "") & ~C("status").is_in(["active", "unknown"]),
            WARNING,
            42,
            "firm_status",
            "Enhetsregisteret (Brønnøysundregistrene)",
            orgnr=C("orgnr"),
            status=_mapped("status", status, default=C("status")),
            source=pl.when(C("firm_source").fill_null("") != "")
            .then(C("firm_source"))
            .otherwise(pl.lit("?")),
        ),
        _finding(
            d,
            dec & (C("firm_problem").fill_null("") != "") & (C("firm_problem_kind") == "unavailable"),
            WARNING,
            43,
            "firm_facts_unverified",
            orgnr=C("orgnr"),
            problem=C("firm_problem"),
        ),
    ]
    return out


__all__ = ["reasons", "warnings"]
