"""Findings about where prior aid came from: an award held twice, an earlier application.

Why apart: counted once (:mod:`deminimis.counted_once`) and cumulative batches
(:mod:`deminimis.batch_order`) explain themselves with a few reasons and one warning; they sit
beside the reasons of :mod:`deminimis.render.reasons` in the same long frame.
"""

from __future__ import annotations

import polars as pl

from deminimis.render.findings import REASON, WARNING, Finding, day, finding, money
from deminimis.render.fmt import Value
from deminimis.render.messages import messages

C = pl.col
CONTRACT_3 = "Contract §3 (an award held by two sources)"


def source_labels(sources: pl.Expr) -> pl.Expr:
    """``file:row, file:row`` of an award's ``sources`` (see :mod:`deminimis.counted_once`)."""
    return sources.list.join(", ")


def source_reasons(shown: pl.Expr, award: dict[str, Value]) -> list[Finding]:
    """An award counted once; an earlier application counted; a batch decided ``independent``."""
    return [
        finding(
            "c",
            shown & (C("sources").list.len() > 1) & C("near").is_null(),
            REASON,
            32,
            "counted_once",
            CONTRACT_3,
            sub_=C("k"),
            sources=source_labels(C("sources")),
            **award,
        ),
        finding(
            "c",
            shown & C("source").str.starts_with("application:"),
            REASON,
            33,
            "batch_earlier_application",
            "Contract §2 (batch is cumulative)",
            sub_=C("k"),
            application=C("reference"),
            granted_on=day("granted_on"),
        ),
        finding(
            "d",
            C("dec") & C("batch_independent").fill_null(False) & (C("batch_others").list.len() > 0),
            REASON,
            34,
            "batch_independent",
            "Contract §2 (batch --independent)",
            others=_others,
        ),
    ]


def _others(lang: str) -> pl.Expr:
    """The other applications named (at most ``batch_order.SHOWN_OTHERS``), with the count when
    more are left out."""
    words = messages()["plural"]
    word = pl.when(C("batch_others_n") == 1).then(pl.lit(words[f"batch_others_one_{lang}"]))
    word = word.otherwise(pl.lit(words[f"batch_others_many_{lang}"]))
    shown = pl.concat_str(word, pl.lit(" "), C("batch_others").list.join(", "))
    total = "i alt" if lang == "nb" else "in all"
    more = pl.format(f"{{}} … ({total} {{}})", shown, C("batch_others_n"))
    return pl.when(C("batch_others_n") > C("batch_others").list.len()).then(more).otherwise(shown)


def near_duplicate() -> Finding:
    """The warning on an award counted once although its rows differ (amounts within 1 %)."""
    return finding(
        "c",
        C("dec") & C("counted") & C("near").is_not_null(),
        WARNING,
        33,
        "near_duplicate_award",
        CONTRACT_3,
        sub_=C("k"),
        kept=pl.concat_str(C("file"), pl.lit(":"), C("row").cast(pl.Utf8), ignore_nulls=True),
        others=C("near"),
        amount=money("amount_cents"),
        currency=C("currency"),
        granted_on=day("granted_on"),
    )


__all__ = ["near_duplicate", "source_labels", "source_reasons"]
