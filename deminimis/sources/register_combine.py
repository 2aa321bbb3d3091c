"""Combining the register's rows with the declared awards and the employer-tax rows.

- An award in both the declaration and the register (same orgnr, grant date, amount and
  currency, or the register id given as the declared ``reference``) is one award: the declared
  row stays, with ``sources`` naming both; the register row is dropped.
- A register award nobody declared is counted, flagged ``mismatch = not_declared``; a declared
  award dated where the register should hold it (coverage data in ``register.toml``) for a firm
  the register was consulted on, but not found there, is flagged ``not_in_register``.
- A register row whose status is not "registered" (e.g. ``Ulovlig støtte``) is shown, not summed
  (``not_summed = register_status``); loans, guarantees and equity are flagged as possibly
  nominal; interval rows count at the upper bound (typed so in :mod:`deminimis.sources.register`).
- Rows of the employer-tax de minimis scheme (1000031862) become employer-tax rows for their
  month (:func:`employer_tax_rows`); :func:`prefer_register` then leaves out an employer-tax file
  row for the same month (or the smaller of a yearly row and the register's months), saying so.
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.sources.register import RegisterEvidence
from deminimis.sources.register_rules import RegisterRules

C = pl.col
DE_MINIMIS = ("de_minimis", "de_minimis_sgei", "de_minimis_agriculture", "de_minimis_fishery")
EXTRA = {
    "sources": pl.List(pl.Utf8),
    "mismatch": pl.Utf8,
    "not_summed": pl.Utf8,
    "reg_status": pl.Utf8,
    "reg_nominal": pl.Utf8,
    "reg_interval": pl.Boolean,
    "reg_unclassified": pl.Utf8,
}
"""Columns :func:`combine` adds to the awards table (null/empty for plain declared rows)."""
KEY = ["orgnr", "granted_on", "amount_cents", "currency"]


def _declared_source() -> pl.Expr:
    return pl.concat_list(pl.format("{}:{}", C("file"), C("row").cast(pl.Utf8).fill_null("")))


def _with_extra(awards: pl.DataFrame) -> pl.DataFrame:
    return awards.with_columns(_nulls(tuple(name for name in EXTRA if name not in awards.columns)))


@functools.cache
def _nulls(names: tuple[str, ...]) -> list[pl.Expr]:
    """Null columns of the :data:`EXTRA` types (built once per set of absent names)."""
    return [pl.lit(None, EXTRA[name]).alias(name) for name in names]


def _should_hold(rules: RegisterRules) -> pl.Expr:
    """Declared awards the register should hold: de minimis from the de minimis coverage start,
    or an EUR amount at or above the period's threshold (NOK amounts: not tested, see README)."""
    expr = pl.lit(False)
    for c in rules.coverage:
        in_period = C("granted_on").is_between(pl.lit(c.valid_from), pl.lit(c.valid_to))
        if c.de_minimis:
            expr = expr | (in_period & C("basis").is_in(DE_MINIMIS))
        if c.threshold_eur > 0:
            big = (C("currency") == "EUR") & (C("amount_cents") >= c.threshold_eur * 100)
            expr = expr | (in_period & big)
    return expr


def _matches(declared: pl.DataFrame, reg: pl.DataFrame) -> pl.DataFrame:
    """``d_idx, r_idx`` pairs: each declared row and each register row matched at most once."""
    by_key = declared.select("d_idx", *KEY).join(reg.select("r_idx", *KEY), on=KEY).select("d_idx", "r_idx")
    by_ref = (
        declared.filter(C("reference").is_not_null())
        .select("d_idx", C("reference").str.strip_chars().alias("award_id"), "orgnr")
        .join(reg.select("r_idx", "award_id", "orgnr"), on=["award_id", "orgnr"])
        .select("d_idx", "r_idx")
    )
    pairs = pl.concat([by_ref, by_key]).unique(maintain_order=True)
    return pairs.filter(C("d_idx").is_first_distinct()).filter(C("r_idx").is_first_distinct())


