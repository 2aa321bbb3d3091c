"""The GGE figures of the new aid: its EUR amount per method, the rule that set it (citation,
article in English and bokmål), the capital-injection block and the largest nominal that still
fits. Expressions only, built once (:func:`deminimis.gge.attach` runs them on its frame).

All money is Int64 cents, proportions exact in Int128 and rounded half-up to the cent.
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.money import RATE_SCALE, to_eur_cents_expr

C = pl.col
HARBOURED = ("loan", "guarantee")
"""Instruments given a GGE by a safe harbour (gge.toml)."""


def _i128(col: str | pl.Expr) -> pl.Expr:
    return (C(col) if isinstance(col, str) else col).cast(pl.Int128)


def _half_up(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den rounded half-up (both positive), as Int64."""
    return ((2 * num + den) // (2 * den)).cast(pl.Int64)


@functools.cache
def method_expr() -> pl.Expr:
    """How the GGE was found (null: a plain grant, or not found)."""
    inst = C("instrument")
    return (
        pl.when(C("gge_form_review").is_not_null())
        .then(None)
        .when(C("scheme_max_cents").is_not_null())
        .then(pl.lit("scheme_fixed_sum"))
        .when(inst.is_in([*HARBOURED, "other"]) & C("gge_cents").is_not_null())
        .then(pl.lit("officer_gge"))
        .when(inst == "loan")
        .then(pl.lit("loan_safe_harbour"))
        .when(inst == "guarantee")
        .then(pl.lit("guarantee_safe_harbour"))
        .when(inst == "capital_injection")
        .then(pl.lit("capital_injection"))
        .when(C("payments").list.len() > 0)
        .then(pl.lit("instalments_discounted"))
    )


@functools.cache
def citation(kind: str) -> pl.Expr:
    """The rule that set the GGE: ``kind`` ``cite`` (title, article), ``art_en`` or ``art_nb``."""

    def col(part: str) -> pl.Expr:
        return C(f"cite_{part}") if kind == "cite" else C(f"art_{part}_{kind[4:]}")

    method, inst = C("gge_method"), C("instrument")
    harbour = pl.when(inst == "loan").then(col("loan")).otherwise(col("guarantee"))
    officer = (
        pl.when(inst == "loan")
        .then(col("loan_officer"))
        .when(inst == "guarantee")
        .then(col("guarantee_officer"))
        .otherwise(col("entry"))
    )
    return (
        pl.when(method == "scheme_fixed_sum")
        .then(pl.coalesce(col("fixed_sum"), col("entry")))
        .when(method == "officer_gge")
        .then(pl.coalesce(officer, col("entry")))
        .when(method.is_in(["loan_safe_harbour", "guarantee_safe_harbour"]))
        .then(harbour)
        .when(method == "capital_injection")
        .then(col("capital_injection"))
        .when(method == "instalments_discounted")
        .then(pl.coalesce(col("instalments"), col("entry")))
    )


def figures(apps: pl.LazyFrame) -> pl.LazyFrame:
    """The GGE in EUR per method, the route flags and the largest nominal that still fits."""
    for stage in _figure_stages():
        apps = apps.with_columns(**stage)
    return apps


@functools.cache
def _figure_stages() -> tuple[dict[str, pl.Expr], ...]:
    """The columns of :func:`_figures`, stage by stage (each uses the ones before). Built once:
    the expressions depend on nothing of the case, and building them cost a millisecond a check."""
    rate = C("app_rate_micro")
    years = _i128("h_years") * 100
    term = pl.when(C("term_prorated")).then(pl.min_horizontal("term_hundredths", years)).otherwise(years)
    num = _i128("gge_ceiling_cents") * _i128("nominal_eur_cents") * _i128(term)
    den = _i128("h_cents") * years
    harbour_gge = _half_up(num, den)
    method = C("gge_method")
    cur_gge = (
        pl.when(method == "scheme_fixed_sum")
        .then(C("scheme_max_cents"))
        .when(method == "officer_gge")
        .then(C("gge_cents"))
        .when(method == "instalments_discounted")
        .then(C("instalments_pv_cents"))
    )
    gge_eur = (
        pl.when(method.is_in(["loan_safe_harbour", "guarantee_safe_harbour"]))
        .then(harbour_gge)
        .when(method == "capital_injection")
        .then(C("nominal_eur_cents"))
        .otherwise(to_eur_cents_expr(C("gge_cur_cents"), rate))
    )
    block = (method == "capital_injection") & (C("nominal_eur_cents") > C("inj_ceiling_cents"))
    figures = {
        "gge_eur_cents": pl.when(method.is_not_null()).then(gge_eur),
        "gge_block": pl.when(block).then(pl.lit("capital_injection_not_transparent")),
        "gge_cite": citation("cite"),
        "gge_art_en": citation("art_en"),
        "gge_art_nb": citation("art_nb"),
        "gge_term_short": method.is_in(["loan_safe_harbour", "guarantee_safe_harbour"])
        & ~C("term_prorated")
        & (C("term_hundredths") < years),
    }
    new_cents = (
        pl.when(C("gge_form_review").is_not_null())
        .then(pl.lit(None, pl.Int64))
        .when(method.is_not_null())
        .then(C("gge_eur_cents"))
        .otherwise(C("new_cents"))
    )
    room = _i128(pl.max_horizontal(C("headroom_cents"), pl.lit(0)))
    n_max = pl.min_horizontal(
        (room * _i128("h_cents") * years) // (_i128("gge_ceiling_cents") * _i128(term)), _i128("h_cents")
    )
    harboured = method.is_in(["loan_safe_harbour", "guarantee_safe_harbour"])
    max_cur = (_i128("max_nominal_eur_cents") * _i128(rate) // RATE_SCALE).cast(pl.Int64)
    return (
        {"gge_cur_cents": cur_gge},
        figures,
        {"new_cents": new_cents},
        {"max_nominal_eur_cents": pl.when(harboured).then(n_max.cast(pl.Int64))},
        {"max_nominal_cur_cents": max_cur},
    )


__all__ = ["HARBOURED", "figures", "method_expr"]
