"""Aid paid in instalments, discounted to its value at the grant date (Art 3(6)).

Each payment is divided by (1 + rate)^t, t the time from the grant date in years, and rounded
half-up to the cent; the GGE is the sum of the rounded figures. Convention (documented in the
README): t counts whole years by anniversary of the grant date (29 February -> 28 February) plus
the days since the last anniversary over the days of that year, so a payment exactly one year
later is discounted once. A payment on or before the grant date is not discounted. The
arithmetic is exact (``decimal`` at 50 digits), never float.

>>> import datetime as dt
>>> pv = present_values([(dt.date(2026, 3, 1), 600_000_00), (dt.date(2027, 3, 1), 400_000_00)],
...                     530, dt.date(2026, 3, 1))
>>> [p["pv_cents"] for p in pv], sum(p["pv_cents"] for p in pv)
([60000000, 37986705], 97986705)
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

import polars as pl

STEP = pl.Struct({"date": pl.Date, "cents": pl.Int64, "years": pl.Utf8, "pv_cents": pl.Int64})
"""One payment with its discount: the date, the amount, t in years (text, 4 decimals) and its value."""


def _anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return start.replace(year=start.year + years, day=28)


def years_between(start: dt.date, end: dt.date) -> Decimal:
    """Years from ``start`` to ``end`` (0 when ``end`` is not later), as an exact fraction."""
    if end <= start:
        return Decimal(0)
    n = end.year - start.year
    if _anniversary(start, n) > end:
        n -= 1
    last, following = _anniversary(start, n), _anniversary(start, n + 1)
    return Decimal(n) + Decimal((end - last).days) / Decimal((following - last).days)


def present_values(
    payments: list[tuple[dt.date, int]], rate_hundredths: int | None, grant_date: dt.date
) -> list[dict]:
    """Each payment with ``years`` and ``pv_cents`` (see the module docstring)."""
    out = []
    with localcontext() as ctx:
        ctx.prec = 50
        base = 1 + Decimal(rate_hundredths or 0) / Decimal(10_000)
        for day, cents in payments:
            t = years_between(grant_date, day)
            value = Decimal(cents) / (base**t) if t else Decimal(cents)
            pv = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            out.append({"date": day, "cents": cents, "years": f"{t:.4f}", "pv_cents": pv})
    return out


def discount_table(apps: pl.DataFrame) -> pl.DataFrame:
    """``idx``, ``instalments`` (list of :data:`STEP`) and ``instalments_pv_cents`` for every
    application with payments; computed once per distinct (payments, rate, grant date)."""
    keys = ["payments", "discount_hundredths", "grant_date"]
    rows = apps.filter(pl.col("payments").list.len() > 0).select("idx", *keys)
    if rows.is_empty():  # the usual case: no application is paid in instalments
        return pl.DataFrame(
            schema={"idx": rows.schema["idx"], "instalments": pl.List(STEP), "instalments_pv_cents": pl.Int64}
        )
    distinct = rows.select(keys).unique(maintain_order=True)
    steps = [
        present_values(
            [(p["date"], p["cents"]) for p in r["payments"]], r["discount_hundredths"], r["grant_date"]
        )
        for r in distinct.iter_rows(named=True)
    ]
    table = distinct.with_columns(
        instalments=pl.Series(steps, dtype=pl.List(STEP)),
        instalments_pv_cents=pl.Series([sum(s["pv_cents"] for s in st) for st in steps], dtype=pl.Int64),
    )
    return rows.join(table, on=keys, how="left", nulls_equal=True).select(
        "idx", "instalments", "instalments_pv_cents"
    )


__all__ = ["STEP", "discount_table", "present_values", "years_between"]
