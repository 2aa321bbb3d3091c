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
from deminimis.plan import engine
from deminimis.registration import registration
from deminimis.render import findings, fmt, register_findings, rule_frames
from deminimis.render import gge as gge_render
from deminimis.render.corporate import event_findings, event_steps
from deminimis.render.decisions import Decisions
from deminimis.render.document import document
from deminimis.render.links import link_findings, link_items
from deminimis.render.reasons import reasons as reason_findings
from deminimis.render.row_errors import message_nb_expr
from deminimis.render.sources import sources as sources_items
from deminimis.rules import Rules
from deminimis.sources.register_rules import load_register_rules

C = pl.col
COLUMNS = ("idx", "application_id", "route", "doc")
READINGS = ("amount_text", "amount_read", "currency_read", "date_text", "date_read")
"""How fuzzy spellings were read (:func:`deminimis.sources.tables.canonical_applications`)."""
"""The frame :func:`render` returns."""


def _decisions(result: Result, rules: Rules) -> pl.LazyFrame:
    """The decisions with the rule texts joined and the branch flags of the explanation."""
    n_errors = result.errors.lazy().group_by("idx").agg(n_errors=pl.len())
    missing = [c for c in READINGS if c not in result.decisions.columns]
    decisions = result.decisions
    if "batch_independent" not in decisions.columns:  # a plain run (no batch order)
        decisions = decisions.with_columns(
            batch_independent=pl.lit(False),
            batch_others=pl.lit(None, pl.List(pl.Utf8)),
            batch_others_n=pl.lit(None, pl.Int64),
        )
    unknown = [] if "prior_source" in decisions.columns else [pl.lit(None, pl.Boolean).alias("prior_source")]
    d = (
        decisions.lazy()
        .with_columns([pl.lit(None, pl.Utf8).alias(c) for c in missing] + unknown)
        .join(rule_frames.entries(rules).lazy(), on="entry_id", how="left", maintain_order="left")
        .join(
            rule_frames.limits(rules).lazy(), on=["entry_id", "limit_id"], how="left", maintain_order="left"
        )
        .join(rule_frames.sectors(rules).lazy(), on="sector", how="left", maintain_order="left")
        .join(
            rule_frames.first_limit_sectors(rules).lazy(),
            on=["entry_id", "sector"],
            how="left",
            maintain_order="left",
        )
        .join(rule_frames.caps(rules).lazy(), on="cap_id", how="left", maintain_order="left")
        .join(n_errors, on="idx", how="left", maintain_order="left")
        .with_columns(
            n_errors=C("n_errors").fill_null(0),
            dec=C("route") != "error",
            sec_manual=(C("s_treatment") == "manual_review").fill_null(False),
            gge_manual=gge_render.manual_flag(),
        )
    )
    ruled = C("dec") & ~C("sec_manual") & ~C("gge_manual")
    has_entry = C("entry_id").is_not_null()
    return d.with_columns(
        no_entry=ruled & ~has_entry,
        gap=ruled & has_entry & ~C("in_force").fill_null(False),
        dm=ruled & has_entry & C("in_force").fill_null(False),
        in_force_c=C("dec") & (C("route") != "manual_review") & has_entry & C("limit_id").is_not_null(),
    )


