"""The decision document: one struct per application in the contract's shape and key order.

Used by :mod:`deminimis.render.columnar` once every list (rates used, counted awards, reasons,
warnings, errors) has been joined onto the decisions; money as two-decimal strings, dates ISO,
and the contract's nulls (no ceiling figures outside an in-force de minimis test, no figures
at all for an error row).
"""

from __future__ import annotations

import functools

import polars as pl

from deminimis.render import fmt
from deminimis.render.gge import document_fields

C = pl.col
LISTS = (
    "fx",
    "counted",
    "reasons",
    "warnings",
    "errors",
    "ceiling_tests",
    "headroom_calendar",
    "undertaking_links",
    "sources",
    "officer_notes",
)
"""The document's lists: empty (never null) when an application has none."""


def _money_if(cond: pl.Expr, col: str) -> pl.Expr:
    return pl.when(cond).then(fmt.money(C(col)))


def _undertaking() -> pl.Expr:
    """The undertaking: its members, else the applicant alone, else an empty list."""
    members = C("members").list.drop_nulls()  # a row without an orgnr has no member (not [null])
    return (
        pl.when(members.list.len() > 0)
        .then(members)
        .when(C("orgnr").fill_null("") != "")
        .then(pl.concat_list(C("orgnr")))
        .otherwise(pl.lit([], pl.List(pl.Utf8)))
    )


def _ceiling_tests() -> pl.Expr:
    """Each ceiling test's id and figures."""
    limit = pl.element().struct.field
    return C("limits").list.eval(
        pl.struct(
            id=limit("limit_id"),
            ceiling_eur=fmt.money(limit("ceiling_cents")),
            counted_eur=fmt.money(limit("prior_cents")),
            headroom_before_eur=fmt.money(limit("headroom_cents")),
        )
    )


def _headroom_calendar() -> pl.Expr:
    """Each headroom calendar step's date and figures."""
    step = pl.element().struct.field
    return C("headroom_calendar").list.eval(
        pl.struct(
            date=fmt.iso(step("date")),
            headroom_eur=fmt.money(step("headroom_cents")),
            freed_eur=fmt.money(step("freed_cents")),
            max_grant=fmt.money(step("max_cur_cents")),
        )
    )


def _identity_fields(dec: pl.Expr) -> dict[str, pl.Expr]:
    """The application, the undertaking, the route, the regime and the look-back window."""
    return dict(
        application_id=C("application_id"),
        orgnr=C("orgnr"),
        grant_date=fmt.iso(C("grant_date")),
        undertaking=_undertaking(),
        route=C("route"),
        regime=pl.when(dec & C("entry_id").is_not_null()).then(C("regime")),
        window=pl.when(dec & C("window_from").is_not_null()).then(
            pl.struct(
                fmt.iso(C("window_from")).alias("from"),
                fmt.iso(C("grant_date")).alias("to"),
                C("window_kind").alias("kind"),
            )
        ),
    )


def _figure_fields(dec: pl.Expr, inf: pl.Expr) -> dict[str, pl.Expr]:
    """The money figures: the de minimis test's, the new aid's and the COVID temporary framework's."""
    covid = dec & (C("scheme") == "covid_tf_3_1")
    has_cap = C("cap_cents").is_not_null()
    return dict(
        ceiling_eur=_money_if(inf, "ceiling_cents"),
        prior_de_minimis_eur=_money_if(inf, "prior_cents"),
        employer_tax_advantage_nok=_money_if(dec, "et_nok_cents"),
        employer_tax_advantage_eur=_money_if(dec, "et_eur_cents"),
        counted_total_eur=_money_if(inf, "counted_total_cents"),
        new_aid_eur=_money_if(dec, "new_cents"),
        headroom_before_eur=_money_if(inf, "headroom_cents"),
        headroom_after_eur=_money_if(inf, "headroom_after_cents"),
        max_de_minimis_grant_eur=_money_if(inf, "max_cents"),
        max_de_minimis_grant=pl.when(inf).then(
            fmt.money(pl.coalesce("max_nominal_cur_cents", "max_cur_cents"))  # a loan: its nominal
        ),
        covid_tf=pl.when(covid).then(
            pl.struct(
                ceiling_eur=fmt.money(C("cap_cents")),
                prior_eur=fmt.money(C("tf_prior_cents").fill_null(0)),
                headroom_before_eur=fmt.money(C("tf_headroom_cents")),
                max_grant_eur=pl.when(has_cap).then(fmt.money(pl.max_horizontal(C("tf_headroom_cents"), 0))),
                scheme_open=has_cap,
                rule_id=C("cap_id"),
            )
        ),
    )


def _list_and_detail_fields(dec: pl.Expr, inf: pl.Expr) -> dict[str, pl.Expr]:
    """The joined lists, the application's own details, the tests, the sources and the notes."""
    return dict(
        fx=C("fx"),
        counted=C("counted"),
        reasons=C("reasons"),
        warnings=C("warnings"),
        errors=C("errors"),
        amount=fmt.money(C("amount_cents")),
        currency=C("currency"),
        scheme=C("scheme"),
        name=C("name"),
        nace=C("nace"),
        ceiling_test=pl.when(inf).then(C("limit_id")),
        ceiling_tests=pl.when(inf & C("limits").is_not_null()).then(_ceiling_tests()),
        rules_entry=pl.when(dec).then(C("entry_id")),
        headroom_calendar=pl.when(inf & C("headroom_calendar").is_not_null()).then(_headroom_calendar()),
        undertaking_links=pl.when(dec).then(C("undertaking_links")),
        sources=C("sources"),
        registration=C("registration"),
        **document_fields(),
        officer_notes=C("officer_notes"),
    )


@functools.cache
def document() -> pl.Expr:
    """The decision as a struct in the contract's key order (then the additions); built once
    (an expression is immutable, and this one costs about 2 ms to build)."""
    dec, inf = C("dec"), C("in_force_c")
    fields = dict(
        **_identity_fields(dec),
        **_figure_fields(dec, inf),
        **_list_and_detail_fields(dec, inf),
    )
    empty = pl.lit([])  # the list's own type: polars takes the supertype
    return pl.struct(**{k: v.fill_null(empty) if k in LISTS else v for k, v in fields.items()})


__all__ = ["LISTS", "document"]
