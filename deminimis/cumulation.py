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

from deminimis import employer_tax, fx, gge
from deminimis.covid import covid_caps
from deminimis.employer_tax_window import as_counted, employer_tax_rows, window_pairs
from deminimis.events import copies_in_force, with_advantage_transfers, with_transfers
from deminimis.firms import FIRM_SCHEMA
from deminimis.headroom import headroom_calendar
from deminimis.money import from_eur_cents_floor_expr, to_eur_cents_expr
from deminimis.plan import engine
from deminimis.prior_awards import fx_errors, prior_awards, with_origin
from deminimis.routing import route_expr
from deminimis.rules import EMPLOYER_TAX, Rules
from deminimis.sources import register_combine
from deminimis.sources.register_rules import load_register_rules
from deminimis.sources.tables import ERRORS_SCHEMA
from deminimis.undertaking import perimeter_links, perimeters
from deminimis.windows import window_from_expr

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


HOME_STATE = "NO"
"""The granting state whose aid is summed (the ceiling is per Member State, 2831 Art 3(2))."""
EU_CENTRAL = "eu_central"
"""EU funds managed centrally by the Commission: not State aid, shown and not summed (recital 14)."""


AWARD_DEFAULTS: dict[str, pl.Expr] = {
    "basis_text": pl.lit(None, pl.Utf8),
    "basis_nearest": pl.lit(None, pl.Utf8),
    "country": pl.lit(HOME_STATE),
}
"""Issue 15 award columns, for callers that build the awards table without them."""


def _empty_awards() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "file": pl.Utf8,
            "row": pl.Int64,
            "orgnr": pl.Utf8,
            "granted_on": pl.Date,
            "amount_cents": pl.Int64,
            "currency": pl.Utf8,
            "basis": pl.Utf8,
            "grantor": pl.Utf8,
            "reference": pl.Utf8,
            "basis_text": pl.Utf8,
            "basis_nearest": pl.Utf8,
            "country": pl.Utf8,
            "instrument": pl.Utf8,
            "nominal_cents": pl.Int64,
        }
    )


ERRORS_SCHEMA_ORGNR = [*ERRORS_SCHEMA, "orgnr"]
summed = pl.col("not_summed").is_null()
"""Awards that count when in the window (a register row with another status is shown only)."""


