"""The frames every part of a rendered decision reads: the decisions ``d`` with the rule texts
joined, the counted pairs ``c``, and the rows the findings derive from them.

Why apart from :mod:`deminimis.render.columnar`: ``d`` and ``c`` are collected once (every
finding filters them), and what depends only on the rules (their small frames, the findings'
expressions) is built once per rules object (:mod:`deminimis.rule_cache`).
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.cumulation import Result
from deminimis.render import findings, register_findings, rule_frames
from deminimis.render import gge as gge_render
from deminimis.render.corporate import event_findings, used
from deminimis.render.links import link_findings, link_rows
from deminimis.render.reasons import calendar_steps
from deminimis.render.reasons import reasons as reason_findings
from deminimis.rule_cache import per_rules
from deminimis.rules import Rules

C = pl.col
READINGS = ("amount_text", "amount_read", "currency_read", "date_text", "date_read")
"""How fuzzy spellings were read (:func:`deminimis.sources.tables.canonical_applications`)."""
JOINS = (
    ("entries", ["entry_id"]),
    ("limits", ["entry_id", "limit_id"]),
    ("sectors", ["sector"]),
    ("first_limit_sectors", ["entry_id", "sector"]),
    ("caps", ["cap_id"]),
)
"""The rule frames joined onto the decisions (:mod:`deminimis.render.rule_frames`), by key."""


def _rule_frames(rules: Rules) -> dict[str, pl.LazyFrame]:
    frames = {name: getattr(rule_frames, name)(rules).lazy() for name, _ in JOINS}
    return {**frames, "bases": rule_frames.bases(rules).lazy()}


@functools.cache
def _flags() -> tuple[list[pl.Expr], list[pl.Expr]]:
    """The branch flags of the explanation, in two steps (the second reads the first)."""
    first = [
        C("n_errors").fill_null(0),
        (C("route") != "error").alias("dec"),
        (C("s_treatment") == "manual_review").fill_null(False).alias("sec_manual"),
        gge_render.manual_flag().alias("gge_manual"),
    ]
    ruled = C("dec") & ~C("sec_manual") & ~C("gge_manual")
    has_entry = C("entry_id").is_not_null()
    second = [
        (ruled & ~has_entry).alias("no_entry"),
        (ruled & has_entry & ~C("in_force").fill_null(False)).alias("gap"),
        (ruled & has_entry & C("in_force").fill_null(False)).alias("dm"),
        (C("dec") & (C("route") != "manual_review") & has_entry & C("limit_id").is_not_null()).alias(
            "in_force_c"
        ),
    ]
    return first, second


def _defaults(columns: list[str]) -> list[pl.Expr]:
    """The columns a plain run (no batch order, no fuzzy readings, no prior-source flag) lacks."""
    out = []
    if "batch_independent" not in columns:
        out += [
            pl.lit(False).alias("batch_independent"),
            pl.lit(None, pl.List(pl.Utf8)).alias("batch_others"),
            pl.lit(None, pl.Int64).alias("batch_others_n"),
        ]
    out += [pl.lit(None, pl.Utf8).alias(c) for c in READINGS if c not in columns]
    if "prior_source" not in columns:
        out.append(pl.lit(None, pl.Boolean).alias("prior_source"))
    return out


def decisions(result: Result, rules: Rules) -> pl.LazyFrame:
    """The decisions with the rule texts joined and the branch flags of the explanation."""
    rf = per_rules(_rule_frames, rules)
    d = result.decisions.lazy()
    defaults = _defaults(result.decisions.columns)
    if defaults:
        d = d.with_columns(defaults)
    for name, on in JOINS:
        d = d.join(rf[name], on=on, how="left", maintain_order="left")
    if result.errors.height:
        n_errors = result.errors.lazy().group_by("idx").agg(n_errors=pl.len())
        d = d.join(n_errors, on="idx", how="left", maintain_order="left")
    else:  # no row errors: every count is 0 (filled below)
        d = d.with_columns(n_errors=pl.lit(None, pl.get_index_type()))
    first, second = _flags()
    return d.with_columns(first).with_columns(second)


def app_fx() -> pl.Expr:
    """The grant's own rate is listed (in a foreign currency, when there is one)."""
    return C("dec") & C("app_rate_date").is_not_null() & (C("currency") != "EUR")


