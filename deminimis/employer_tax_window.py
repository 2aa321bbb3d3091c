"""The employer-tax advantage that falls in each application's window (contract §4).

A year's advantage counts in full if its calendar year overlaps the window, whether it is
given as one yearly row or as monthly rows. Each row's advantage is the one of the latest
*cutoff* on or before the grant date (:func:`deminimis.employer_tax.scenarios`): other aid
granted later does not reduce it. NOK -> EUR at the rate of the year's last publication
day, or at the grant date's rate for the grant year. Firms known to sit in zone Ia (firms file)
with no employer-tax row are flagged (`employer_tax_missing`); with
``employer_tax_missing="assume-max"`` the full fribeløp of each Ia year is counted instead.
"""

from __future__ import annotations

import polars as pl

from deminimis import employer_tax, fx
from deminimis.events import copies_in_force
from deminimis.money import to_eur_cents_expr
from deminimis.plan import options

DE_MINIMIS_PREFIX = "de_minimis"


def other_aid_nok(aw: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """Other de minimis aid per legal entity, year and month, in NOK øre (for samordning)."""
    own = pl.col("country").fill_null("NO") == "NO" if "country" in aw.columns else pl.lit(True)
    dm = aw.filter(pl.col("basis").str.starts_with(DE_MINIMIS_PREFIX) & own).with_columns(_nok=pl.lit("NOK"))
    dm = fx.attach_rates(dm.lazy(), rates, currency="_nok", on="granted_on", prefix="nok_").collect(
        **options()
    )
    nok = (
        pl.when(pl.col("currency") == "NOK")
        .then(pl.col("amount_cents"))
        .otherwise(
            (
                (pl.col("eur_cents").cast(pl.Int128) * pl.col("nok_rate_micro") * 2 + 10**6) // (2 * 10**6)
            ).cast(pl.Int64)
        )
    )
    return dm.select(
        "orgnr",
        "granted_on",
        year=pl.col("granted_on").dt.year().cast(pl.Int64),
        month=pl.col("granted_on").dt.month().cast(pl.Int64),
        other_cents=nok,
    )


def ia_years(firms: pl.DataFrame | None, data: employer_tax.EmployerTaxData) -> pl.DataFrame:
    """(orgnr, year) where the firm's kommune has a zone Ia area that year.

    Firm facts carry today's kommunenummer; for years before that number existed (the 2020
    and 2024 reforms renumbered many kommuner) the zone of its first year is assumed.
    """
    if firms is None or firms.is_empty():
        return pl.DataFrame(schema={"orgnr": pl.Utf8, "year": pl.Int64})
    zones = data.zones.select("year", "kommunenummer", "zone")
    first = zones.group_by("kommunenummer").agg(pl.col("year").min().alias("first"))
    earlier = (
        zones.join(first, on="kommunenummer")
        .filter(pl.col("year") == pl.col("first"))
        .with_columns(year=pl.int_ranges(data.years[0], pl.col("first")))
        .explode("year")
        .drop_nulls("year")
        .select(zones.columns)
    )
    ia = (
        pl.concat([zones, earlier.with_columns(pl.col("year").cast(pl.Int64))])
        .filter(pl.col("zone").is_in(data.file.de_minimis_zones))
        .select("year", "kommunenummer")
    )
    places = pl.concat_list(
        pl.col("kommunenummer"),
        pl.col("underenhet_kommuner").fill_null(pl.lit([], pl.List(pl.Utf8)))
        if "underenhet_kommuner" in firms.columns
        else pl.lit([], pl.List(pl.Utf8)),
    )  # the business address and every underenhet (employer_tax.md §4)
    return (
        firms.select("orgnr", kommunenummer=places)
        .explode("kommunenummer")
        .drop_nulls("kommunenummer")
        .with_columns(kommunenummer=pl.col("kommunenummer").str.zfill(4))
        .join(ia, on="kommunenummer")
        .select("orgnr", "year")
        .unique()
    )


def assumed_rows(missing: pl.DataFrame, data: employer_tax.EmployerTaxData) -> pl.DataFrame:
    """Synthetic yearly rows counting the full general fribeløp (the conservative answer)."""
    fribelop = pl.DataFrame(
        [
            {"year": y, "advantage_cents": e.general * 100}
            for e in data.file.fribelop
            for y in range(e.year_from, e.year_to + 1)
        ]
    )
    return missing.join(fribelop, on="year").with_columns(
        file=pl.lit("assumed (--employer-tax-missing assume-max)"),
        row=pl.lit(None, pl.Int64),
        month=pl.lit(None, pl.Int64),
        zone=pl.lit("Ia"),
        sector=pl.lit("general"),
        in_scheme=pl.lit(True),
        spread=pl.lit(False),
        assumed=pl.lit(True),
    )


_NO_ROWS: dict[tuple, pl.DataFrame] = {}
"""The (empty) pairs of a run without employer-tax rows, per input schema: most checks have none."""


def window_pairs(
    apps: pl.DataFrame, rows: pl.DataFrame, member: pl.DataFrame, rates: pl.DataFrame
) -> pl.DataFrame:
    """:func:`_window_pairs`; with no rows the pairs are empty (an inner join on the rows), and
    their typed empty frame is planned once per input schema."""
    if not rows.is_empty():
        return _window_pairs(apps, rows, member, rates)
    key = tuple(tuple(f.schema.items()) for f in (apps, rows, member, rates))
    if key not in _NO_ROWS:
        _NO_ROWS[key] = _window_pairs(apps.clear(), rows, member.clear(), rates)
    return _NO_ROWS[key]


def _window_pairs(
    apps: pl.DataFrame, rows: pl.DataFrame, member: pl.DataFrame, rates: pl.DataFrame
) -> pl.DataFrame:
    """Application x employer-tax row of its undertaking whose year overlaps the window, in EUR,
    each row at the latest cutoff on or before the grant date. Copies passed on by events that
    are not in force are dropped first: a year's rows are converted as one sum, so a dropped
    copy must not take part in its rounding."""
    start, end = employer_tax.period_bounds(pl.col("year"), pl.col("month"))
    r = rows.with_columns(period_start=start, period_end=end, year_end=pl.date(pl.col("year"), 12, 31))
    p = (
        apps.select("idx", "grant_date", "window_from")
        .join(member, on="idx")
        .join(r, on="orgnr")
        .filter(
            (pl.col("year_end") >= pl.col("window_from"))
            & (pl.date(pl.col("year"), 1, 1) <= pl.col("grant_date"))
            & (pl.col("cutoff") <= pl.col("grant_date"))
        )
        .filter(pl.col("cutoff") == pl.col("cutoff").max().over("idx", "et_id"))
    )
    if "is_copy" in p.columns:  # copies an event passes on: only those in force, before the EUR sums
        p = copies_in_force(p, member)
    conv = (
        pl.when(pl.col("year") == pl.col("grant_date").dt.year())
        .then(pl.col("grant_date"))
        .otherwise(pl.date(pl.col("year"), 12, 31))
    )
    p = p.with_columns(_nok=pl.lit("NOK"), fx_date=pl.min_horizontal(conv, pl.col("grant_date")))
    p = fx.attach_rates(p.lazy(), rates, currency="_nok", on="fx_date").collect(**options())
    period = (
        pl.when(pl.col("month").is_null())
        .then(pl.col("year").cast(pl.Utf8))
        .otherwise(pl.format("{}-{}", pl.col("year"), pl.col("month").cast(pl.Utf8).str.zfill(2)))
    )
    # One year's rows are converted as one figure: each row gets the change in the rounded
    # cumulative sum, so twelve monthly rows add up to the yearly row's EUR to the cent.
    year_of = ("idx", "orgnr", "year")
    p = p.sort("idx", "orgnr", "year", "month", nulls_last=False, maintain_order=True)
    cum = to_eur_cents_expr(pl.col("advantage_cents").cum_sum().over(year_of), pl.col("rate_micro"))
    p = p.with_columns(_cum_eur=cum)
    return p.with_columns(
        eur_cents=pl.col("_cum_eur") - pl.col("_cum_eur").shift(1, fill_value=0).over(year_of),
        period=period,
        counted=pl.col("in_scheme"),
        why=pl.when(pl.col("in_scheme")).then(pl.lit("in_window")).otherwise(pl.lit("not_de_minimis_zone")),
    )


def employer_tax_rows(
    rows: pl.DataFrame | None,
    firms: pl.DataFrame | None,
    missing_rule: str,
    aw: pl.DataFrame,
    rates: pl.DataFrame,
    data: employer_tax.EmployerTaxData,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Advantage rows (declared, computed, or assumed) and the zone Ia firms without rows."""
    cols = ["et_id", "cutoff", "file", "row", "orgnr", "year", "month", "advantage_cents", "zone"]
    cols += ["sector", "in_scheme", "spread"]
    if rows is None or rows.is_empty():
        adv = pl.DataFrame(
            schema={
                "et_id": pl.UInt32,
                "cutoff": pl.Date,
                "file": pl.Utf8,
                "row": pl.Int64,
                "orgnr": pl.Utf8,
                "year": pl.Int64,
                "month": pl.Int64,
                "advantage_cents": pl.Int64,
                "zone": pl.Utf8,
                "sector": pl.Utf8,
                "in_scheme": pl.Boolean,
                "spread": pl.Boolean,
            }
        )
    else:
        rows = rows.with_row_index("et_id")
        adv = employer_tax.advantages(rows, other_aid_nok(aw, rates), data).select(cols)
    missing = ia_years(firms, data).join(adv.select("orgnr").unique(), on="orgnr", how="anti")
    adv = adv.with_columns(assumed=pl.lit(False))
    if missing_rule == "assume-max" and not missing.is_empty():
        first = (adv["et_id"].max() or 0) + 1 if not adv.is_empty() else 0
        extra = assumed_rows(missing, data).with_columns(
            et_id=(pl.int_range(pl.len()) + first).cast(pl.UInt32), cutoff=pl.lit(employer_tax.NO_AID)
        )
        adv = pl.concat([adv, extra.select(adv.columns)])
    return adv, missing


def as_counted(et_pairs: pl.DataFrame) -> pl.DataFrame:
    """Employer-tax pairs in the shape of the counted-awards table; a copy an event passed on
    (:func:`deminimis.events.with_advantage_transfers`) names whose advantage it was and the
    events, as a copied award does."""
    return et_pairs.select(
        "idx",
        "file",
        "row",
        pl.col("et_orgnr").alias("orgnr"),
        pl.col("period_start").alias("granted_on"),
        pl.lit("de_minimis").alias("basis"),
        pl.col("advantage_cents").alias("amount_cents"),
        pl.lit("NOK").alias("currency"),
        "eur_cents",
        "fx_date",
        "rate_date",
        "rate",
        "rate_source",
        "counted",
        "why",
        pl.lit(False).alias("duplicate"),
        pl.lit("Skatteetaten (arbeidsgiveravgift)").alias("grantor"),
        pl.col("period").alias("reference"),
        source=pl.lit("employer_tax"),
        period="period",
        zone="zone",
        in_scheme="in_scheme",
        assumed="assumed",
        spread="spread",  # a yearly row read as twelve months (rules/employer_tax.toml [monthly_reading])
        is_copy="is_copy",
        steps="steps",
    )


__all__ = ["as_counted", "assumed_rows", "employer_tax_rows", "ia_years", "other_aid_nok", "window_pairs"]
