"""Reasons, warnings and the ``gge`` decision key for the form of the aid (see :mod:`deminimis.gge`).

The reasons show the arithmetic (nominal -> EUR at the grant date's rate, the safe-harbour
proportion, each discounted instalment) and cite the rule in the language of the text:
«artikkel 4 nr. 3 bokstav b i forordning (EU) 2023/2831» in nb, "Art 4(3)(b) of Regulation (EU)
2023/2831" in en. The findings' ``citation`` field is the rules data's title and article.
The findings of the manual reviews and the ``gge_manual`` flag are in :mod:`deminimis.render.gge_reviews`.
"""

from __future__ import annotations

import polars as pl

from deminimis.render import fmt
from deminimis.render import gge_values as v
from deminimis.render.findings import EVERY, REASON, WARNING, Finding, day, finding, money
from deminimis.render.gge_reviews import manual_flag, review_findings
from deminimis.render.messages import messages

C = pl.col
SAFE_HARBOUR = ("loan_safe_harbour", "guarantee_safe_harbour")
INSTALMENTS = "instalments_discounted"
"""The ``gge_method`` of aid paid in instalments (its payments are the frame ``gge_steps``)."""


FORM_FACTS = ("gge_method", "gge_block", "gge_review", "max_nominal_cur_cents", "signing_date")
"""The decision's columns of the aid's form: a finding of :func:`findings` needs one of them,
``gge_manual`` or ``gge_term_short``."""


def has_form(d: pl.DataFrame) -> bool:
    """Some decision has a fact of the aid's form (else the frame ``gge`` is known empty)."""
    if any(d.get_column(c).null_count() < d.height for c in FORM_FACTS):
        return True
    return any(bool(d.get_column(c).any()) for c in ("gge_manual", "gge_term_short"))


def findings() -> list[Finding]:
    """Reasons and warnings of the aid's form: on the decisions with a fact of it (the frame
    ``gge``, :func:`has_form`) and on the payments of instalments (``gge_steps``)."""
    msgs = messages()
    words, status = msgs["gge_words"], msgs["firm_status"]
    common = _common_values()
    gge_text = v.money_text("gge_cur_cents", "gge_eur_cents")
    what = v.word("instrument", words)
    out = _method_reasons(common, what, gge_text)
    out += _payment_reasons(gge_text)
    out += _limit_findings(words)
    out += review_findings(common, what, words, status)
    return out


def _common_values() -> dict[str, object]:
    """The placeholder values the texts of the safe harbours, capital injections and reviews share."""
    return dict(
        nominal=v.money_text("nominal_cents", "nominal_eur_cents"),
        term=v.number("term_hundredths"),
        collateral=v.number("collateral_hundredths"),
        cover=v.number("guarantee_hundredths"),
        min=C("collateral_min_pct"),
        max=C("cover_max_pct"),
        harbour=money("h_cents"),
        years=C("h_years"),
        gge=money("gge_eur_cents"),
        formula=v.formula,
        ceiling=money("inj_ceiling_cents"),
    )


def _method_reasons(common: dict[str, object], what: object, gge_text: object) -> list[Finding]:
    """The reasons of a GGE valued at once: the safe harbours, the officer's GGE, capital injections."""
    dm, method = C("dm"), C("gge_method")
    out = [
        finding(
            "gge",
            dm & (method == m),
            REASON,
            50,
            f"gge_{m}",
            C("gge_cite"),
            citation=v.art("gge_art"),
            **common,
        )
        for m in SAFE_HARBOUR
    ]
    officer_nominal = v.officer_nominal()
    return [
        *out,
        finding(
            "gge",
            dm & (method == "officer_gge"),
            REASON,
            50,
            "gge_officer",
            C("gge_cite"),
            what=what,
            nominal=officer_nominal,
            gge=gge_text,
            citation=v.art("gge_art"),
        ),
        finding(
            "gge",
            dm & (method == "capital_injection") & C("gge_block").is_null(),
            REASON,
            50,
            "gge_capital_injection",
            C("gge_cite"),
            citation=v.art("gge_art"),
            **common,
        ),
        finding(
            "gge",
            dm & C("gge_block").is_not_null(),
            REASON,
            53,
            "capital_injection_not_transparent",
            C("gge_cite"),
            citation=v.art("gge_art"),
            **common,
        ),
    ]


