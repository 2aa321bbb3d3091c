"""Warnings about Støtteregisteret's rows (see :mod:`deminimis.sources.register_combine`).

Per counted award (``sub`` keeps its order in ``counted``): a register award not declared, a
declared award missing from the register, a register status other than registered, a possibly
nominal amount (loan, guarantee, equity), an interval counted at its upper bound, a legal basis
the rules do not name; per employer-tax period counted once although two sources gave it; per
decision, the live register not answering for a member of the undertaking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from deminimis.render.findings import EVERY, WARNING, Finding, day, finding, mapped, money
from deminimis.render.messages import messages

if TYPE_CHECKING:
    from deminimis.render.fmt import Value

C = pl.col
CITE = "Støtteregisteret (Brønnøysundregistrene); Regulation 2023/2831 Art 6-7"


def unavailable(d: pl.LazyFrame, consulted: pl.DataFrame | None) -> pl.LazyFrame | None:
    """``idx, down``: the members the live register did not answer for (the frame
    ``register_down``; ``None`` when no register was asked)."""
    if consulted is None:
        return None
    bad = consulted.lazy().filter(C("outcome") != "found").select(m="orgnr")
    return (
        d.filter(C("dec"))
        .select("idx", m=C("members"))
        .explode("m")
        .join(bad, on="m")
        .group_by("idx")
        .agg(down=C("m").unique().sort().str.join(", "))
    )


def warnings() -> list[Finding]:
    """The register warnings, after the general ones (orders 50-59)."""
    dec = C("dec") & (C("source") == "awards")
    award = _award_values()
    sub = C("k")
    return [
        *_declared_warnings(dec, award, sub),
        *_counting_warnings(dec, award, sub),
        *_period_and_member_warnings(sub),
    ]


def _award_values() -> dict[str, Value]:
    """The values every counted-award warning fills: amount, currency, day, reference, grantor."""
    return dict(
        amount=money("amount_cents"),
        currency=C("currency"),
        granted_on=day("granted_on"),
        reference=C("reference").fill_null("-"),
        grantor=pl.when(C("grantor").fill_null("") != "")
        .then(pl.concat_str(pl.lit(", "), C("grantor")))
        .otherwise(pl.lit("")),
    )


def _declared_warnings(dec: pl.Expr, award: dict[str, Value], sub: pl.Expr) -> list[Finding]:
    """Orders 50-52: a register award not declared, a declared one not in the register, a status."""
    return [
        finding(
            "c",
            dec & (C("mismatch") == "not_declared"),
            WARNING,
            50,
            "register_not_declared",
            CITE,
            sub_=sub,
            **award,
        ),
        finding(
            "c",
            dec & (C("mismatch") == "not_in_register"),
            WARNING,
            51,
            "register_missing",
            CITE,
            sub_=sub,
            **award,
        ),
        finding(
            "c",
            dec & (C("why") == "register_status"),
            WARNING,
            52,
            "register_status",
            CITE,
            sub_=sub,
            status=C("reg_status"),
            **award,
        ),
    ]


def _counting_warnings(dec: pl.Expr, award: dict[str, Value], sub: pl.Expr) -> list[Finding]:
    """Orders 53-55: a possibly nominal amount, an interval's upper bound, an unnamed legal basis."""
    return [
        finding(
            "c",
            dec & C("reg_nominal").is_not_null() & C("counted"),
            WARNING,
            53,
            "register_nominal",
            "Regulation 2023/2831 Art 3(5), Art 4",
            sub_=sub,
            instrument=C("reg_nominal"),
            **award,
        ),
        finding(
            "c",
            dec & C("reg_interval").fill_null(False),
            WARNING,
            54,
            "register_interval",
            CITE,
            sub_=sub,
            **award,
        ),
        finding(
            "c",
            dec & C("reg_unclassified").is_not_null(),
            WARNING,
            55,
            "register_unclassified",
            CITE,
            sub_=sub,
            text=C("reg_unclassified"),
            **award,
        ),
    ]


def _period_and_member_warnings(sub: pl.Expr) -> list[Finding]:
    """Orders 56-57: an employer-tax period counted once, a member the live register did not answer for."""
    msgs = messages()
    once = C("why").is_in(["in_register", "in_employer_tax_file"])
    return [
        finding(
            "c",
            C("dec") & (C("source") == "employer_tax") & once,
            WARNING,
            56,
            "register_employer_tax_once",
            CITE,
            sub_=sub,
            period=C("period"),
            which=mapped("why", msgs["register_employer_tax_once"]),
        ),
        finding(
            "register_down",
            EVERY,
            WARNING,
            57,
            "register_unavailable",
            CITE,
            orgnr=C("down"),
        ),
    ]


__all__ = ["unavailable", "warnings"]
