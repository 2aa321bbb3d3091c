"""The undertaking's link rows in the decision: the ``undertaking_links`` list and their findings.

Why separate: a link only through a public body, a link outside its validity on the grant
date and a link through a natural person each change *whose* aid is summed, so the decision
shows every link row of the perimeter with whether it linked, and says why in nb and en.
"""

from __future__ import annotations

import polars as pl

from deminimis.render import fmt
from deminimis.render.findings import REASON, WARNING, Finding, day, finding

C = pl.col
RECITAL_5 = "Regulation 2023/2831 recital 5; Regulation 2023/2832 Art 2(2)"
ART_2_2 = "Regulation 1407/2013 / 2023/2831, Art 2(2)"
NATURAL = "Regulation 2023/2831 Art 2(2) and recital 4"


def link_items(links: pl.LazyFrame) -> pl.LazyFrame:
    """``idx, undertaking_links``: each link row of the perimeter, in order."""
    item = pl.struct(
        "orgnr",
        "undertaking_id",
        "link_type",
        valid_from=fmt.iso(C("valid_from")),
        valid_to=fmt.iso(C("valid_to")),
        counted=C("counted"),
        why=C("why"),
        file=C("file"),
        row=C("row"),
    )
    return links.sort("idx", "k").group_by("idx", maintain_order=True).agg(item.alias("undertaking_links"))


def _period(lang: str) -> pl.Expr:
    words = {"nb": ("fra", "til og med"), "en": ("from", "to")}[lang]
    start = pl.when(C("valid_from").is_not_null()).then(
        pl.concat_str(pl.lit(f"{words[0]} "), fmt.day(C("valid_from"), lang))
    )
    end = pl.when(C("valid_to").is_not_null()).then(
        pl.concat_str(pl.lit(f"{words[1]} "), fmt.day(C("valid_to"), lang))
    )
    return pl.concat_str(start, end, separator=" ", ignore_nulls=True)


def link_rows(d: pl.LazyFrame, links: pl.LazyFrame) -> pl.LazyFrame:
    """The link rows with their decision's ``dm`` and ``members`` (the frame ``links`` of the findings)."""
    return links.join(d.select("idx", "dm", "members"), on="idx", how="inner")


def link_findings() -> list[Finding]:
    """Reasons for links that did not link (public body, not valid), the natural-person warning."""
    natural = C("natural_groups").list.len().fill_null(0) > 0
    return [
        finding(
            "links",
            C("dm") & (C("why") == "public_body"),
            REASON,
            21,
            "link_public_body",
            RECITAL_5,
            sub_=C("k"),
            orgnr=C("orgnr"),
            group=C("undertaking_id"),
        ),
        finding(
            "links",
            C("dm") & (C("why") == "not_valid_on_grant_date"),
            REASON,
            21,
            "link_not_valid",
            ART_2_2,
            sub_=C("k"),
            orgnr=C("orgnr"),
            group=C("undertaking_id"),
            period=_period,
            grant_date=day("grant_date"),
        ),
        finding(
            "d",
            C("dm") & natural & (C("members").list.len() > 1),
            WARNING,
            44,
            "link_natural_person",
            NATURAL,
            members=C("members").list.join(", "),
            groups=C("natural_groups").list.join(", "),
        ),
    ]


__all__ = ["link_findings", "link_items", "link_rows"]
