"""The CSV / Excel views of rendered decisions, as polars expressions over their ``doc`` structs.

Same columns and texts as :func:`deminimis.render.tables.flat_rows` and friends give for
``Decision`` objects, without building one per decision (see :mod:`deminimis.render.columnar`).
"""

from __future__ import annotations

import polars as pl

C = pl.col


def _doc(name: str) -> pl.Expr:
    return C("doc").struct.field(name)


def _join(name: str, part: pl.Expr, sep: str) -> pl.Expr:
    return _doc(name).list.eval(part).list.join(sep)


def flat_frame(frame: pl.DataFrame, scalars: tuple[str, ...], columns: tuple[str, ...]) -> pl.DataFrame:
    """One text row per decision (``columns``: ``scalars`` then the nested parts joined)."""
    field = pl.element().struct.field
    error = pl.concat_str(
        field("file").fill_null("None"),
        pl.lit(":"),
        field("row").cast(pl.Utf8).fill_null("None"),
        pl.lit(" "),
        field("field").fill_null("None"),
        pl.lit(": "),
        field("message").fill_null("None"),
    )
    window, covid = _doc("window").struct.field, _doc("covid_tf").struct.field
    exprs = [_doc(k).cast(pl.Utf8).alias(k) for k in scalars] + [
        _doc("undertaking").list.join(" ").alias("undertaking"),
        window("from").alias("window_from"),
        window("to").alias("window_to"),
        window("kind").alias("window_kind"),
        covid("ceiling_eur").alias("covid_tf_ceiling_eur"),
        covid("prior_eur").alias("covid_tf_prior_eur"),
        covid("headroom_before_eur").alias("covid_tf_headroom_before_eur"),
        _join("warnings", field("code"), " ").alias("warnings"),
        _join("errors", error, "; ").alias("errors"),
        _join("reasons", field("text_nb"), "\n").alias("reasons_nb"),
        _join("reasons", field("text_en"), "\n").alias("reasons_en"),
        *(_doc("gge").struct.field(k).alias(f"gge_{k}") for k in ("instrument", "nominal", "method")),
        _doc("gge").struct.field("gge_eur").alias("gge_eur"),
        _doc("signing_date").alias("signing_date"),
    ]
    return frame.select(exprs).select(columns)


def exploded(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """``application_id`` and the fields of each item of the list ``name``, in decision order."""
    return (
        frame.select("application_id", _items=_doc(name))
        .explode("_items", empty_as_null=False)
        .drop_nulls("_items")
        .unnest("_items")
    )


__all__ = ["exploded", "flat_frame"]