def _payment_reasons(gge_text: object) -> list[Finding]:
    """The reasons of aid paid in instalments (the sum, then each payment) and of a scheme's fixed sum."""
    dm, method = C("dm"), C("gge_method")
    return [
        finding(
            "gge",
            dm & (method == INSTALMENTS),
            REASON,
            50,
            "gge_instalments",
            C("gge_cite"),
            n=C("payments").list.len(),
            rate=v.number("discount_hundredths"),
            pv=gge_text,
            citation=v.art("gge_art"),
        ),
        finding(
            "gge_steps",
            EVERY,
            REASON,
            50,
            "gge_instalment",
            C("gge_cite"),
            sub_=C("k"),
            date=day("date"),
            amount=money("cents"),
            currency=C("currency"),
            rate=v.number("discount_hundredths"),
            years=v.years,
            pv=money("pv_cents"),
        ),
        finding(
            "gge",
            dm & (method == "scheme_fixed_sum"),
            REASON,
            50,
            "gge_fixed_sum",
            C("gge_cite"),
            fixed=gge_text,
            amount=money("amount_cents"),
            currency=C("currency"),
            citation=v.art("gge_art"),
        ),
    ]


def _limit_findings(words: dict[str, str]) -> list[Finding]:
    """The maximum nominal, an intermediary's grant date and the warning of a term too short."""
    dm = C("dm")
    return [
        finding(
            "gge",
            dm & C("max_nominal_cur_cents").is_not_null() & (C("route") != "de_minimis"),
            REASON,
            53,
            "gge_max_nominal",
            C("gge_cite"),
            what=v.word("instrument", words, lower=True),
            max_cur=money("max_nominal_cur_cents"),
            max_eur=money("max_nominal_eur_cents"),
            currency=C("currency"),
            room=money("max_cents"),
        ),
        finding(
            "gge",
            C("dec") & C("signing_date").is_not_null(),
            REASON,
            19,
            "intermediary_grant_date",
            C("cite_intermediary"),
            citation=v.art("art_intermediary"),
            signed=day("signing_date"),
            grant_date=day("grant_date"),
        ),
        finding(
            "gge",
            dm & C("gge_term_short"),
            WARNING,
            50,
            "gge_term_short",
            C("gge_cite"),
            term=v.number("term_hundredths"),
            years=C("h_years"),
        ),
    ]


def steps(d: pl.LazyFrame) -> pl.LazyFrame:
    """One row per discounted payment (``k`` keeps their order)."""
    return (
        d.filter(C("dm") & (C("gge_method") == INSTALMENTS))
        .select("idx", "currency", "discount_hundredths", "gge_cite", "instalments")
        .explode("instalments")
        .unnest("instalments")
        .with_columns(k=pl.int_range(pl.len()).over("idx").cast(pl.Int64))
    )


def _register_row() -> pl.Expr:
    """Støtteregisteret's rows get their own warning (deminimis.render.register_findings)."""
    return C("file").fill_null("").str.starts_with("register:")


def award_warning() -> Finding:
    """A counted loan or guarantee whose amount may be its nominal, not its GGE."""
    loan_like = C("instrument").is_in(["loan", "guarantee"]).fill_null(False)
    unclear = C("nominal_cents").is_null() | (C("nominal_cents") == C("amount_cents"))
    return finding(
        "c",
        C("dec") & C("counted") & (C("source") == "awards") & loan_like & unclear & ~_register_row(),
        WARNING,
        51,
        "award_may_be_nominal",
        "Reg. 2023/2831 Art 3(5) (the amount counted is the gross grant equivalent)",
        sub_=C("k"),
        granted_on=day("granted_on"),
        amount=money("amount_cents"),
        currency=C("currency"),
    )


def document_fields() -> dict[str, pl.Expr]:
    """The decision keys added by the aid's form: ``gge`` (null for a plain grant) and ``signing_date``."""
    dec = C("dec")
    shown = dec & ((C("instrument").fill_null("grant") != "grant") | C("gge_method").is_not_null())
    decided = C("gge_method").is_not_null() & C("gge_form_review").is_null()
    return {
        "gge": pl.when(shown).then(
            pl.struct(
                instrument=C("instrument"),
                nominal=fmt.money(pl.coalesce("nominal_cents", "amount_cents")),
                gge_eur=pl.when(decided).then(fmt.money(C("gge_eur_cents"))),
                method=C("gge_method"),
                citation=C("gge_cite"),
                currency=C("currency"),
                max_nominal=fmt.money(C("max_nominal_cur_cents")),
                rules_entry=C("gge_entry"),
            )
        ),
        "signing_date": pl.when(dec).then(fmt.iso(C("signing_date"))),
    }


__all__ = [
    "FORM_FACTS",
    "INSTALMENTS",
    "award_warning",
    "document_fields",
    "findings",
    "has_form",
    "manual_flag",
    "steps",
]
