"""Decisions rendered columnar: one JSON text per application, built by polars expressions.

The numbers come from :mod:`deminimis.cumulation`; here every part of the contract's decision
(counted awards, rates used, ceiling tests, headroom calendar, reasons and warnings in nb and
en) is a frame grouped by ``idx`` and gathered into one struct per decision (``doc``), which the
writers encode with ``struct.json_encode`` or flatten for CSV and Excel. No Python object is
built per decision or per counted award, which at national scale (a million counted pairs)
was most of the run time and memory. Python ``Decision`` objects are parsed from the JSON
only when a caller asks for them (:class:`deminimis.render.decisions.Decisions`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import polars as pl

from deminimis.cumulation import Result
from deminimis.plan import options
from deminimis.registration import registration
from deminimis.render import decision_frames as frames
from deminimis.render import findings, fmt
from deminimis.render.corporate import event_steps
from deminimis.render.decisions import Decisions
from deminimis.render.document import document
from deminimis.render.links import link_items
from deminimis.render.row_errors import message_nb_expr
from deminimis.render.sources import sources as sources_items
from deminimis.rules import Rules
from deminimis.sources.register_rules import load_register_rules

C = pl.col
COLUMNS = ("idx", "application_id", "route", "doc")
"""The frame :func:`render` returns."""


def _items(frame: pl.LazyFrame, name: str, item: pl.Expr, *order: str) -> pl.LazyFrame:
    """``idx, name``: ``item`` of each row gathered into a list per application, in ``order``
    (no ``order``: ``frame`` is already sorted by ``idx`` and in the order wanted)."""
    rows = frame.select("idx", *order, _item=item)
    if order:
        rows = rows.sort("idx", *order)
    return rows.group_by("idx", maintain_order=True).agg(C("_item").alias(name))


def _fx(d: pl.LazyFrame, c: pl.LazyFrame) -> pl.LazyFrame:
    """Every rate used: the grant's own first, then each (currency, date) of the counted awards once."""
    app_when, app, awards_when, awards, first, item = _fx_exprs()
    rows = c.filter(awards_when).select(awards).filter(first)
    return _items(pl.concat([d.filter(app_when).select(app), rows]), "fx", item, "k")


@functools.cache
def _fx_exprs() -> tuple:
    """The filters, columns and item of :func:`_fx` (built once)."""
    app = [
        C("idx"),
        C("currency"),
        C("grant_date").alias("fx_date"),
        C("app_rate_date").alias("rate_date"),
        C("app_rate").alias("rate"),
        C("app_rate_source").alias("source"),
        pl.lit(-1, pl.Int64).alias("k"),
    ]
    own = C("app_fx") & (C("currency") == C("app_currency")) & (C("fx_date") == C("app_date"))
    awards_when = C("dec") & (C("currency") != "EUR") & ~own.fill_null(False)
    awards = [
        *map(C, ("idx", "currency", "fx_date", "rate_date", "rate")),
        C("rate_source").alias("source"),
        C("k").cast(pl.Int64),
    ]
    first = pl.struct("idx", "currency", "fx_date").is_first_distinct()
    item = pl.struct(
        C("currency"),
        fmt.iso(C("fx_date")).alias("date"),
        fmt.iso(C("rate_date")),
        C("rate"),
        C("source"),
    )
    return frames.app_fx(), app, awards_when, awards, first, item


def _counted_items(c: pl.LazyFrame) -> pl.LazyFrame:
    return _items(c.filter(C("dec")), "counted", _counted_item())  # c is sorted by idx, k


@functools.cache
def _counted_item() -> pl.Expr:
    return pl.struct(
        "source",
        "period",
        "zone",
        assumed=pl.when(C("source") == "employer_tax").then(C("assumed").fill_null(False)),
        orgnr=C("orgnr"),
        granted_on=fmt.iso(C("granted_on")),
        basis=C("basis"),
        amount=fmt.money(C("amount_cents")),
        currency=C("currency"),
        eur=fmt.money(C("eur_cents")),
        counted=C("counted"),
        why=C("why"),
        file=C("file"),
        row=C("row"),
        grantor=C("grantor"),
        reference=C("reference"),
        country=C("country"),
        events=pl.when(C("is_copy").fill_null(False)).then(event_steps(C("steps"))),
        sources=C("sources"),
        mismatch=C("mismatch"),
    )


FOUND = {"reasons": findings.REASON, "warnings": findings.WARNING, "officer_notes": findings.NOTE}


