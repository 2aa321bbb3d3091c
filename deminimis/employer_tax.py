"""Zone Ia employer-tax advantage (and the § 4 fribeløp) as de minimis aid.

In zone Ia an employer in the general industries pays 10.6 % instead of 14.1 % until the
advantage, wage base × 3.5 pp, reaches the yearly fribeløp; that advantage is de minimis
aid (avgiftsvedtaket § 4; Skatte-ABC A-14-6.6). Sector-excluded employers and firms in
difficulty get the same mechanism in zones II–V at their local gap. The fribeløp is per
legal entity and calendar year and is reduced by other de minimis aid received the same
year ("samordning") on or before the grant date being decided: aid is granted when the
right is conferred (2831 Art 3(3)) and Skatteetaten reduces only the fribeløp that remains
(Skatte-ABC A-14-6.6), so later aid cannot undo an advantage already enjoyed. Each row is
therefore computed once per *cutoff* (:func:`scenarios`): "no other aid yet" and each date
other aid of that entity and year was granted; a decision takes the latest cutoff on or
before its grant date. Monthly rows follow the a-melding: the cumulative advantage after
month m is ``max(0, cummax_k≤m min(potential_1..k, fribeløp − other aid_1..k))``
(employer_tax.md T5/T6); a yearly row that meets other aid of its year is read as twelve equal
months (the convention ``[monthly_reading]`` of ``rules/employer_tax.toml``), so yearly and
monthly rows of a year agree for grants in any month. Zones, rates and fribeløp are data
(``rules/aga_zones.csv``, ``rules/employer_tax.toml``). Amounts are integer øre; rates are
tenths of a percent.

>>> figures = year_figures(base="10000000", kommunenummer="4611", year=2023)
>>> figures["zone"], figures["advantage_nok"], figures["aga_nok"]
('Ia', '350000.00', '1060000.00')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from deminimis.aga_zones import EmployerTaxData, fribelop_frame, load, rate_frame, tenths, zone_frame
from deminimis.employer_tax_rows import canonical_rows
from deminimis.errors import RuleDataError
from deminimis.money import cents_expr, format_cents


def _half_up(num: pl.Expr, den: int) -> pl.Expr:
    return ((num.cast(pl.Int128) * 2 + den) // (2 * den)).cast(pl.Int64)


NO_AID = dt.date(1, 1, 1)
"""The cutoff before any other aid was granted (every row has this scenario)."""


def scenarios(rows: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``orgnr, year, cutoff``: the cutoffs under which a row's advantage can differ.

    Without ``granted_on`` in ``other`` a single scenario (cutoff null: all other aid counts).
    A declared advantage is counted as given, so only its entity-years with a wage-base row
    need more than the "no other aid yet" cutoff.
    """
    keys = rows.select("orgnr", "year").unique()
    if "granted_on" not in other.columns:
        return keys.with_columns(cutoff=pl.lit(None, pl.Date))
    computed = rows.filter(pl.col("advantage_cents").is_null()).select("orgnr", "year").unique()
    dated = other.select("orgnr", "year", cutoff="granted_on").unique().join(computed, on=["orgnr", "year"])
    return pl.concat([keys.with_columns(cutoff=pl.lit(NO_AID)), dated]).unique()


def _months(f: pl.DataFrame) -> pl.DataFrame:
    """One row per month the a-melding rule runs over (``month_key``, ``potential_cents``).

    A monthly row is its own month. A yearly wage-base row that meets other de minimis aid of
    its year is read as twelve equal months (``spread``; the convention in
    ``rules/employer_tax.toml`` [monthly_reading]): after month k, k/12 of the year's potential
    advantage (itself in øre), half-up to the øre, so month 12 is the yearly figure. Without
    other aid the months add up to the yearly figure anyway, so such a row stays one row.
    """
    spread = (
        pl.col("month").is_null()
        & pl.col("advantage_cents").is_null()
        & (pl.col("cutoff").is_null() | (pl.col("cutoff") != NO_AID))
    )
    f = f.with_columns(
        spread=spread.fill_null(False),
        month_key=pl.when(spread)
        .then(pl.int_ranges(1, 13))
        .otherwise(pl.concat_list(pl.col("month").fill_null(12))),
    ).explode("month_key")
    cum = _half_up(pl.col("potential_cents") * pl.col("month_key"), 12)
    before = _half_up(pl.col("potential_cents") * (pl.col("month_key") - 1), 12)
    return f.with_columns(
        potential_cents=pl.when(pl.col("spread")).then(cum - before).otherwise("potential_cents")
    )


