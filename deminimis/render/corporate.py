"""Corporate events in the decision: the ``events`` of a counted award and their reasons.

Why: aid of a predecessor counted for its successor must say which merger, acquisition or
split passed it on, on which date, with which share and under which article, in nb and en.
"""

from __future__ import annotations

import polars as pl

from deminimis.events import share_text
from deminimis.render import fmt
from deminimis.render.findings import REASON, Finding, day, finding

C = pl.col
CITE = {
    "merger": "Regulation 1407/2013 / 2023/2831, Art 3(8)",
    "acquisition": "Regulation 1407/2013 / 2023/2831, Art 3(8)",
    "split": "Regulation 1407/2013 / 2023/2831, Art 3(9)",
}


def event_steps(steps: pl.Expr) -> pl.Expr:
    """The list of event structs as the decision shows them (dates ISO, share as a decimal)."""
    f = pl.element().struct.field
    return steps.list.eval(
        pl.struct(
            event=f("event"),
            predecessor_orgnr=f("predecessor_orgnr"),
            successor_orgnr=f("successor_orgnr"),
            effective_date=fmt.iso(f("effective_date")),
            share=share_text(f("share_e9")),
        )
    )


def _percent(lang: str) -> pl.Expr:
    """The share as a percentage: ``75 %`` (nb), ``75%`` (en)."""
    whole = C("share_e9") // 10**7
    frac = (C("share_e9") % 10**7).cast(pl.Utf8).str.zfill(7).str.strip_chars_end("0")
    sep, sign = (",", "\u00a0%") if lang == "nb" else (".", "%")
    text = (
        pl.when(frac == "")
        .then(whole.cast(pl.Utf8))
        .otherwise(pl.concat_str(whole.cast(pl.Utf8), pl.lit(sep), frac))
    )
    return pl.concat_str(text, pl.lit(sign))


def used(c: pl.LazyFrame) -> pl.LazyFrame:
    """Each event that passed aid to a member of an application's undertaking, once, by date."""
    return (
        c.filter(C("dm") & C("is_copy").fill_null(False))
        .select("idx", "steps")
        .explode("steps")
        .unnest("steps")
        .unique()
        .sort("idx", "effective_date", "predecessor_orgnr", "successor_orgnr")
        .with_columns(k=pl.int_range(pl.len()).over("idx").cast(pl.Int64))
    )


def event_findings() -> list[Finding]:
    """One reason per event used (merger, acquisition, split), with its article; on the frame
    ``events`` (:func:`used`)."""
    out = []
    for event, order in (("merger", 0), ("acquisition", 0), ("split", 0)):
        out.append(
            finding(
                "events",
                C("event") == event,
                REASON,
                29 + order,
                f"event_{event}",
                CITE[event],
                sub_=C("k"),
                date=day("effective_date"),
                predecessor=C("predecessor_orgnr"),
                successor=C("successor_orgnr"),
                share=_percent,
            )
        )
    return out


__all__ = ["event_findings", "event_steps", "used"]