def _found(plan: findings.Plan, named: dict[str, pl.LazyFrame | None]) -> pl.LazyFrame:
    """``idx, reasons, warnings, officer_notes``: the texts of the findings that occur."""
    parts = plan.planned(named)
    long = pl.concat(parts) if parts else pl.LazyFrame(schema=findings.SCHEMA)
    item = pl.struct("code", "citation", "text_nb", "text_en")
    sorted_long = long.sort("idx", "kind", "order", "sub", maintain_order=True)  # ties: planned order
    lists = {name: item.filter(C("kind") == k) for name, k in FOUND.items()}
    return sorted_long.group_by("idx", maintain_order=True).agg(**lists)


def _errors(result: Result) -> pl.LazyFrame:
    return result.errors.lazy().group_by("idx", maintain_order=True).agg(_error_item())


@functools.cache
def _error_item() -> pl.Expr:
    item = pl.struct("file", "row", "field", "message", message_nb=message_nb_expr(C("message")))
    return item.alias("errors")


def render(result: Result, rules: Rules) -> pl.DataFrame:
    """``idx, application_id, route, doc``: one contract decision per application (``doc``, a
    struct in the JSON's shape and key order), in input order."""
    facts = frames.per_award_facts(result.counted.lazy())
    decided = (  # collected once, and the counted pairs: every finding filters them
        frames.decisions(result, rules)
        .join(facts, on="idx", how="left", maintain_order="left")
        .with_columns(C("n_shown").fill_null(0))
        .collect(**options())
    )
    d = decided.lazy()
    pairs = frames.counted(result, d, rules).collect(**options())
    c = pairs.lazy()
    link_rows = result.links if result.links is not None else frames.NO_LINKS
    links = frames.link_frame(link_rows)
    found = _found(frames.plan(rules), frames.frames(decided, pairs, link_rows, result.register_consulted))
    reg_rules = load_register_rules(rules.directory)
    full = d
    for part in (
        _fx(d, c),
        found,
        sources_items(d, result.sources, result.register_consulted, reg_rules),
        registration(decided, reg_rules),
    ):
        full = full.join(part, on="idx", how="left", maintain_order="left")
    optional = (
        ("counted", pairs, lambda: _counted_items(c)),
        ("errors", result.errors, lambda: _errors(result)),
        ("undertaking_links", link_rows, lambda: link_items(links)),
    )
    for name, rows, part in optional:
        if rows.height:
            full = full.join(part(), on="idx", how="left", maintain_order="left")
        else:  # no rows: the part's column, null (the document shows an empty list)
            full = full.with_columns(_absent(name, part, rows))
    return full.select("idx", "application_id", "route", doc=document()).collect(**options())


_ABSENT: dict[tuple, pl.Expr] = {}


def _absent(name: str, part: Callable[[], pl.LazyFrame], rows: pl.DataFrame) -> pl.Expr:
    """A null column ``name`` of the type ``part`` would give (its input ``rows`` has none: the
    type depends only on their schema, so it is planned once per schema, and the literal, about
    0.2 ms to build for a nested type, is kept)."""
    key = (name, tuple(rows.schema.items()))
    column = _ABSENT.get(key)
    if column is None:
        if len(_ABSENT) > 256:
            _ABSENT.clear()
        column = _ABSENT[key] = pl.lit(None, part().collect_schema()[name]).alias(name)
    return column


CHUNK = 25_000
"""Applications rendered per pass: bounds the memory of the intermediate text frames."""


def _slice(result: Result, start: int, stop: int) -> Result:
    def part(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("idx").is_between(start, stop - 1))

    links = part(result.links) if result.links is not None else None
    return Result(
        part(result.decisions),
        part(result.counted),
        part(result.errors),
        result.input_errors,
        result.sources,
        result.register_consulted,
        links,
    )


def build(result: Result, rules: Rules, progress: Callable[[int, int], None] | None = None) -> Decisions:
    """The decisions of ``result``, rendered :data:`CHUNK` applications at a time (parsed to
    objects only when a caller reads them); ``progress(done, total)`` before each chunk."""
    total = result.decisions.height
    if total <= CHUNK:
        if progress is not None:
            progress(0, total)
        return Decisions(render(result, rules))
    parts = []
    for start in range(0, total, CHUNK):
        if progress is not None:
            progress(start, total)
        parts.append(render(_slice(result, start, start + CHUNK), rules))
    return Decisions(pl.concat(parts))


__all__ = ["CHUNK", "COLUMNS", "build", "render"]
