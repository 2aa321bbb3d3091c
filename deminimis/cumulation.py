"""The cumulation pipeline: one polars plan for one application or a hundred thousand.

canonical tables -> EUR (one as-of join per table) -> single undertaking (links)
-> regime and window per application (rules data, by grant date) -> prior awards of the
undertaking inside the window, summed per ceiling test ("limit") -> the binding limit
(smallest headroom) -> Covid TF 3.1 cap -> route (see :mod:`deminimis.routing`).

No Python loop touches rows here: every step is a join, a filter or a group-by.
Amounts are Int64 cents (see :mod:`deminimis.money`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from deminimis import employer_tax, gge
from deminimis.app_facts import with_amount_and_regime, with_firm_and_sector
from deminimis.covid import covid_caps
from deminimis.employer_tax_window import as_counted, employer_tax_rows, window_pairs
from deminimis.events import copies_in_force, with_advantage_transfers, with_transfers
from deminimis.headroom import headroom_calendar
from deminimis.limits import limits_of
from deminimis.money import from_eur_cents_floor_expr
from deminimis.pairs import HOME_STATE, pairs_of, summed
from deminimis.plan import steps
from deminimis.prior_awards import prior_awards, with_origin
from deminimis.routing import route_expr
from deminimis.row_errors import row_errors
from deminimis.rule_tables import rule_tables
from deminimis.rules import CovidFile, Rules
from deminimis.sources import register_combine
from deminimis.sources.register_rules import load_register_rules
from deminimis.sources.tables import ERRORS_SCHEMA
from deminimis.undertaking import perimeter_links, perimeters

if TYPE_CHECKING:
    from deminimis.sources.register import RegisterEvidence


@dataclass
class Inputs:
    """Canonical tables (see :mod:`deminimis.sources.tables`)."""

    applications: pl.DataFrame
    application_errors: pl.DataFrame
    awards: pl.DataFrame
    award_errors: pl.DataFrame
    links: pl.DataFrame
    firms: pl.DataFrame | None = None
    other_errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERRORS_SCHEMA))
    employer_tax: pl.DataFrame | None = None
    """Typed employer-tax rows (:func:`deminimis.employer_tax.canonical_rows`)."""
    employer_tax_errors: pl.DataFrame | None = None
    employer_tax_missing: str = "warn"
    """``warn`` or ``assume-max`` (count the full fribeløp of each zone Ia year without a row)."""
    events: pl.DataFrame | None = None
    """Typed corporate events (:func:`deminimis.events.canonical_events`)."""
    event_errors: pl.DataFrame | None = None
    """Their row errors (file, row, field, message, orgnr)."""
    register: RegisterEvidence | None = None
    """Støtteregisteret's rows for the firms of the case (:mod:`deminimis.sources.register`)."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """The sources consulted (the decision's ``sources``), see :mod:`deminimis.render.sources`."""


@dataclass
class Result:
    decisions: pl.DataFrame
    """One row per application, in input order (``idx``)."""
    counted: pl.DataFrame
    """Every prior award considered for each application (``idx``)."""
    errors: pl.DataFrame
    """Row errors per application (``idx``, file, row, field, message)."""
    input_errors: pl.DataFrame
    """Errors in awards/links/firms rows that belong to no application."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """The sources consulted (as :attr:`Inputs.sources`)."""
    register_consulted: pl.DataFrame | None = None
    """Online register lookups: ``orgnr, outcome, problem`` (None: no live lookup)."""
    links: pl.DataFrame | None = None
    """Every link row of each application's undertaking (``idx``), whether it links and why."""


AWARD_DEFAULTS: dict[str, pl.Expr] = {
    "basis_text": pl.lit(None, pl.Utf8),
    "basis_nearest": pl.lit(None, pl.Utf8),
    "country": pl.lit(HOME_STATE),
}
"""Issue 15 award columns, for callers that build the awards table without them."""
ERRORS_SCHEMA_ORGNR = [*ERRORS_SCHEMA, "orgnr"]


