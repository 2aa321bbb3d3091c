"""The rows behind the output tables: the column names and the money and date columns of the
decisions, errors and counted tables, and the frames :func:`flat_rows`, :func:`error_rows` and
:func:`counted_rows` that the CSV and the .xlsx sheets are written from.

Its own module so :mod:`deminimis.render.tables` keeps to the writers (what goes in a row here,
how the rows become files there); every name is re-exported from :mod:`deminimis.render.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from deminimis.models import CountedAward, Decision, RowError
from deminimis.render.decisions import Decisions
from deminimis.render.flat import exploded, flat_frame
from deminimis.render.source_findings import source_labels

SCALARS = (
    "application_id",
    "orgnr",
    "name",
    "grant_date",
    "route",
    "regime",
    "scheme",
    "amount",
    "currency",
    "ceiling_eur",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "ceiling_test",
)
NESTED = (
    "undertaking",
    "window_from",
    "window_to",
    "window_kind",
    "covid_tf_ceiling_eur",
    "covid_tf_prior_eur",
    "covid_tf_headroom_before_eur",
    "warnings",
    "errors",
    "reasons_nb",
    "reasons_en",
    "gge_instrument",
    "gge_nominal",
    "gge_eur",
    "gge_method",
    "signing_date",
)
FLAT_COLUMNS = (*SCALARS, *NESTED)
"""The columns of :func:`flat_rows` (the CSV and the ``decisions`` sheet)."""
ERROR_COLUMNS = ("file", "row", "field", "message", "application_id")
COUNTED_COLUMNS = ("application_id", *CountedAward.model_fields)
MONEY = {
    "amount",
    "eur",
    "ceiling_eur",
    "prior_de_minimis_eur",
    "employer_tax_advantage_nok",
    "employer_tax_advantage_eur",
    "counted_total_eur",
    "new_aid_eur",
    "headroom_before_eur",
    "headroom_after_eur",
    "max_de_minimis_grant_eur",
    "max_de_minimis_grant",
    "covid_tf_ceiling_eur",
    "covid_tf_prior_eur",
    "covid_tf_headroom_before_eur",
    "gge_nominal",
    "gge_eur",
}
DATES = {"grant_date", "window_from", "window_to", "granted_on", "signing_date"}


def flat_rows(decisions: Sequence[Decision]) -> pl.DataFrame:
    """One text row per decision; nested parts joined into readable cells."""
    if isinstance(decisions, Decisions):
        return flat_frame(decisions.frame, SCALARS, FLAT_COLUMNS)
    rows = []
    for d in decisions:
        row = {k: getattr(d, k) for k in SCALARS}
        row.update(
            undertaking=" ".join(d.undertaking),
            window_from=d.window.from_ if d.window else None,
            window_to=d.window.to if d.window else None,
            window_kind=d.window.kind if d.window else None,
            covid_tf_ceiling_eur=d.covid_tf.ceiling_eur if d.covid_tf else None,
            covid_tf_prior_eur=d.covid_tf.prior_eur if d.covid_tf else None,
            covid_tf_headroom_before_eur=d.covid_tf.headroom_before_eur if d.covid_tf else None,
            warnings=" ".join(w.code for w in d.warnings),
            errors="; ".join(f"{e.file}:{e.row} {e.field}: {e.message}" for e in d.errors),
            reasons_nb="\n".join(r.text_nb for r in d.reasons),
            reasons_en="\n".join(r.text_en for r in d.reasons),
            gge_instrument=d.gge.instrument if d.gge else None,
            gge_nominal=d.gge.nominal if d.gge else None,
            gge_eur=d.gge.gge_eur if d.gge else None,
            gge_method=d.gge.method if d.gge else None,
            signing_date=d.signing_date,
        )
        rows.append(row)
    return pl.DataFrame(rows, schema=dict.fromkeys(FLAT_COLUMNS, pl.Utf8))


def error_rows(decisions: Sequence[Decision], input_errors: list[RowError] | None = None) -> pl.DataFrame:
    """``file, row, field, message, application_id``: decision errors in decision order, then
    the side-file errors that belong to no application."""
    schema = {
        "file": pl.Utf8,
        "row": pl.Int64,
        "field": pl.Utf8,
        "message": pl.Utf8,
        "application_id": pl.Utf8,
    }
    side = [{**e.model_dump(), "application_id": None} for e in input_errors or []]
    if isinstance(decisions, Decisions):
        own = exploded(decisions.frame, "errors").select(ERROR_COLUMNS).cast(schema)  # type: ignore[arg-type]
        return pl.concat([own, pl.DataFrame(side, schema=schema).select(ERROR_COLUMNS)])
    rows = [{**e.model_dump(), "application_id": d.application_id} for d in decisions for e in d.errors]
    return pl.DataFrame(rows + side, schema=schema).select(ERROR_COLUMNS)


def counted_rows(decisions: Sequence[Decision]) -> pl.DataFrame:
    """Every prior award considered, one row per (application, award), in decision order."""
    schema = dict.fromkeys(COUNTED_COLUMNS, pl.Utf8) | {
        "row": pl.Int64,
        "counted": pl.Boolean,
        "assumed": pl.Boolean,
    }
    if isinstance(decisions, Decisions):
        f = exploded(decisions.frame, "counted").with_columns(sources=source_labels(pl.col("sources")))
        if "events" in f.columns:  # a predecessor's aid: the events as one text cell
            step = pl.element().struct.field
            text = pl.concat_str(
                step("event"), pl.lit(" "), step("effective_date"), pl.lit(" "), step("predecessor_orgnr"),
                pl.lit(" -> "), step("successor_orgnr"), pl.lit(" "), step("share"),
            )  # fmt: skip
            f = f.with_columns(events=pl.col("events").list.eval(text).list.join("; "))
        return f.select(COUNTED_COLUMNS).cast(schema)  # type: ignore[arg-type]
    rows = [
        {
            "application_id": d.application_id,
            **a.model_dump(),
            "sources": ", ".join(a.sources) if a.sources else None,
            "events": _event_text(a.events),
        }
        for d in decisions
        for a in d.counted
    ]
    return pl.DataFrame(rows, schema=schema).select(COUNTED_COLUMNS)


def _event_text(events: list | None) -> str | None:
    if not events:
        return None
    return "; ".join(
        f"{e.event} {e.effective_date} {e.predecessor_orgnr} -> {e.successor_orgnr} {e.share}" for e in events
    )
