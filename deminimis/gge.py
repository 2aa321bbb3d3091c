"""Gross grant equivalent (GGE) of the new aid: the step of the pipeline that turns a loan, a
guarantee, a capital injection, instalments or a scheme's fixed sum into the EUR figure that
counts (Art 3(5)-(6), 4, 7(4)); and the exclusions of Art 1(1)(e)-(f).

Only transparent aid is de minimis aid (Art 4(1)). The rules are data (``rules/gge.toml``):

- **loan**: collateral >= the minimum and nominal within a safe harbour (amount, term) ->
  ``ceiling x nominal / harbour amount``; an officer's ``gge`` (reference rate) is used as given;
  otherwise ``manual_review`` naming what is missing;
- **guarantee**: cover <= the maximum and guaranteed amount within a safe harbour -> the same
  proportion; above the cover, ``gge`` is required;
- a borrower in collective insolvency (Brreg ``konkurs``/``underAvvikling``/forced liquidation,
  or declared): loans and guarantees are not transparent -> ``manual_review``;
- **capital injection**: transparent only up to the ceiling, then counted in full; above it the
  aid is not de minimis (route ``gber``);
- **instalments**: discounted to the grant date (:mod:`deminimis.instalments`);
- **fixed sum** (``scheme_max_amount``): counts instead of the amount.

All money is Int64 cents, proportions exact in Int128 and rounded half-up to the cent.
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.gge_figures import HARBOURED, figures, method_expr
from deminimis.instalments import discount_table
from deminimis.money import to_eur_cents_expr
from deminimis.plan import options
from deminimis.rule_tables import rule_tables
from deminimis.rules import Rules

C = pl.col
INSOLVENT = (
    "bankrupt",
    "under_liquidation",
    "forced_liquidation",
    "konkurs",
    "underavvikling",
    "under avvikling",
    "tvangsavvikling",
)
"""Firm statuses (:mod:`deminimis.sources.brreg_facts`, or Brreg's words in a firms file) read
as collective insolvency proceedings (the conservative reading: a liquidation counts too)."""
TYPED_DEFAULTS: dict[str, pl.Expr] = {
    "instrument": pl.lit("grant"),
    "nominal_cents": pl.lit(None, pl.Int64),
    "term_hundredths": pl.lit(None, pl.Int64),
    "collateral_hundredths": pl.lit(None, pl.Int64),
    "guarantee_hundredths": pl.lit(None, pl.Int64),
    "gge_cents": pl.lit(None, pl.Int64),
    "payments": pl.lit([], pl.List(pl.Struct({"date": pl.Date, "cents": pl.Int64}))),
    "discount_hundredths": pl.lit(None, pl.Int64),
    "scheme_max_cents": pl.lit(None, pl.Int64),
    "via_intermediary": pl.lit(False),
    "export_linked": pl.lit(False),
    "domestic_preference": pl.lit(False),
    "insolvency_declared": pl.lit(False),
    "signing_date": pl.lit(None, pl.Date),
}
"""The application columns of :data:`deminimis.gge_input.TYPED`, for frames built without them."""
AWARD_DEFAULTS: dict[str, pl.Expr] = {"instrument": pl.lit("grant"), "nominal_cents": pl.lit(None, pl.Int64)}


def with_defaults(frame: pl.DataFrame, defaults: dict[str, pl.Expr] = TYPED_DEFAULTS) -> pl.DataFrame:
    return frame.with_columns([e.alias(c) for c, e in defaults.items() if c not in frame.columns])


def _harbour(apps: pl.LazyFrame, kind: str) -> pl.LazyFrame:
    """``idx``, ``h_years``, ``h_cents``: the shortest safe harbour of ``kind`` covering the term."""
    return (
        apps.filter((C("instrument") == kind) & C("term_hundredths").is_not_null())
        .select("idx", "term_hundredths", h=C(f"{kind}_harbours"))
        .explode("h")
        .drop_nulls("h")
        .unnest("h")
        .filter(C("years") * 100 >= C("term_hundredths"))
        .sort("idx", "years")
        .group_by("idx", maintain_order=True)
        .first()
        .select("idx", h_years=C("years"), h_cents=C("amount_eur") * 100)
    )


@functools.cache
def _missing() -> pl.Expr:
    """What a safe-harbour test lacks, as a list of the contract's column names."""
    inst = C("instrument")
    need = {
        "nominal_amount": inst.is_in([*HARBOURED, "capital_injection"]) & C("nominal_cents").is_null(),
        "term_years": inst.is_in(HARBOURED) & C("term_hundredths").is_null(),
        "collateral_pct": (inst == "loan") & C("collateral_hundredths").is_null(),
        "guarantee_pct": (inst == "guarantee") & C("guarantee_hundredths").is_null(),
    }
    return pl.concat_list([pl.when(w).then(pl.lit(k)) for k, w in need.items()]).list.drop_nulls()


@functools.cache
def _excluded() -> pl.Expr:
    """Art 1(1)(e)-(f): export-linked aid, aid contingent on domestic goods (route manual_review)."""
    return (
        pl.when(C("export_linked"))
        .then(pl.lit("excluded_export"))
        .when(C("domestic_preference"))
        .then(pl.lit("excluded_domestic"))
    )


@functools.cache
def _review() -> pl.Expr:
    """Why the GGE of the new aid cannot be set here (null when it can): route manual_review."""
    inst, harboured = C("instrument"), C("instrument").is_in(HARBOURED)
    officer = C("gge_cents").is_not_null()
    over_cover = (inst == "guarantee") & (C("guarantee_hundredths") > C("cover_max_pct") * 100)
    low_collateral = (inst == "loan") & (C("collateral_hundredths") < C("collateral_min_pct") * 100)
    rule_missing = ((inst == "loan") & C("collateral_min_pct").is_null()) | (
        (inst == "guarantee") & C("cover_max_pct").is_null()
    )
    outside = C("h_cents").is_null() | (C("nominal_eur_cents") > C("h_cents"))
    return (
        pl.when(harboured & C("insolvent"))
        .then(pl.lit("insolvent"))
        .when(C("scheme_max_cents").is_not_null())
        .then(None)
        .when((harboured | (inst == "other")) & officer)
        .then(None)
        .when(inst == "other")
        .then(pl.lit("gge_missing"))
        .when(C("gge_missing").list.len() > 0)
        .then(pl.lit("gge_missing"))
        .when((inst == "capital_injection") & C("cite_capital_injection").is_null())
        .then(pl.lit("no_gge_rule"))
        .when(harboured & rule_missing)
        .then(pl.lit("no_gge_rule"))
        .when(low_collateral)
        .then(pl.lit("loan_collateral_low"))
        .when(over_cover)
        .then(pl.lit("guarantee_cover_high"))
        .when(harboured & outside)
        .then(pl.lit("outside_safe_harbour"))
    )


def attach(apps: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Add the GGE columns (``gge_*``) and replace ``new_cents`` by the GGE in EUR.

    Needs the pipeline's ``idx``, ``regime``, ``grant_date``, ``app_rate_micro``, ``status``,
    ``sector``, ``headroom_cents`` and the typed application columns (defaults when absent).
    ``gge_review`` (route ``manual_review``: an exclusion, or ``gge_form_review``, the GGE cannot
    be set) and ``gge_block`` (route ``gber``) feed the router.
    """
    apps = with_defaults(apps)
    instalments = discount_table(apps)  # eager: the present values are computed in Python
    hit = (
        apps.lazy()
        .select("idx", "regime", "grant_date")
        .join(rule_tables(rules).gge.lazy(), on="regime")
        .filter(C("grant_date").is_between("gge_from", "gge_to"))
        .drop("regime", "grant_date")
    )
    # Collected before the safe harbours and the sector ceiling are looked up from it: a plan
    # that joins a frame to a table derived from itself holds that frame twice, once per join.
    base = (
        apps.lazy()
        .join(hit, on="idx", how="left", maintain_order="left")
        .with_columns(
            nominal_eur_cents=to_eur_cents_expr(C("nominal_cents"), C("app_rate_micro")),
            insolvent=C("insolvency_declared") | _insolvent_status(),
            gge_missing=_missing(),
        )
        .collect(**options())
        .lazy()
    )
    harbours = pl.concat([_harbour(base, "loan"), _harbour(base, "guarantee")])
    lf = base.join(harbours, on="idx", how="left", maintain_order="left")
    lf = lf.join(instalments.lazy(), on="idx", how="left", maintain_order="left")
    lf = lf.join(_sector_ceiling(base), on="idx", how="left", maintain_order="left").with_columns(
        inj_ceiling_cents=pl.coalesce("inj_ceiling_cents", "gge_ceiling_cents")
    )
    lf = lf.with_columns(gge_form_review=_review())
    lf = lf.with_columns(gge_review=pl.coalesce(_excluded(), C("gge_form_review")))
    lf = lf.with_columns(gge_method=method_expr())
    return figures(lf).collect(**options())


@functools.cache
def _insolvent_status() -> pl.Expr:
    return C("status").str.to_lowercase().is_in(INSOLVENT).fill_null(False)


def _sector_ceiling(apps: pl.LazyFrame) -> pl.LazyFrame:
    """``idx``, ``inj_ceiling_cents``: the sector's own ceiling a capital injection is held to
    (null: the general one, ``gge_ceiling_cents``)."""
    return (
        apps.select("idx", app_sector=C("sector"), s=C("gge_sector_ceilings"))
        .explode("s")
        .drop_nulls("s")
        .unnest("s")
        .filter(C("app_sector") == C("sector"))
        .select("idx", inj_ceiling_cents=C("cents"))
    )


__all__ = ["AWARD_DEFAULTS", "INSOLVENT", "TYPED_DEFAULTS", "attach", "with_defaults"]