def counted(result: Result, d: pl.LazyFrame, rules: Rules) -> pl.LazyFrame:
    """Every counted pair with its order ``k`` inside the application and the flags it needs."""
    order, app, _ = _pair_exprs()
    return (
        result.counted.lazy()
        .with_columns(order)
        .join(d.select(app), on="idx", how="left", maintain_order="left")
        .join(per_rules(_rule_frames, rules)["bases"], on="basis", how="left", maintain_order="left")
    )


def per_award_facts(c: pl.LazyFrame) -> pl.LazyFrame:
    """Per application: how many awards the reasons list, and the employer-tax periods not counted
    (from the engine's counted pairs: their own columns only)."""
    return c.group_by("idx").agg(_pair_exprs()[2])


@functools.cache
def _pair_exprs() -> tuple[pl.Expr, list[pl.Expr], list[pl.Expr]]:
    """The expressions of :func:`counted` and :func:`per_award_facts` (built once)."""
    order = pl.int_range(pl.len()).over("idx").alias("k")
    app = [
        *map(C, ("idx", "dec", "dm", "stale_dates")),
        app_fx().alias("app_fx"),
        C("currency").alias("app_currency"),
        C("grant_date").alias("app_date"),
    ]
    et_out = (C("source") == "employer_tax") & ~C("counted")
    period = pl.concat_str(C("period").fill_null("None"), pl.lit(" "), C("zone").fill_null("None"))
    facts = [
        (C("counted") & (C("source") != "employer_tax")).sum().alias("n_shown"),
        pl.when(et_out.any()).then(period.filter(et_out).unique().sort().str.join(", ")).alias("et_not_aid"),
    ]
    return order, app, facts


def _no_links() -> pl.DataFrame:
    from deminimis.undertaking import LINK_SCHEMA

    empty = {"idx": pl.UInt32, "grant_date": pl.Date, **LINK_SCHEMA, "why": pl.Utf8, "counted": pl.Boolean}
    return pl.DataFrame(schema=empty)


NO_LINKS = _no_links()
"""The link rows of a case without links."""


def link_frame(links: pl.DataFrame) -> pl.LazyFrame:
    """The link rows of each undertaking (:data:`NO_LINKS` when none were given), with their order ``k``."""
    return links.lazy().with_columns(k=pl.int_range(pl.len()).over("idx").cast(pl.Int64))


def _plan(rules: Rules) -> findings.Plan:
    found = reason_findings(rules) + findings.warnings(rules) + link_findings() + event_findings()
    found += [*gge_render.findings(), gge_render.award_warning(), *register_findings.warnings()]
    return findings.Plan(found)


def plan(rules: Rules) -> findings.Plan:
    """Every finding of ``rules`` in planned order (ties of the sort keep it), built once per rules."""
    return per_rules(_plan, rules)


def frames(d: pl.DataFrame, c: pl.DataFrame, links: pl.DataFrame, consulted: pl.DataFrame | None) -> dict:
    """The frames the findings filter, by name: the decisions ``d``, the counted pairs ``c`` and
    the rows derived from them. ``None``: a frame known to be empty from the data's own columns
    (no link rows, no award passed on by an event, no calendar, no instalments, no live register),
    so its findings are not asked."""
    dl, cl = d.lazy(), c.lazy()
    return {
        "d": dl,
        "c": cl,
        "links": link_rows(dl, link_frame(links)) if links.height else None,
        "calendar": calendar_steps(dl) if d.get_column("headroom_calendar").list.len().max() else None,
        "gge": dl if gge_render.has_form(d) else None,
        "gge_steps": gge_render.steps(dl)
        if d.get_column("gge_method").eq(gge_render.INSTALMENTS).any()
        else None,
        "events": used(cl) if c.get_column("is_copy").any() else None,
        "register_down": register_findings.unavailable(dl, consulted),
    }


__all__ = [
    "NO_LINKS",
    "READINGS",
    "app_fx",
    "counted",
    "decisions",
    "frames",
    "link_frame",
    "per_award_facts",
    "plan",
]