def combine(
    awards: pl.DataFrame, evidence: RegisterEvidence | None, rules: RegisterRules
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(awards with the register's rows merged in and the :data:`EXTRA` columns, the register's
    employer-tax rows). Without evidence the awards only gain the empty columns."""
    awards = _with_extra(awards)
    if evidence is None:
        return awards, _employer_tax(None)
    reg_all = evidence.rows
    et = reg_all.filter(C("employer_tax") & C("registered") & (C("currency") == "NOK"))
    reg = (
        reg_all.join(et.select("file"), on="file", how="anti")
        .rename({"instrument": "instrument_label", "instrument_id": "instrument"})
        .with_row_index("r_idx")
    )
    declared = awards.with_row_index("d_idx")
    pairs = _matches(declared, reg)
    matched = pairs.join(reg.select("r_idx", "file"), on="r_idx").select("d_idx", reg_file="file")
    consulted = _consulted_orgnrs(evidence, awards)
    declared = declared.join(matched, on="d_idx", how="left").with_columns(
        sources=pl.when(C("reg_file").is_not_null())
        .then(pl.concat_list(_declared_source(), pl.concat_list(C("reg_file"))))
        .otherwise(C("sources")),
        mismatch=pl.when(
            C("reg_file").is_null() & _should_hold(rules) & C("orgnr").is_in(consulted.implode())
        ).then(pl.lit("not_in_register")),
    )
    nominal = rules.instruments.nominal
    extra = reg.join(pairs.select("r_idx"), on="r_idx", how="anti").select(
        *[c for c in awards.columns if c in reg.columns and c not in EXTRA],
        sources=pl.concat_list(C("file")),
        mismatch=pl.lit("not_declared"),
        not_summed=pl.when(~C("registered")).then(pl.lit("register_status")),
        reg_status=pl.when(~C("registered")).then(C("status")),
        reg_nominal=pl.when(C("instrument").is_in(nominal)).then(C("instrument_label")),
        reg_interval=C("interval"),
        reg_unclassified=pl.when((C("basis") == "other") & C("registered")).then(
            pl.coalesce(C("basis_text").replace("", None), pl.lit("-"))
        ),
    )
    merged = pl.concat([declared.drop("d_idx", "reg_file"), extra], how="diagonal_relaxed")
    return merged.select(awards.columns), _employer_tax(et)


def _consulted_orgnrs(evidence: RegisterEvidence, awards: pl.DataFrame) -> pl.Series:
    """Firms the register answered for: all (file, snapshot) or those found online."""
    if evidence.source.kind != "register_online":
        return awards.get_column("orgnr").unique()
    ok = evidence.consulted.filter(C("outcome") == "found")
    return ok.get_column("orgnr").unique()


ET_SCHEMA = {
    "file": pl.Utf8,
    "row": pl.Int64,
    "orgnr": pl.Utf8,
    "year": pl.Int64,
    "month": pl.Int64,
    "advantage_cents": pl.Int64,
    "zone": pl.Utf8,
    "sector": pl.Utf8,
    "in_scheme": pl.Boolean,
    "assumed": pl.Boolean,
}


_NO_EMPLOYER_TAX = pl.DataFrame(schema=ET_SCHEMA)


def _employer_tax(et: pl.DataFrame | None) -> pl.DataFrame:
    """Register rows of the employer-tax de minimis scheme as monthly employer-tax rows."""
    if et is None or et.is_empty():
        return _NO_EMPLOYER_TAX
    return et.select(
        "file",
        "row",
        "orgnr",
        year=C("granted_on").dt.year().cast(pl.Int64),
        month=C("granted_on").dt.month().cast(pl.Int64),
        advantage_cents="amount_cents",
        zone=pl.lit("Ia"),
        sector=pl.lit("general"),
        in_scheme=pl.lit(True),
        assumed=pl.lit(False),
    ).cast(ET_SCHEMA)  # type: ignore[arg-type]


def prefer_register(pairs: pl.DataFrame) -> pl.DataFrame:
    """Employer-tax pairs with one source per period: for each application, an employer-tax file
    row covering a month the register also holds is not counted (``why = in_register``); a yearly
    file row is compared with the register's months of that year and the smaller side is left out
    (``in_register`` or ``in_employer_tax_file``): the conservative reading when the register may
    not yet hold every month."""
    if pairs.is_empty():
        return pairs
    is_reg = C("file").str.starts_with("register:")
    key = ["idx", "orgnr", "year"]
    reg = pairs.filter(is_reg & C("counted"))
    if reg.is_empty():
        return pairs
    months = reg.select(*key, "month").unique().with_columns(_reg_month=pl.lit(True))
    years = reg.group_by(key).agg(_reg_sum=C("advantage_cents").sum())
    p = pairs.join(months, on=[*key, "month"], how="left").join(years, on=key, how="left")
    yearly_file = ~is_reg & C("month").is_null() & C("_reg_sum").is_not_null()
    p = p.with_columns(_year_sum=pl.when(yearly_file).then(C("advantage_cents")))
    p = p.with_columns(_year_sum=C("_year_sum").max().over(key))
    drop_file = (~is_reg & C("_reg_month").fill_null(False)) | (
        yearly_file & (C("_reg_sum") >= C("advantage_cents"))
    )
    drop_reg = is_reg & C("_year_sum").is_not_null() & (C("_year_sum") > C("_reg_sum"))
    return p.with_columns(
        counted=C("counted") & ~drop_file & ~drop_reg,
        why=pl.when(C("counted") & drop_file)
        .then(pl.lit("in_register"))
        .when(C("counted") & drop_reg)
        .then(pl.lit("in_employer_tax_file"))
        .otherwise(C("why")),
    ).drop("_reg_month", "_reg_sum", "_year_sum")


__all__ = ["DE_MINIMIS", "ET_SCHEMA", "EXTRA", "combine", "prefer_register"]