def _counted(result: Result, d: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Every counted pair with its order ``k`` inside the application and the flags it needs."""
    return (
        result.counted.lazy()
        .with_columns(k=pl.int_range(pl.len()).over("idx"))
        .join(
            d.select(
                "idx",
                "dec",
                "dm",
                "stale_dates",
                app_fx=_app_fx(),
                app_currency=C("currency"),
                app_date=C("grant_date"),
            ),
            on="idx",
            how="left",
            maintain_order="left",
        )
        .join(rule_frames.bases(rules).lazy(), on="basis", how="left", maintain_order="left")
    )


def _app_fx() -> pl.Expr:
    """The grant's own rate is listed (in a foreign currency, when there is one)."""
    return C("dec") & C("app_rate_date").is_not_null() & (C("currency") != "EUR")


def _per_award_facts(c: pl.LazyFrame) -> pl.LazyFrame:
    """Per application: how many awards the reasons list, and the employer-tax periods not counted."""
    et_out = (C("source") == "employer_tax") & ~C("counted")
    period = pl.concat_str(C("period").fill_null("None"), pl.lit(" "), C("zone").fill_null("None"))
    return c.group_by("idx").agg(
        n_shown=(C("counted") & (C("source") != "employer_tax")).sum(),
        et_not_aid=pl.when(et_out.any()).then(period.filter(et_out).unique().sort().str.join(", ")),
    )


def _items(frame: pl.LazyFrame, name: str, item: pl.Expr, *order: str) -> pl.LazyFrame:
    """``idx, name``: ``item`` of each row gathered into a list per application, in ``order``
    (no ``order``: ``frame`` is already sorted by ``idx`` and in the order wanted)."""
    rows = frame.select("idx", *order, _item=item)
    if order:
        rows = rows.sort("idx", *order)
    return rows.group_by("idx", maintain_order=True).agg(C("_item").alias(name))


def _fx(d: pl.LazyFrame, c: pl.LazyFrame) -> pl.LazyFrame:
    """Every rate used: the grant's own first, then each (currency, date) of the counted awards once."""
    fx_item = ("currency", "date", "rate_date", "rate", "source")
    app = d.filter(_app_fx()).select(
        "idx",
        C("currency"),
        fx_date=C("grant_date"),
        rate_date=C("app_rate_date"),
        rate=C("app_rate"),
        source=C("app_rate_source"),
        k=pl.lit(-1, pl.Int64),
    )
    own = C("app_fx") & (C("currency") == C("app_currency")) & (C("fx_date") == C("app_date"))
    awards = (
        c.filter(C("dec") & (C("currency") != "EUR") & ~own.fill_null(False))
        .select(
            "idx",
            "currency",
            "fx_date",
            "rate_date",
            "rate",
            source=C("rate_source"),
            k=C("k").cast(pl.Int64),
        )
        .filter(pl.struct("idx", "currency", "fx_date").is_first_distinct())
    )
    both = pl.concat([app, awards])
    item = pl.struct(
        *[
            fmt.iso(C("fx_date")).alias("date")
            if f == "date"
            else fmt.iso(C(f)).alias(f)
            if f == "rate_date"
            else C(f)
            for f in fx_item
        ]
    )
    return _items(both, "fx", item, "k")


def _counted_items(c: pl.LazyFrame) -> pl.LazyFrame:
    item = pl.struct(
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
    return _items(c.filter(C("dec")), "counted", item)  # c is sorted by idx, k


def _found(
    d: pl.LazyFrame,
    c: pl.LazyFrame,
    rules: Rules,
    links: pl.LazyFrame,
    extra: list[findings.Finding] | None = None,
) -> list[pl.LazyFrame]:
    """``idx, reasons``, ``idx, warnings`` and ``idx, officer_notes``."""
    found = reason_findings(d, c, rules) + findings.warnings(d, c, rules) + link_findings(d, links)
    found += event_findings(d, c)
    found += [*gge_render.findings(d), gge_render.award_warning(c)]
    parts = findings.planned(found + (extra or []))
    long = pl.concat(parts) if parts else pl.LazyFrame(schema=findings.SCHEMA)
    item = pl.struct("code", "citation", "text_nb", "text_en")
    sorted_long = long.sort("idx", "kind", "order", "sub", maintain_order=True)  # ties: planned order
    # Collected once: the three lists below read it (else the plan of every text runs three times).
    grouped = sorted_long.group_by("idx", "kind", maintain_order=True).agg(item.alias("_list"))
    grouped = grouped.collect(engine=engine()).lazy()
    kinds = {"reasons": findings.REASON, "warnings": findings.WARNING, "officer_notes": findings.NOTE}
    return [grouped.filter(C("kind") == k).select("idx", **{name: C("_list")}) for name, k in kinds.items()]


def _errors(result: Result) -> pl.LazyFrame:
    item = pl.struct("file", "row", "field", "message", message_nb=message_nb_expr(C("message")))
    return result.errors.lazy().group_by("idx", maintain_order=True).agg(item.alias("errors"))


LISTS = (
    "fx",
    "counted",
    "reasons",
    "warnings",
    "errors",
    "ceiling_tests",
    "headroom_calendar",
    "undertaking_links",
    "sources",
    "officer_notes",
)


def link_frame(result: Result) -> pl.LazyFrame:
    """The link rows of each undertaking, with their order ``k`` (empty when none were given)."""
    from deminimis.undertaking import LINK_SCHEMA

    empty = {"idx": pl.UInt32, "grant_date": pl.Date, **LINK_SCHEMA, "why": pl.Utf8, "counted": pl.Boolean}
    links = result.links if result.links is not None else pl.DataFrame(schema=empty)
    return links.lazy().with_columns(k=pl.int_range(pl.len()).over("idx").cast(pl.Int64))


def render(result: Result, rules: Rules) -> pl.DataFrame:
    """``idx, application_id, route, doc``: one contract decision per application (``doc``, a
    struct in the JSON's shape and key order), in input order."""
    d = _decisions(result, rules).collect(engine=engine()).lazy()  # collected once: every finding filters it
    c = _counted(result, d, rules).collect(engine=engine()).lazy()
    d = (
        d.join(_per_award_facts(c), on="idx", how="left", maintain_order="left")
        .with_columns(C("n_shown").fill_null(0))
        .collect(engine=engine())
        .lazy()
    )
    links = link_frame(result)
    register_warnings = register_findings.warnings(d, c, result.register_consulted)
    found = _found(d, c, rules, links, register_warnings)
    reg_rules = load_register_rules(rules.directory)
    full = d
    parts = (
        _fx(d, c),
        _counted_items(c),
        *found,
        _errors(result),
        sources_items(d, result.sources, result.register_consulted, reg_rules),
        registration(d, reg_rules),
        link_items(links),
    )
    for part in parts:
        full = full.join(part, on="idx", how="left", maintain_order="left")
    doc = full.select("idx", "application_id", "route", _doc=document())
    schema = doc.collect_schema()["_doc"]
    fixes = {
        f.name: pl.field(f.name).fill_null(_empty(f.dtype))
        for f in schema.fields  # type: ignore[attr-defined]
        if f.name in LISTS
    }
    return doc.select("idx", "application_id", "route", doc=C("_doc").struct.with_fields(**fixes)).collect(
        engine=engine()
    )


@functools.lru_cache(maxsize=64)
def _empty(dtype: pl.DataType) -> pl.Expr:
    """An empty list literal of ``dtype`` (building one of a nested type costs about 0.3 ms)."""
    return pl.lit([], dtype)


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