def _prior_awards(
    inputs: Inputs, rules: Rules, rates: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Prior awards in EUR at their own grant date, each once (declared and register rows
    merged), their row errors, and the register's employer-tax rows."""
    awards = gge.with_defaults(with_origin(inputs.awards), {**gge.AWARD_DEFAULTS, **AWARD_DEFAULTS})
    awards, register_et = register_combine.combine(
        awards, inputs.register, load_register_rules(rules.directory)
    )
    awards = awards.with_columns(
        origin=pl.coalesce("origin", "file"), source=pl.coalesce("source", pl.lit("awards"))
    )
    given_errors = [inputs.award_errors.select(ERRORS_SCHEMA_ORGNR)]
    if inputs.register:
        given_errors.append(inputs.register.errors.select(ERRORS_SCHEMA_ORGNR))
    if inputs.event_errors is not None:
        given_errors.append(inputs.event_errors.select(ERRORS_SCHEMA_ORGNR))
    aw, award_errors = prior_awards(awards, pl.concat(given_errors), rates)
    if inputs.employer_tax_errors is not None:
        award_errors = pl.concat([award_errors, inputs.employer_tax_errors.select(award_errors.columns)])
    return aw, award_errors, register_et


def _employer_tax(
    inputs: Inputs,
    rules: Rules,
    rates: pl.DataFrame,
    aw: pl.DataFrame,
    register_et: pl.DataFrame,
    memo: dict[str, Any] | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Employer-tax advantage per row (zone Ia and § 4 fribeløp, reduced by other de minimis
    aid) plus the register's rows, and the zone Ia firm-years without a row."""
    if memo is not None and "employer_tax_rows" in memo:  # a later pass of a cumulative batch
        et_adv, et_missing = memo["employer_tax_rows"]
    else:
        own = aw.filter(~pl.col("source").str.starts_with("application:") & summed)  # see batch_order
        data = employer_tax.load(rules.directory)
        et_adv, et_missing = employer_tax_rows(
            inputs.employer_tax, inputs.firms, inputs.employer_tax_missing, own, rates, data
        )
        if memo is not None:
            memo["employer_tax_rows"] = et_adv, et_missing
    if register_et.is_empty():
        return et_adv, et_missing
    first_id = (et_adv["et_id"].max() or 0) + 1 if not et_adv.is_empty() else 0
    register_et = register_et.with_columns(  # register rows are already the advantage of their month
        et_id=(pl.int_range(pl.len()) + first_id).cast(pl.UInt32),
        cutoff=pl.lit(employer_tax.NO_AID),
        spread=pl.lit(False),
    )
    et_adv = pl.concat([et_adv, register_et.select(et_adv.columns)], how="vertical_relaxed")
    et_missing = et_missing.join(register_et.select("orgnr").unique(), on="orgnr", how="anti")
    return et_adv, et_missing


def _routed(apps: pl.DataFrame, pairs: pl.DataFrame, covid: CovidFile) -> pl.DataFrame:
    """The Covid TF 3.1 cap, the warnings' facts, the totals and the route."""
    flags = (
        pairs.lazy()
        .group_by("idx")
        .agg(
            n_after=(pl.col("why") == "after_grant_date").sum(),
            n_other=(pl.col("why") == "basis_other").sum(),
            n_duplicate=(pl.col("duplicate") & pl.col("counted")).sum(),
            stale_dates=pl.col("rate_date")
            .filter(pl.col("counted") & (pl.col("aw_fx_status") == "stale"))
            .unique()
            .sort(),
        )
    )
    lf = covid_caps(apps.lazy(), pairs.lazy(), covid).join(flags, on="idx", how="left")
    lf = lf.with_columns(
        counted_total_cents=pl.col("prior_cents") + pl.col("et_cents"),
        headroom_after_cents=pl.col("headroom_cents") - pl.col("new_cents"),
        max_cents=pl.max_horizontal(pl.col("headroom_cents"), pl.lit(0)),
        tf_headroom_cents=pl.col("cap_cents") - pl.col("tf_prior_cents"),
    )
    lf = lf.with_columns(
        max_cur_cents=from_eur_cents_floor_expr(pl.col("max_cents"), pl.col("app_rate_micro")),
        route=route_expr(),
    )
    return lf.collect(**steps())


def _counted(pairs: pl.DataFrame, et_pairs: pl.DataFrame) -> pl.DataFrame:
    """Every award and employer-tax row considered for each application, in input order."""
    return (
        pl.concat(
            [pairs.lazy().with_columns(fx_date=pl.col("granted_on")), as_counted(et_pairs).lazy()],
            how="diagonal_relaxed",
        )
        .select(
            "idx",
            "source",
            "period",
            "zone",
            "in_scheme",
            "assumed",
            "spread",
            "file",
            "row",
            "orgnr",
            "granted_on",
            "basis",
            "amount_cents",
            "currency",
            "eur_cents",
            "fx_date",
            "rate_date",
            "rate",
            "rate_source",
            "counted",
            "why",
            "duplicate",
            "grantor",
            "reference",
            "basis_text",
            "basis_nearest",
            "country",
            "is_copy",
            "steps",
            *register_combine.EXTRA,
            "instrument",
            "nominal_cents",
            "near",
            "aw_idx",
        )
        # Input order, not file names: the same case reads the same from every surface.
        .sort(
            "idx",
            "granted_on",
            pl.col("source") == "employer_tax",
            "aw_idx",
            "row",
            "is_copy",
            nulls_last=True,
        )
        .drop("aw_idx")
        .collect(**steps())
    )


@dataclass
class _Routed:
    """A run up to the routes: what :func:`run` goes on from."""

    apps: pl.DataFrame
    pairs: pl.DataFrame
    et_pairs: pl.DataFrame
    errors: pl.DataFrame
    input_errors: pl.DataFrame


def _routed_run(inputs: Inputs, rules: Rules, rates: pl.DataFrame, memo: dict[str, Any] | None) -> _Routed:
    tables = rule_tables(rules)
    apps, member = perimeters(inputs.applications.with_row_index("idx"), inputs.links)
    apps, firm_err = with_firm_and_sector(apps, inputs.firms, tables)
    apps, app_fx_err = with_amount_and_regime(apps, rates, tables)

    aw, award_errors, register_et = _prior_awards(inputs, rules, rates)
    aw_all = with_transfers(aw, inputs.events)
    et_adv, et_missing = _employer_tax(inputs, rules, rates, aw, register_et, memo)
    errors, input_errors = row_errors(
        inputs.application_errors, inputs.other_errors, award_errors, apps, member, [app_fx_err, firm_err]
    )
    apps = apps.with_columns(has_error=pl.col("has_error") | pl.col("idx").is_in(errors["idx"].implode()))

    pairs = pairs_of(apps, member, aw_all, tables, rules.covid)
    et_rows = with_advantage_transfers(et_adv, inputs.events)
    et_pairs = window_pairs(apps.filter(~pl.col("has_error")), et_rows, member, rates)
    et_pairs = register_combine.prefer_register(copies_in_force(et_pairs, member))
    apps = limits_of(apps, pairs, et_pairs, et_missing, tables, inputs.employer_tax_missing)
    apps = gge.attach(apps, rules)  # the new aid's gross grant equivalent
    apps = _routed(apps, pairs, rules.covid)
    return _Routed(apps, pairs, et_pairs, errors, input_errors)


def routes(
    inputs: Inputs, rules: Rules, rates: pl.DataFrame, memo: dict[str, Any] | None = None
) -> pl.DataFrame:
    """The applications as :func:`run` decides them, up to their routes (``idx`` order), without
    the headroom calendar, the counted rows and the links: what the passes of a cumulative batch
    need to settle which applications count for later ones (a third of a run's time at XL is the
    part left out, see bench/README.md, session 10)."""
    return _routed_run(inputs, rules, rates, memo).apps.sort("idx")


def run(inputs: Inputs, rules: Rules, rates: pl.DataFrame, memo: dict[str, Any] | None = None) -> Result:
    """Decide every application; see the module docstring for the steps.

    ``memo``: kept between the passes of one cumulative batch (:mod:`deminimis.batch_order`); it
    holds the employer-tax advantages, which the batch's own applications do not change."""
    done = _routed_run(inputs, rules, rates, memo)
    tables = rule_tables(rules)
    apps = done.apps.join(
        headroom_calendar(done.apps, done.pairs, done.et_pairs, tables.limit_bases), on="idx", how="left"
    )
    counted = _counted(done.pairs, done.et_pairs)
    plinks = perimeter_links(apps, inputs.links)
    natural = (
        plinks.filter(pl.col("counted") & (pl.col("link_type") == "natural_person"))
        .group_by("idx")
        .agg(natural_groups=pl.col("undertaking_id").unique().sort())
    )
    apps = apps.join(natural, on="idx", how="left")
    consulted = inputs.register.consulted if inputs.register is not None else None
    return Result(
        apps.sort("idx"), counted, done.errors, done.input_errors, inputs.sources, consulted, links=plinks
    )


__all__ = ["ERRORS_SCHEMA", "Inputs", "Result", "routes", "run"]
