"""The applications' own facts: firm, sector, the new aid in EUR, the regime entry and window.

The first steps of :func:`deminimis.cumulation.run`, as two lazy plans (each polars step on the
small frames of a check costs more to start than to run, so a chain is collected once).
"""

from __future__ import annotations

import polars as pl

from deminimis import fx
from deminimis.firms import FIRM_SCHEMA
from deminimis.money import to_eur_cents_expr
from deminimis.plan import steps
from deminimis.prior_awards import fx_errors
from deminimis.rule_tables import RuleTables
from deminimis.windows import window_from_expr

_EMPTY_FIRMS = pl.DataFrame(schema=FIRM_SCHEMA)


def _firm_facts(firms: pl.DataFrame | None) -> pl.LazyFrame:
    """One row per orgnr of the firms table (the first), its columns named as the pipeline's."""
    return (
        (firms if firms is not None else _EMPTY_FIRMS)
        .lazy()
        .select(
            "orgnr",
            "name",
            pl.col("nace").alias("firm_nace"),
            "kommunenummer",
            "status",
            pl.col("source").alias("firm_source"),
            pl.col("problem").alias("firm_problem"),
            pl.col("problem_kind").alias("firm_problem_kind"),
        )
        .unique("orgnr", keep="first")
    )


def with_firm_and_sector(
    apps: pl.DataFrame, firms: pl.DataFrame | None, tables: RuleTables
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``apps`` with the firm's facts (name and NACE when the application gives none) and its
    sector by NACE prefix (an exclusion, ``manual_review``, wins over a sub-ceiling); and the
    Brønnøysund lookup errors (``idx`` + error columns)."""
    lf = (
        apps.lazy()
        .join(_firm_facts(firms), on="orgnr", how="left")
        .with_columns(nace=pl.coalesce("nace", "firm_nace"))
    )
    firm_err = lf.filter(pl.col("firm_problem_kind") == "malformed").select(
        "idx",
        file=pl.lit("brreg"),
        row=pl.lit(None, pl.Int64),
        field=pl.lit("orgnr"),
        message=pl.format("Brønnøysund lookup failed: {}", pl.col("firm_problem")),
    )
    matches = (
        lf.filter(pl.col("nace").is_not_null())
        .select("idx", "nace")
        .join(tables.sectors.lazy(), how="cross")
        .filter(pl.col("nace").str.starts_with(pl.col("prefix")))
        .sort("idx", pl.col("treatment") != "manual_review")
        .group_by("idx", maintain_order=True)
        .agg(pl.col("sector", "treatment").first())
    )
    out, err = pl.collect_all([lf.join(matches, on="idx", how="left"), firm_err], **steps())
    return out, err


def with_amount_and_regime(
    apps: pl.DataFrame, rates: pl.DataFrame, tables: RuleTables
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``apps`` with the new aid in EUR at the grant date's rate (``app_rate_*``, ``new_cents``),
    the regime entry of its scheme on the grant date and the window's first day; and the rate
    errors (``idx, file, row`` + error columns)."""
    lf = fx.attach_rates(apps.lazy(), rates, currency="currency", on="grant_date")
    lf = lf.rename({c: f"app_{c}" for c in ("rate_date", "rate", "rate_micro", "rate_source", "fx_status")})
    lf = lf.with_columns(new_cents=to_eur_cents_expr(pl.col("amount_cents"), pl.col("app_rate_micro")))
    fx_err = fx_errors(lf.rename({"app_fx_status": "fx_status"}), "grant_date", ["idx", "file", "row"])
    hit = (
        lf.select("idx", "scheme", "grant_date")
        .join(tables.entries.lazy(), on="scheme")
        .filter(pl.col("grant_date").is_between("valid_from", "valid_to"))
        .drop("scheme", "grant_date")
    )
    lf = lf.join(hit, on="idx", how="left").with_columns(
        window_from=window_from_expr("grant_date", "window_kind", "window_years", "fiscal_year_start")
    )
    out, err = pl.collect_all([lf, fx_err], **steps())
    return out, err


__all__ = ["with_amount_and_regime", "with_firm_and_sector"]
