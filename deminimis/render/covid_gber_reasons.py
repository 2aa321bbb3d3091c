"""The reasons outside the de minimis test (Covid TF 3.1, GBER) and the officer's notes.

Why apart: these read the Covid TF 3.1 columns (``cap_*``, ``tf_*``, ``c_*``) and the route rather
than the de minimis ceiling, and the GBER citation is shared by a reason and a note; they close
the list of :func:`deminimis.render.reasons.reasons`.
"""

from __future__ import annotations

import polars as pl

from deminimis.render.findings import NOTE, REASON, Finding, by_lang, day, finding, money
from deminimis.render.rule_frames import cite, cite_nb
from deminimis.rules import Rules

C = pl.col
GBER = "Regulation (EU) No 651/2014 (GBER), Art 6 and Art 11"


def covid_gber_reasons(rules: Rules) -> list[Finding]:
    """Covid TF 3.1 (closed, undertaking in difficulty, fits or exceeds the cap), then GBER."""
    covid = rules.covid
    tf = C("dec") & (C("scheme") == "covid_tf_3_1") & (C("route") != "de_minimis")
    has_cap = C("cap_id").fill_null("") != ""
    tf_total = C("tf_prior_cents") + C("new_cents")
    diff_cite = cite(covid.difficulty_citation)
    diff_cites = {"nb": cite_nb(covid.difficulty_citation), "en": diff_cite}
    cap = dict(
        cap=money("cap_cents"),
        citation=by_lang("c_cite"),
        prior=money("tf_prior_cents"),
        total=money(tf_total),
        max=money(pl.max_horizontal(C("tf_headroom_cents"), pl.lit(0))),
    )
    return [
        finding(
            "d",
            tf & ~has_cap,
            REASON,
            60,
            "covid_tf_closed",
            "ESA decision 031/21/COL",
            grant_date=day("grant_date"),
            first=day(pl.lit(covid.scheme[0].valid_from)),
            last=day(pl.lit(covid.scheme[-1].valid_to)),
        ),
        finding(
            "d",
            tf & has_cap & C("in_difficulty_2019"),
            REASON,
            60,
            "covid_tf_difficulty",
            diff_cite,
            date=day(pl.lit(covid.difficulty_date)),
            citation=lambda lang: pl.lit(diff_cites[lang]),
        ),
        finding(
            "d", tf & has_cap & (tf_total <= C("cap_cents")), REASON, 61, "covid_tf_fits", C("c_cite"), **cap
        ),
        finding(
            "d",
            tf & has_cap & (tf_total > C("cap_cents")),
            REASON,
            61,
            "covid_tf_exceeds",
            C("c_cite"),
            **cap,
        ),
        finding("d", C("route") == "gber", REASON, 70, "gber", GBER),
    ]


def notes() -> list[Finding]:
    """The officer's notes: open legal points of the rules data and the next steps."""
    has_cap = C("cap_id").fill_null("") != ""
    return [
        finding(
            "d", C("dec") & C("e_note_nb").is_not_null(), NOTE, 10, "officer_note", note=by_lang("e_note")
        ),
        finding(
            "d",
            C("sec_manual") & C("s_note_nb").is_not_null(),
            NOTE,
            11,
            "officer_note",
            note=by_lang("s_note"),
        ),
        finding("d", C("route") == "gber", NOTE, 20, "gber_next", GBER),
        finding("d", C("route") == "manual_review", NOTE, 21, "manual_next"),
        finding(
            "d",
            C("dec") & C("e_unverified").is_not_null(),
            NOTE,
            80,
            "unverified",
            what=by_lang("e_unverified"),
        ),
        finding(
            "d",
            C("dec") & C("l_unverified").is_not_null(),
            NOTE,
            81,
            "unverified",
            what=by_lang("l_unverified"),
        ),
        finding(
            "d",
            C("dec") & C("route").is_in(["covid_tf", "gber"]) & has_cap & C("c_unverified").is_not_null(),
            NOTE,
            82,
            "unverified",
            what=by_lang("c_unverified"),
        ),
    ]


__all__ = ["GBER", "covid_gber_reasons", "notes"]