def _other_to_month(f: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``other_cum_cents``: other de minimis aid of the entity-year up to each month and cutoff.

    Undated other aid (no ``month``) counts from January: the yearly formula's reading.
    """
    o = other.with_columns(month=pl.col("month").fill_null(1))
    if "granted_on" not in o.columns:
        o = o.with_columns(granted_on=pl.lit(None, pl.Date))
    months = f.select("orgnr", "year", "month_key", "cutoff").unique()
    cum = (
        months.join(o, on=["orgnr", "year"], how="inner")
        .filter(
            (pl.col("month") <= pl.col("month_key"))
            & (pl.col("cutoff").is_null() | (pl.col("granted_on") <= pl.col("cutoff")))
        )
        .group_by("orgnr", "year", "month_key", "cutoff")
        .agg(pl.col("other_cents").sum().alias("other_cum_cents"))
    )
    return f.join(
        cum, on=["orgnr", "year", "month_key", "cutoff"], how="left", nulls_equal=True
    ).with_columns(other_cum_cents=pl.col("other_cum_cents").fill_null(0))


def advantages(rows: pl.DataFrame, other: pl.DataFrame, data: EmployerTaxData) -> pl.DataFrame:
    """Advantage per employer-tax row and cutoff (``advantage_cents``), with zone, gap and fribeløp.

    ``rows``: orgnr, year, month (null = yearly), advantage_cents (declared) or base_cents +
    zone, sector. ``other``: orgnr, year, month, other_cents (other de minimis aid in NOK) and
    optionally granted_on: then each row comes once per cutoff (:func:`scenarios`), counting
    only other aid granted on or before it. ``spread`` marks a yearly row read as twelve months.
    """
    full = tenths(data.file.full_rate_percent)
    sectors = pl.DataFrame(
        [
            {"sector": s.id, "scheme_zones": s.fribelop_zones, "fribelop_key": s.fribelop_key}
            for s in data.file.sectors
        ]
    )
    f = (
        rows.with_row_index("_r")
        .join(scenarios(rows, other), on=["orgnr", "year"], how="left")
        .join(sectors, on="sector", how="left")
        .join(rate_frame(data), on=["year", "zone"], how="left")
        .join(fribelop_frame(data), on=["year", "fribelop_key"], how="left")
        .with_columns(
            in_scheme=pl.col("advantage_cents").is_not_null()
            | pl.col("scheme_zones").list.contains(pl.col("zone")).fill_null(False)
        )
    )
    f = f.with_columns(
        gap_tenths=pl.when(pl.col("in_scheme") & pl.col("local_tenths").is_not_null())
        .then(full - pl.col("local_tenths"))
        .otherwise(0)
    )
    f = f.with_columns(potential_cents=_half_up(pl.col("base_cents") * pl.col("gap_tenths"), 1000))
    m = _other_to_month(_months(f), other).sort("orgnr", "year", "cutoff", "month_key", "_r")
    per = ("orgnr", "year", "cutoff")
    room = pl.max_horizontal(pl.col("fribelop_cents") - pl.col("other_cum_cents"), pl.lit(0))
    # the a-melding: cumulative advantage after month k = max(0, cummax min(potential so far, room))
    # (three flat window steps; a nested cum_sum().over() inside cum_max().over() is ~6x slower)
    m = m.with_columns(_pot_cum=pl.col("potential_cents").cum_sum().over(per))
    m = m.with_columns(_bound=pl.min_horizontal(pl.col("_pot_cum"), room))
    m = m.with_columns(_cum=pl.max_horizontal(pl.col("_bound").cum_max().over(per), pl.lit(0)))
    m = m.with_columns(computed=pl.col("_cum") - pl.col("_cum").shift(1, fill_value=0).over(per))
    got = m.group_by("_r", "cutoff").agg(pl.col("computed").sum(), pl.col("spread").first())
    f = f.join(got, on=["_r", "cutoff"], how="left", nulls_equal=True)
    f = f.with_columns(
        advantage_cents=pl.coalesce(
            "advantage_cents", pl.when(pl.col("in_scheme")).then("computed").otherwise(0)
        ),
        aga_cents=pl.when(pl.col("in_scheme"))
        .then(_half_up(pl.col("base_cents") * full, 1000) - pl.col("computed"))
        .otherwise(_half_up(pl.col("base_cents") * pl.col("local_tenths"), 1000)),
        # wage base at which the fribeløp is used up: fribeløp / gap, half-up to the øre
        breakeven_cents=pl.when(pl.col("gap_tenths") > 0).then(
            (
                (pl.col("fribelop_cents").cast(pl.Int128) * 2000 + pl.col("gap_tenths"))
                // (2 * pl.col("gap_tenths"))
            ).cast(pl.Int64)
        ),
        spread=pl.col("spread") & pl.col("in_scheme"),
    )
    return f.sort("_r", "cutoff").drop("_r", "computed", "scheme_zones")


def year_figures(
    *,
    base: str,
    kommunenummer: str,
    year: int,
    area: str | None = None,
    sector: str = "general",
    other_nok: str = "0",
    directory: Path | None = None,
) -> dict[str, str | None]:
    """One year's figures for one employer (a batch of one through :func:`advantages`)."""
    data = load(directory)
    raw = pl.DataFrame(
        {"year": [year], "kommunenummer": [kommunenummer], "area": [area]},
        schema={"year": pl.Int64, "kommunenummer": pl.Utf8, "area": pl.Utf8},
    )
    zoned = zone_frame(raw, data)
    if (problem := zoned["zone_problem"][0]) is not None:
        raise RuleDataError(problem)
    rows = zoned.select(
        orgnr=pl.lit("0"),
        year="year",
        month=pl.lit(None, pl.Int64),
        advantage_cents=pl.lit(None, pl.Int64),
        base_cents=cents_expr(pl.lit(base)),
        zone="zone",
        sector=pl.lit(sector),
    )
    other = pl.DataFrame(
        {
            "orgnr": ["0"],
            "year": [year],
            "month": [None],
            "other_cents": [pl.select(cents_expr(pl.lit(other_nok))).item()],
        },
        schema={"orgnr": pl.Utf8, "year": pl.Int64, "month": pl.Int64, "other_cents": pl.Int64},
    )
    r = advantages(rows, other, data).row(0, named=True)
    return {
        "zone": r["zone"],
        "advantage_nok": format_cents(r["advantage_cents"]),
        "aga_nok": format_cents(r["aga_cents"]),
        "breakeven_base_nok": format_cents(r["breakeven_cents"]) if r["breakeven_cents"] else None,
        "fribelop_nok": format_cents(r["fribelop_cents"]),
    }


def period_bounds(year: pl.Expr, month: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of a yearly (month null) or monthly row."""
    start = pl.date(year, month.fill_null(1), 1)
    end = pl.when(month.is_null()).then(pl.date(year, 12, 31)).otherwise(start.dt.month_end())
    return start, end


__all__ = [
    "EmployerTaxData",
    "NO_AID",
    "advantages",
    "canonical_rows",
    "load",
    "period_bounds",
    "scenarios",
    "year_figures",
    "zone_frame",
]
