"""The tables of one chunk of a batch: only the rows of its firms (:mod:`deminimis.batch_chunks`).

Why apart: which firms a chunk needs (*groups*: firms connected by a link row on any date or a
corporate event, a superset of every single undertaking on any grant date), the side tables cut
to them (a semi join per table), and the broken side-file rows that belong to no application of
the whole batch (found once, in the order :func:`deminimis.cumulation.run` lists them).
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from deminimis import fx
from deminimis.cumulation import Inputs
from deminimis.prior_awards import ERROR_COLUMNS, fx_errors, with_origin
from deminimis.sources.tables import ERRORS_SCHEMA
from deminimis.undertaking import undertaking_map


def groups(links: pl.DataFrame, events: pl.DataFrame | None) -> pl.DataFrame:
    """``orgnr, group``: every firm named by a link row or an event, keyed by the smallest
    orgnr of the firms connected to it by link rows (any date, any type) and events."""
    edges = links.select("orgnr", "undertaking_id")
    if events is not None and not events.is_empty():
        ids = pl.format("\x00event {}", pl.int_range(pl.len()))
        pairs = events.select(pred="predecessor_orgnr", succ="successor_orgnr").with_columns(
            undertaking_id=ids
        )
        edges = pl.concat(
            [
                edges,
                pairs.select(orgnr="pred", undertaking_id="undertaking_id"),
                pairs.select(orgnr="succ", undertaking_id="undertaking_id"),
            ]
        )
    edges = edges.drop_nulls()
    return undertaking_map(edges).rename({"undertaking_key": "group"})


def firms_of(orgnrs: pl.Series, grouped: pl.DataFrame) -> pl.Series:
    """The orgnrs of every group of ``orgnrs`` (an orgnr in no group is its own)."""
    own = orgnrs.drop_nulls().unique()
    keys = grouped.filter(pl.col("orgnr").is_in(own.implode())).get_column("group").unique()
    members = grouped.filter(pl.col("group").is_in(keys.implode())).get_column("orgnr")
    return pl.concat([own, members]).unique()


def restricted(inputs: Inputs, orgnrs: pl.Series, applications: pl.DataFrame) -> Inputs:
    """``inputs`` for ``applications`` whose groups hold exactly ``orgnrs``: every side table
    and its row errors cut to those firms; the errors of no firm are left to :func:`input_errors`."""
    firms = orgnrs.implode()

    def cut(frame: pl.DataFrame | None, *cols: str) -> pl.DataFrame | None:
        if frame is None:
            return None
        return frame.filter(pl.any_horizontal(pl.col(c).is_in(firms) for c in cols))

    return replace(
        inputs,
        applications=applications,
        awards=cut(inputs.awards, "orgnr") if "orgnr" in inputs.awards.columns else inputs.awards,
        award_errors=cut(inputs.award_errors, "orgnr"),  # type: ignore[arg-type]
        links=cut(inputs.links, "orgnr"),  # type: ignore[arg-type]
        firms=cut(inputs.firms, "orgnr"),
        other_errors=inputs.other_errors.clear(),
        employer_tax=cut(inputs.employer_tax, "orgnr"),
        employer_tax_errors=cut(inputs.employer_tax_errors, "orgnr"),
        events=cut(inputs.events, "predecessor_orgnr", "successor_orgnr"),
        event_errors=cut(inputs.event_errors, "orgnr"),
    )


def input_errors(inputs: Inputs, members: pl.Series, rates: pl.DataFrame) -> pl.DataFrame:
    """The broken side-file rows that belong to no application of the batch, in the order
    :func:`deminimis.cumulation.run` lists them (``members``: every firm of every undertaking),
    in the errors schema."""
    given = [inputs.award_errors.select(ERROR_COLUMNS)]
    if inputs.register:
        given.append(inputs.register.errors.select(ERROR_COLUMNS))
    if inputs.event_errors is not None:
        given.append(inputs.event_errors.select(ERROR_COLUMNS))
    awards = inputs.awards
    if "orgnr" in awards.columns:  # rates only for the awards of no member: the others are used
        others = with_origin(awards.filter(~pl.col("orgnr").is_in(members.implode())))
        dated = fx.attach_rates(others.lazy(), rates, currency="currency", on="granted_on").collect()
        given.append(fx_errors(dated, "granted_on", ["file", "row", "orgnr"]).select(ERROR_COLUMNS))
    if inputs.employer_tax_errors is not None:
        given.append(inputs.employer_tax_errors.select(ERROR_COLUMNS))
    errors = pl.concat(given)
    used = errors.filter(pl.col("orgnr").is_in(members.implode())).select("file", "row").unique()
    return pl.concat(
        [
            errors.join(used, on=["file", "row"], how="anti").select(*ERRORS_SCHEMA),
            inputs.other_errors.select(*ERRORS_SCHEMA),
        ]
    ).unique(maintain_order=True)


__all__ = ["firms_of", "groups", "input_errors", "restricted"]
