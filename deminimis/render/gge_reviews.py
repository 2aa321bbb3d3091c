"""The aid's form sent to manual review: the ``gge_manual`` flag and the findings of each ``gge_review``
value, and the ``unverified`` part of ``gge.toml`` a decision rests on; :func:`review_findings`,
the part of :func:`deminimis.render.gge.findings` they make.

Its own module to keep :mod:`deminimis.render.gge` (which re-exports :func:`manual_flag` and uses the
rest in :func:`deminimis.render.gge.findings`) under the project's module size.
"""

from __future__ import annotations

import polars as pl

from deminimis.gge import INSOLVENT
from deminimis.render import gge_values as v
from deminimis.render.findings import REASON, Finding, finding, mapped
from deminimis.render.messages import messages

C = pl.col

REVIEWS = (
    ("excluded_export", "excluded_export"),
    ("excluded_domestic", "excluded_domestic"),
    ("insolvent", "gge_insolvent"),
    ("gge_missing", "gge_missing"),
    ("loan_collateral_low", "loan_collateral_low"),
    ("guarantee_cover_high", "guarantee_cover_high"),
    ("outside_safe_harbour", "outside_safe_harbour"),
    ("no_gge_rule", "no_gge_rule"),
)
"""``gge_review`` value -> message code."""


def manual_flag() -> pl.Expr:
    """The decision went to manual review because of the aid's form (not a sector or a gap)."""
    return (
        (C("route") == "manual_review")
        & C("gge_review").is_not_null()
        & C("entry_id").is_not_null()
        & C("in_force").fill_null(False)
        & (C("s_treatment").fill_null("") != "manual_review")
    )


USED_PART = {
    "loan_safe_harbour": "loan",
    "guarantee_safe_harbour": "guarantee",
    "capital_injection": "capital_injection",
    "instalments_discounted": "instalments",
    "scheme_fixed_sum": "fixed_sum",
}
"""``gge_method`` -> the rule part of ``gge.toml`` it rests on."""


def unverified_part() -> pl.Expr:
    """The ``gge.toml`` part the GGE (or the exclusion cited) rests on, when tagged UNVERIFIED."""
    out = pl.lit(None, pl.Utf8)
    for m, p in USED_PART.items():
        hit = (C("gge_method") == m) & (C(f"conf_{p}") == "UNVERIFIED")
        out = pl.when(hit).then(pl.lit(p)).otherwise(out)
    for value, p in (
        ("excluded_export", "export"),
        ("excluded_domestic", "domestic"),
        ("insolvent", "insolvency"),
    ):
        hit = C("gge_manual") & (C("gge_review") == value) & (C(f"conf_{p}") == "UNVERIFIED")
        out = pl.when(hit).then(pl.lit(p)).otherwise(out)
    return out


def unverified_what(words: dict[str, str]) -> object:
    def pick(lang: str) -> pl.Expr:
        keys = {
            k[5 : -len(lang) - 1]: v for k, v in words.items() if k.startswith("part_") and k.endswith(lang)
        }
        part = unverified_part().replace_strict(keys, default=None, return_dtype=pl.Utf8)
        return pl.format("{} ({})", part, C("gge_entry"))

    return pick


PARTS = {
    "excluded_export": "export",
    "excluded_domestic": "domestic",
    "insolvent": "insolvency",
    "loan_collateral_low": "loan",
    "guarantee_cover_high": "guarantee",
}
"""``gge_review`` -> the rule part it cites (the others cite the instrument's safe harbour)."""


def review_finding(review: pl.Expr, value: str, code: str, values: dict, words: dict[str, str]) -> Finding:
    part = PARTS.get(value)
    if part is None:
        art, cite = (
            v.harbour_art,
            pl.when(C("instrument") == "loan").then(C("cite_loan")).otherwise(C("cite_guarantee")),
        )
    else:
        art, cite = v.art(f"art_{part}"), C(f"cite_{part}")
    if part in ("export", "domestic"):  # a regulation without the letter in the data: Art 1(1)
        fallback = {"nb": "artikkel 1 nr. 1", "en": "Art 1(1)"}

        def citation(lang: str) -> pl.Expr:
            return pl.coalesce(art(lang), pl.lit(fallback[lang]))  # type: ignore[operator]
    else:
        citation = art  # type: ignore[assignment]
    vals = dict(values, citation=citation)
    if value == "insolvent":

        def status(lang: str) -> pl.Expr:
            found = mapped("status", messages()["firm_status"], default=C("status"))(lang)
            registered = C("status").str.to_lowercase().is_in(INSOLVENT).fill_null(False)
            return pl.when(registered).then(found).otherwise(pl.lit(words[f"declared_{lang}"]))

        vals["status"] = status
    return finding("gge", review & (C("gge_review") == value), REASON, 14, code, cite, **vals)


def review_findings(
    common: dict[str, object], what: object, words: dict[str, str], status: dict[str, str]
) -> list[Finding]:
    """The findings of the manual reviews (:data:`REVIEWS`), then the one of unverified rule data."""
    review_values = dict(
        what=what,
        missing=v.missing(words),
        orgnr=C("orgnr"),
        status=mapped("status", status, default=None),
        regime=C("regime"),
        harbours=lambda lang: (
            pl.when(C("instrument") == "loan")
            .then(C(f"loan_harbours_{lang}"))
            .otherwise(C(f"guarantee_harbours_{lang}"))
        ),
        officer=lambda lang: (
            pl.when(C("instrument") == "loan")
            .then(v.art("art_loan_officer")(lang))  # type: ignore[operator]
            .otherwise(v.art("art_guarantee_officer")(lang))
        ),  # type: ignore[operator]
        **common,
    )
    out = [review_finding(C("gge_manual"), value, code, review_values, words) for value, code in REVIEWS]
    unverified = C("dec") & unverified_part().is_not_null()
    out.append(finding("gge", unverified, REASON, 83, "unverified", what=unverified_what(words)))
    return out


__all__ = [
    "PARTS",
    "REVIEWS",
    "USED_PART",
    "manual_flag",
    "review_finding",
    "review_findings",
    "unverified_part",
    "unverified_what",
]
