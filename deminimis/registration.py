"""What the grantor must register after the grant (Reg. 2023/2831 Art 6), for every decision at once.

Art 6(1) fields: the beneficiary (orgnr and name), the aid amount, the grant date, the granting
authority, the aid instrument and the NACE sector. Art 6(2): within 20 working days of the grant;
the working days are Monday to Friday except Norway's public holidays as the maintained
``holidays`` package lists them (``holidays.NO``, without its "every Sunday" entries; shipped
as ``rules/public_holidays_no.csv`` for 2000–2060): New Year's
Day, Maundy Thursday, Good Friday, Easter Monday, 1 May, Ascension Day, 17 May, Whit Monday,
Christmas Day and Boxing Day. Christmas Eve and New Year's Eve are not public holidays.
Art 6(3): records kept 10 years from the grant; under 1407/2013 Art 6(4), 10 fiscal years (to
the end of the tenth fiscal year after the grant's, the later and so the safe date).
Figures, routes and citations: ``rules/register.toml`` ``[registration]``.

>>> due_date(dt.date(2026, 12, 18))
datetime.date(2027, 1, 19)
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import polars as pl

from deminimis.render import fmt
from deminimis.rule_cache import per_rules
from deminimis.sources.register_rules import RegisterRules

C = pl.col


HOLIDAYS_NO = Path(__file__).with_name("rules") / "public_holidays_no.csv"
"""Norway's public holidays 2000–2060, the ``holidays`` package's list as a table
(``scripts/make_holidays.py``): importing the package cost ~0.1 s of every check."""


@lru_cache(maxsize=1)
def _shipped_no() -> dict[int, tuple[dt.date, ...]]:
    days = pl.read_csv(HOLIDAYS_NO, columns=["date"], schema_overrides={"date": pl.Date}).get_column("date")
    by_year: dict[int, list[dt.date]] = {}
    for day in days.to_list():
        by_year.setdefault(day.year, []).append(day)
    return {year: tuple(sorted(found)) for year, found in by_year.items()}


@lru_cache(maxsize=64)
def public_holidays(first_year: int, last_year: int, calendar: str = "NO") -> tuple[dt.date, ...]:
    """The public holidays of ``calendar`` in those years (weekends are the week mask's job):
    from the shipped table for Norway's years 2000–2060, else from the ``holidays`` package."""
    years = range(first_year, last_year + 1)
    shipped = _shipped_no() if calendar == "NO" else {}
    if all(year in shipped for year in years):
        return tuple(day for year in years for day in shipped[year])
    import holidays  # imports every country's calendar (~0.1 s): only outside the table

    return tuple(sorted(holidays.country_holidays(calendar, years=years, include_sundays=False)))


def due_expr(grant: pl.Expr, working_days: int, years: tuple[int, int], calendar: str = "NO") -> pl.Expr:
    """Grant date + ``working_days`` working days; a grant on a holiday counts from the next
    working day (roll back to the last working day, then add: day 1 is the next working day)."""
    hol = list(public_holidays(years[0], years[1] + 1, calendar))
    return grant.dt.add_business_days(working_days, holidays=hol, roll="backward")


def due_date(grant: dt.date, working_days: int = 20, calendar: str = "NO") -> dt.date:
    """:func:`due_expr` for one date."""
    frame = pl.DataFrame({"g": [grant]})
    return frame.select(due_expr(C("g"), working_days, (grant.year, grant.year), calendar)).item()


def keep_until_expr(rules: RegisterRules) -> pl.Expr:
    """Grant date + 10 years (29 February -> 28 February); 1407/360 regimes: end of the tenth
    fiscal year after the grant's fiscal year."""
    reg = rules.registration
    g = C("grant_date")
    this_year = pl.concat_str(g.dt.year().cast(pl.Utf8), pl.lit("-"), C("fiscal_year_start"))
    start = this_year.str.to_date("%Y-%m-%d", strict=False)
    fy_start = pl.when(g >= start).then(start).otherwise(start.dt.offset_by("-1y"))
    fiscal_end = fy_start.dt.offset_by(f"{reg.keep_years + 1}y").dt.offset_by("-1d")
    return (
        pl.when(C("regime").is_in(reg.keep_fiscal_years_regimes))
        .then(fiscal_end)
        .otherwise(g.dt.offset_by(f"{reg.keep_years}y"))
    )


def required_expr(rules: RegisterRules) -> pl.Expr:
    """Must it be registered? de minimis from ``required_from``; else by the coverage thresholds."""
    reg = rules.registration
    expr = (C("route") == "de_minimis") & (C("grant_date") >= pl.lit(reg.required_from))
    for c in rules.coverage:
        if c.threshold_eur >= 0:
            in_period = C("grant_date").is_between(pl.lit(c.valid_from), pl.lit(c.valid_to))
            expr = expr | (in_period & (C("new_cents") >= c.threshold_eur * 100))
    return expr


def _struct(rules: RegisterRules, years: tuple[int, int], instrument: bool) -> pl.Expr:
    """The ``registration`` value, for grants in ``years`` (built once per rules and years)."""
    reg = rules.registration
    due = due_expr(C("grant_date"), reg.working_days, years, reg.calendar)
    struct = pl.struct(
        beneficiary_orgnr=C("orgnr"),
        beneficiary_name=C("name"),
        aid_amount=fmt.money(C("amount_cents")),
        currency=C("currency"),
        aid_amount_eur=fmt.money(C("new_cents")),
        grant_date=fmt.iso(C("grant_date")),
        grantor=pl.lit(None, pl.Utf8),
        aid_instrument=C("instrument").fill_null("grant") if instrument else pl.lit("grant"),
        nace=C("nace"),
        regime=C("regime"),
        due_date=fmt.iso(due),
        keep_until=fmt.iso(keep_until_expr(rules)),
        required=required_expr(rules),
        citation=pl.lit(reg.citation),
    )
    return pl.when(C("route").is_in(reg.routes)).then(struct).alias("registration")


def registration(d: pl.DataFrame, rules: RegisterRules) -> pl.LazyFrame:
    """``idx, registration``: the struct for de minimis (and GBER) outcomes, null otherwise."""
    years = d.get_column("grant_date").dt.year()
    lo, hi = years.min(), years.max()
    if lo is None:
        return d.lazy().select("idx", registration=pl.lit(None, pl.Struct({"due_date": pl.Utf8})))
    struct = per_rules(_struct, rules, (int(lo), int(hi)), "instrument" in d.columns)  # type: ignore[arg-type]
    return d.lazy().select("idx", struct)


__all__ = ["due_date", "due_expr", "keep_until_expr", "public_holidays", "registration", "required_expr"]