def run(  # noqa: PLR0915  (allow-listed, to split)
    inputs: Inputs, rules: Rules, rates: pl.DataFrame, memo: dict[str, Any] | None = None
) -> Result:
    """Decide every application; see the module docstring for the steps.

    ``memo``: kept between the passes of one cumulative batch (:mod:`deminimis.batch_order`); it
    holds the employer-tax advantages, which the batch's own applications do not change."""
    apps, member = perimeters(inputs.applications.with_row_index("idx"), inputs.links)

    # Firm facts (firms file, Brreg): name and NACE when the application gives none.
    firms = inputs.firms if inputs.firms is not None else pl.DataFrame(schema=FIRM_SCHEMA)
    firms = firms.select(
        "orgnr",
        "name",
        pl.col("nace").alias("firm_nace"),
        "kommunenummer",
        "status",
        pl.col("source").alias("firm_source"),
        pl.col("problem").alias("firm_problem"),
        pl.col("problem_kind").alias("firm_problem_kind"),
    ).unique("orgnr", keep="first")
    apps = apps.join(firms, on="orgnr", how="left").with_columns(nace=pl.coalesce("nace", "firm_nace"))
    firm_err = apps.filter(pl.col("firm_problem_kind") == "malformed").select(
        "idx",
        file=pl.lit("brreg"),
        row=pl.lit(None, pl.Int64),
        field=pl.lit("orgnr"),
        message=pl.format("Brønnøysund lookup failed: {}", pl.col("firm_problem")),
    )

    # Sector scope by NACE prefix; an exclusion (manual_review) wins over a sub-ceiling.
    matches = (
        apps.filter(pl.col("nace").is_not_null())
        .select("idx", "nace")
        .join(rules.sector_frame(), how="cross")
        .filter(pl.col("nace").str.starts_with(pl.col("prefix")))
        .sort("idx", pl.col("treatment") != "manual_review")
        .group_by("idx", maintain_order=True)
        .agg(pl.col("sector", "treatment").first())
    )
    apps = apps.join(matches, on="idx", how="left")

    # New aid in EUR at the grant date's rate.
    apps = fx.attach_rates(apps.lazy(), rates, currency="currency", on="grant_date").collect(engine=engine())
    apps = apps.rename(
        {c: f"app_{c}" for c in ("rate_date", "rate", "rate_micro", "rate_source", "fx_status")}
    )
    apps = apps.with_columns(new_cents=to_eur_cents_expr(pl.col("amount_cents"), pl.col("app_rate_micro")))
    app_fx_err = fx_errors(apps.rename({"app_fx_status": "fx_status"}), "grant_date", ["idx", "file", "row"])

    # Regime entry by scheme and grant date.
    reg = rules.regime_frame()
    entries = reg.filter(pl.col("limit_order") == 0).select(
        "scheme", "entry_id", "valid_from", "valid_to", "in_force", "regime", "window_kind", "window_years"
    )
    hit = (
        apps.select("idx", "scheme", "grant_date")
        .join(entries, on="scheme")
        .filter(pl.col("grant_date").is_between("valid_from", "valid_to"))
        .drop("scheme", "grant_date")
    )
    apps = apps.join(hit, on="idx", how="left").with_columns(
        window_from=window_from_expr("grant_date", "window_kind", "window_years", "fiscal_year_start")
    )

    # Prior awards: EUR at their own grant date, each award once, and the copies events pass on.
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
    aw_all = with_transfers(aw, inputs.events)

    # Employer-tax advantage per row (zone Ia and § 4 fribeløp), reduced by other de minimis aid.
    et_data = employer_tax.load(rules.directory)
    own = aw.filter(~pl.col("source").str.starts_with("application:"))  # see batch_order
    if memo is not None and "employer_tax_rows" in memo:  # a later pass of a cumulative batch
        et_adv, et_missing = memo["employer_tax_rows"]
    else:
        et_adv, et_missing = employer_tax_rows(
            inputs.employer_tax, inputs.firms, inputs.employer_tax_missing, own.filter(summed), rates, et_data
        )
        if memo is not None:
            memo["employer_tax_rows"] = et_adv, et_missing
    first_id = (et_adv["et_id"].max() or 0) + 1 if not et_adv.is_empty() else 0
    register_et = register_et.with_columns(  # register rows are already the advantage of their month
        et_id=(pl.int_range(pl.len()) + first_id).cast(pl.UInt32),
        cutoff=pl.lit(employer_tax.NO_AID),
        spread=pl.lit(False),
    )
    et_adv = pl.concat([et_adv, register_et.select(et_adv.columns)], how="vertical_relaxed")
    et_missing = et_missing.join(register_et.select("orgnr").unique(), on="orgnr", how="anti")
    if inputs.employer_tax_errors is not None:
        award_errors = pl.concat([award_errors, inputs.employer_tax_errors.select(award_errors.columns)])

    # Errors per application: its own fields, its rate, and broken award rows of its undertaking.
    app_errs = inputs.application_errors.join(apps.select("idx", "file", "row"), on=["file", "row"])
    und_errs = award_errors.filter(pl.col("orgnr").is_not_null()).join(member, on="orgnr")
    errors = (
        pl.concat(
            [
                app_errs.select("idx", *ERRORS_SCHEMA),
                app_fx_err.select("idx", *ERRORS_SCHEMA),
                firm_err.select("idx", *ERRORS_SCHEMA),
                und_errs.select("idx", *ERRORS_SCHEMA),
            ]
        )
        .unique(maintain_order=True)
        .sort("idx", maintain_order=True)
    )
    used = und_errs.select("file", "row").unique()
    input_errors = pl.concat(
        [
            award_errors.join(used, on=["file", "row"], how="anti").select(*ERRORS_SCHEMA),
            inputs.other_errors.select(*ERRORS_SCHEMA),
        ]
    ).unique(maintain_order=True)  # an event's error is given for both of its orgnr
    apps = apps.with_columns(has_error=pl.col("has_error") | pl.col("idx").is_in(errors["idx"].implode()))

    # Pairs application x award of the same undertaking.
    covid = rules.covid
    ranked = "batch_rank" in aw_all.columns and "batch_rank" in apps.columns
    pairs = (
        apps.filter(~pl.col("has_error"))
        .select(
            "idx",
            "grant_date",
            "window_from",
            "entry_id",
            "in_force",
            *(["batch_rank"] if ranked else []),
        )  # fmt: skip
        .join(member.rename({"orgnr": "holder"}), on="idx")
        .join(
            aw_all.rename({"fx_status": "aw_fx_status", "batch_rank": "aw_batch_rank"}, strict=False),
            on="holder",
        )  # fmt: skip
    )
    if ranked:  # an application of the batch counts only for the ones ranked after it
        rank = pl.col("aw_batch_rank")
        pairs = pairs.filter(rank.is_null() | (rank < pl.col("batch_rank"))).drop(
            "batch_rank", "aw_batch_rank"
        )
    pairs = copies_in_force(pairs, member)
    lim = reg.filter(pl.col("limit_id").is_not_null()).unique(["entry_id", "limit_id"], maintain_order=True)
    lim_bases = lim.select("entry_id", "limit_id", pl.col("limit_counts").alias("basis")).explode("basis")
    dm_bases = lim_bases.select("entry_id", "basis").unique().with_columns(dm=pl.lit(True))
    pairs = pairs.join(dm_bases, on=["entry_id", "basis"], how="left").with_columns(
        in_window=pl.col("granted_on").is_between("window_from", "grant_date").fill_null(False),
        dm=pl.col("dm").fill_null(False),
        # the ceiling is per Member State (Art 3(2)): aid granted by another state is shown, not summed
        own_state=pl.col("country").fill_null(HOME_STATE) == HOME_STATE,
    )
    pairs = pairs.with_columns(
        in_window=pl.col("in_window") & pl.col("own_state"),
        tf=pl.col("own_state")
        & pl.col("basis").is_in(covid.counts)
        & summed
        & pl.col("granted_on").is_between(pl.lit(covid.counts_from), "grant_date"),
    )
    pairs = pairs.with_columns(
        counted=pl.col("dm") & pl.col("in_window") & summed,
        why=pl.when(pl.col("granted_on") > pl.col("grant_date"))
        .then(pl.lit("after_grant_date"))
        .when(~pl.col("own_state"))
        .then(pl.lit("other_state"))
        .when(pl.col("basis") == EU_CENTRAL)
        .then(pl.lit("eu_central"))
        .when(~pl.col("in_force").fill_null(False))
        .then(pl.lit("no_regime"))
        .when(~summed)
        .then(pl.col("not_summed"))
        .when(pl.col("dm") & pl.col("in_window"))
        .then(pl.lit("in_window"))
        .when(pl.col("dm"))
        .then(pl.lit("before_window"))
        .when(pl.col("tf"))
        .then(pl.lit("covid_tf"))
        .when(pl.col("basis") == "other")
        .then(pl.lit("basis_other"))
        .otherwise(pl.lit("not_de_minimis")),
    )

    # Ceiling tests: every limit of the entry, sector ceiling where one applies.
    sums = (
        pairs.filter(pl.col("in_window") & summed)
        .join(lim_bases, on=["entry_id", "basis"])
        .group_by("idx", "limit_id")
        .agg(pl.col("eur_cents").sum().alias("prior_cents"))
    )
    sector_ceilings = (
        lim.select("entry_id", "limit_id", "sector_ceilings")
        .explode("sector_ceilings")
        .drop_nulls("sector_ceilings")
        .unnest("sector_ceilings")
        .rename({"cents": "sector_ceiling_cents"})
    )
    et_rows = with_advantage_transfers(et_adv, inputs.events)
    et_pairs = window_pairs(apps.filter(~pl.col("has_error")), et_rows, member, rates)
    et_pairs = register_combine.prefer_register(copies_in_force(et_pairs, member))
    et_sum = (
        et_pairs.filter(pl.col("counted"))
        .group_by("idx")
        .agg(et_nok_cents=pl.col("advantage_cents").sum(), et_eur_cents=pl.col("eur_cents").sum())
    )
    missing = (
        apps.select("idx", "members", "grant_date", "window_from")
        .explode("members")
        .join(et_missing.rename({"orgnr": "members"}), on="members")
        .filter(pl.col("year").is_between(pl.col("window_from").dt.year(), pl.col("grant_date").dt.year()))
        .group_by("idx")
        .agg(et_missing=pl.col("members").unique().sort())
    )
    apps = (
        apps.join(et_sum, on="idx", how="left")
        .join(missing, on="idx", how="left")
        .with_columns(
            pl.col("et_nok_cents", "et_eur_cents").fill_null(0),
            et_assumed=pl.lit(inputs.employer_tax_missing == "assume-max"),
        )
    )
    tests = (
        apps.filter(pl.col("in_force").fill_null(False) & ~pl.col("has_error"))
        .select("idx", "entry_id", "sector", "et_eur_cents")
        .join(
            lim.select("entry_id", "limit_id", "limit_order", "limit_counts", "ceiling_cents"), on="entry_id"
        )
        .join(sector_ceilings, on=["entry_id", "limit_id", "sector"], how="left")
        .join(sums, on=["idx", "limit_id"], how="left")
        .with_columns(
            ceiling_cents=pl.coalesce("sector_ceiling_cents", "ceiling_cents"),
            prior_cents=pl.col("prior_cents").fill_null(0),
            et_cents=pl.col("et_eur_cents") * pl.col("limit_counts").list.contains(EMPLOYER_TAX),
        )
    )
    tests = tests.with_columns(
        headroom_cents=pl.col("ceiling_cents") - pl.col("prior_cents") - pl.col("et_cents")
    )
    binding = (
        tests.sort("idx", "headroom_cents", "limit_order")
        .group_by("idx", maintain_order=True)
        .agg(
            pl.col("limit_id", "ceiling_cents", "prior_cents", "et_cents", "headroom_cents").first(),
            pl.struct("limit_id", "ceiling_cents", "prior_cents", "headroom_cents")
            .sort_by("limit_order")
            .alias("limits"),
        )
    )
    apps = apps.join(binding, on="idx", how="left")

    # The new aid's gross grant equivalent (loans, guarantees, injections, instalments, fixed sums).
    apps = gge.attach(apps, rules)

    # Covid TF 3.1: the scheme cap at the grant date and all TF 3.1 aid since the TF began.
    apps = covid_caps(apps, pairs, covid)

    # Warnings' facts.
    flags = pairs.group_by("idx").agg(
        n_after=(pl.col("why") == "after_grant_date").sum(),
        n_other=(pl.col("why") == "basis_other").sum(),
        n_duplicate=(pl.col("duplicate") & pl.col("counted")).sum(),
        stale_dates=pl.col("rate_date")
        .filter(pl.col("counted") & (pl.col("aw_fx_status") == "stale"))
        .unique()
        .sort(),
    )
    apps = apps.join(flags, on="idx", how="left")

    apps = apps.with_columns(
        counted_total_cents=pl.col("prior_cents") + pl.col("et_cents"),
        headroom_after_cents=pl.col("headroom_cents") - pl.col("new_cents"),
        max_cents=pl.max_horizontal(pl.col("headroom_cents"), pl.lit(0)),
        tf_headroom_cents=pl.col("cap_cents") - pl.col("tf_prior_cents"),
    )
    apps = apps.with_columns(
        max_cur_cents=from_eur_cents_floor_expr(pl.col("max_cents"), pl.col("app_rate_micro")),
        route=route_expr(),
    )
    apps = apps.join(headroom_calendar(apps, pairs, et_pairs, lim_bases), on="idx", how="left")
    counted = (
        pl.concat(
            [pairs.with_columns(fx_date=pl.col("granted_on")), as_counted(et_pairs)],
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
    )
    plinks = perimeter_links(apps, inputs.links)
    natural = (
        plinks.filter(pl.col("counted") & (pl.col("link_type") == "natural_person"))
        .group_by("idx")
        .agg(natural_groups=pl.col("undertaking_id").unique().sort())
    )
    apps = apps.join(natural, on="idx", how="left")
    consulted = inputs.register.consulted if inputs.register is not None else None
    return Result(apps.sort("idx"), counted, errors, input_errors, inputs.sources, consulted, links=plinks)


__all__ = ["ERRORS_SCHEMA", "Inputs", "Result", "run"]
