"""Reasons and warnings (code, citation, text in nb and en) for every decision at once.

One long frame ``idx, kind, order, sub, code, citation, text_nb, text_en``: each finding is a
filter of the decisions (or of the counted awards, ``sub`` keeping their order) with its
template from ``messages.toml`` filled by polars expressions. ``order`` follows the sequence in
which an officer reads the explanation: outcome branch, counted aid, new aid, ceiling, result,
Covid TF, GBER, unverified rule data; warnings likewise. Sorting by ``idx, kind, order, sub``
and grouping gives each decision its two lists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from deminimis.plan import options
from deminimis.render import fmt
from deminimis.render.fmt import Value
from deminimis.render.messages import messages
from deminimis.render.rule_frames import cite
from deminimis.rules import Rules

C = pl.col
REASON, WARNING, NOTE = 0, 1, 2
SCHEMA = {
    "idx": pl.UInt32,
    "kind": pl.Int8,
    "order": pl.Int16,
    "sub": pl.Int64,
    "code": pl.Utf8,
    "citation": pl.Utf8,
    "text_nb": pl.Utf8,
    "text_en": pl.Utf8,
}
"""The long frame of findings."""
FX = "Contract §4 (exchange rate)"
EVERY = C("idx").is_not_null()
"""The ``when`` of a finding on every row of its frame (``pl.lit(True)`` would also be "some row"
of an empty frame, and plan its texts for nothing)."""


@dataclass(frozen=True)
class Finding:
    """A finding not yet planned: its rows are the frame named ``frame`` (see
    :func:`deminimis.render.decision_frames.frames`) where ``when`` holds; ``make()`` gives the
    expressions of its texts, built on first use and kept (they depend only on the rules and the
    catalogue). :class:`Plan` plans only the findings some row has (texts are the costly part)."""

    frame: str
    when: pl.Expr
    make: Callable[[], tuple[pl.Expr, ...]]


def finding(
    frame: str,
    when: pl.Expr,
    kind: int,
    order: int,
    code: str,
    cite: pl.Expr | str | None = None,
    /,
    sub_: pl.Expr | None = None,
    **values: Value,
) -> Finding:

    @functools.cache
    def make() -> tuple[pl.Expr, ...]:
        msg = messages()[code]
        citation = cite if isinstance(cite, pl.Expr) else pl.lit(cite, pl.Utf8)
        return (
            C("idx"),
            pl.lit(kind, pl.Int8).alias("kind"),
            pl.lit(order, pl.Int16).alias("order"),
            (sub_ if sub_ is not None else pl.lit(0)).cast(pl.Int64).alias("sub"),
            pl.lit(code).alias("code"),
            citation.cast(pl.Utf8).alias("citation"),
            fmt.fill(msg["nb"], values, "nb").alias("text_nb"),
            fmt.fill(msg["en"], values, "en").alias("text_en"),
        )

    return Finding(frame, when, make)  # a null ``when``: no row (filter and any() skip nulls)


class Plan:
    """The findings of one rules object, grouped by the frame they filter, with the query that
    tells which occur (built once per rules: the expressions are immutable)."""

    def __init__(self, found: list[Finding]) -> None:
        self.found = found
        self.probes: dict[str, list[pl.Expr]] = {}
        for i, f in enumerate(found):
            self.probes.setdefault(f.frame, []).append(f.when.any().alias(f"_{i}"))

    def planned(self, frames: dict[str, pl.LazyFrame | None]) -> list[pl.LazyFrame]:
        """The text frames of the findings that occur in ``frames`` (``None``: a frame known to
        be empty); one query for every frame tells which."""
        probes = [
            frames[name].select(exprs) for name, exprs in self.probes.items() if frames[name] is not None
        ]
        present: set[int] = set()
        if probes:
            row = pl.concat(probes, how="horizontal").collect(**options()).row(0, named=True)
            present = {int(k[1:]) for k, v in row.items() if v}
        return [
            frames[f.frame].filter(f.when).select(*f.make())  # type: ignore[union-attr]
            for i, f in enumerate(self.found)
            if i in present
        ]


def money(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return fmt.Text(lambda lang: fmt.human(expr, lang))


def amount(cents: str | pl.Expr, currency: str | pl.Expr = "currency") -> Value:
    """``kr 1 234 567,89`` / ``EUR 1 234,56`` (nb), ``NOK 1,234,567.89`` (en)."""
    c = C(cents) if isinstance(cents, str) else cents
    cur = C(currency) if isinstance(currency, str) else currency
    return fmt.Text(lambda lang: fmt.amount(c, cur, lang))


def day(col: str | pl.Expr) -> Value:
    expr = C(col) if isinstance(col, str) else col
    return fmt.Text(lambda lang: fmt.day(expr, lang))


def rate(col: str) -> Value:
    """A published rate (a text column) as :func:`deminimis.render.fmt.rate` shows it."""
    return fmt.Text(lambda lang: fmt.rate(C(col), lang))


def plural(code: str, n: str | pl.Expr) -> Value:
    """``messages.toml [plural]`` ``{code}_one_{lang}`` or ``{code}_many_{lang}`` by the count."""
    count = C(n) if isinstance(n, str) else n
    table = messages()["plural"]
    return fmt.Text(
        lambda lang: (
            pl.when(count == 1)
            .then(fmt.fill(table[f"{code}_one_{lang}"], {"n": count}, lang))
            .otherwise(fmt.fill(table[f"{code}_many_{lang}"], {"n": count}, lang))
        )
    )


def by_lang(prefix: str) -> Value:
    return lambda lang: C(f"{prefix}_{lang}")


def mapped(col: str, table: dict[str, str], default: pl.Expr | None = None) -> Value:
    """``table[f"{value}_{lang}"]`` per language (``default`` when the key is not there)."""

    def pick(lang: str) -> pl.Expr:
        keys = {k[: -len(lang) - 1]: v for k, v in table.items() if k.endswith(f"_{lang}")}
        return C(col).replace_strict(keys, default=default, return_dtype=pl.Utf8)

    return pick


def warnings(rules: Rules) -> list[Finding]:
    """The warnings, in the order the Python renderer gave them."""
    from deminimis.render.source_findings import near_duplicate

    msgs = messages()
    dec = C("dec")
    tf = (
        dec
        & (C("scheme") == "covid_tf_3_1")
        & (C("route") != "de_minimis")
        & (C("cap_id").fill_null("") != "")
    )
    stale = dict(rate=rate("rate"), rate_date=day("rate_date"))
    missing = msgs["employer_tax_missing"]
    status = msgs["firm_status"]
    out = [
        finding(
            "d",
            tf & C("in_difficulty_2019").is_null(),
            WARNING,
            10,
            "difficulty_not_declared",
            cite(rules.covid.difficulty_citation),
        ),
        finding(
            "d",
            dec & (C("app_fx_status") == "stale"),
            WARNING,
            20,
            "fx_rate_stale",
            FX,
            currency=C("currency"),
            date=day("grant_date"),
            rate=rate("app_rate"),
            rate_date=day("app_rate_date"),
        ),
        finding(
            "c",
            dec
            & C("counted")
            & C("rate_date").is_not_null()
            & C("stale_dates").list.contains(C("rate_date")),
            WARNING,
            21,
            "fx_rate_stale",
            FX,
            sub_=C("k"),
            currency=C("currency"),
            date=day("granted_on"),
            **stale,
        ),
    ]
    out.append(
        finding(
            "c",
            dec & (C("source") == "awards") & C("basis_nearest").is_not_null(),
            WARNING,
            25,
            "basis_unrecognised",
            "Regulation 2023/2831 Art 6(4); Regulation 1407/2013 Art 6(3)",
            sub_=C("k"),
            text=C("basis_text"),
            nearest=C("basis_nearest"),
            amount=money("amount_cents"),
            currency=C("currency"),
            granted_on=day("granted_on"),
        )
    )
    for order, (code, n) in enumerate(
        (
            ("award_after_grant_date", "n_after"),
            ("duplicate_award", "n_duplicate"),
            ("basis_other", "n_other"),
        )
    ):
        out.append(
            finding(
                "d",
                dec & (C(n).fill_null(0) > 0),
                WARNING,
                30 + order,
                code,
                n=C(n),
                awards=plural(code, n),
                grant_date=day("grant_date"),
            )
        )
    out.append(near_duplicate())
    out += [
        finding(
            "d",
            dec & (C("et_missing").list.len() > 0),
            WARNING,
            40,
            "employer_tax_missing",
            "Stortingets vedtak om arbeidsgiveravgift § 4",
            orgnr=C("et_missing").list.join(", "),
            what=lambda lang: (
                pl.when(C("et_assumed"))
                .then(pl.lit(missing[f"assumed_{lang}"]))
                .otherwise(pl.lit(missing[f"not_counted_{lang}"]))
            ),
        ),
        finding(
            "d",
            dec & C("nace").is_null(),
            WARNING,
            41,
            "sector_not_checked",
            "Regulation 1407/2013 / 2023/2831, Art 1(1)",
        ),
        finding(
            "d",
            dec & (C("status").fill_null("") != "") & ~C("status").is_in(["active", "unknown"]),
            WARNING,
            42,
            "firm_status",
            "Enhetsregisteret (Brønnøysundregistrene)",
            orgnr=C("orgnr"),
            status=mapped("status", status, default=C("status")),
            source=pl.when(C("firm_source").fill_null("") != "")
            .then(C("firm_source"))
            .otherwise(pl.lit("?")),
        ),
        finding(
            "d",
            dec & (C("firm_problem").fill_null("") != "") & (C("firm_problem_kind") == "unavailable"),
            WARNING,
            43,
            "firm_facts_unverified",
            orgnr=C("orgnr"),
            problem=C("firm_problem"),
        ),
    ]
    out += _readings()
    out.append(finding("d", dec & ~C("prior_source"), WARNING, 5, "no_prior_aid_source"))
    return out


def _readings() -> list[Finding]:
    """Warnings for amounts, currencies and dates read from a fuzzy spelling."""
    msgs = messages()
    how = mapped("amount_read", msgs["amount_read"])
    when = mapped("date_read", msgs["date_read"])
    return [
        finding(
            "d",
            C("amount_read").is_not_null(),
            WARNING,
            50,
            "amount_read",
            text=C("amount_text"),
            amount=amount("amount_cents"),
            how=how,
        ),
        finding(
            "d",
            C("currency_read").is_not_null(),
            WARNING,
            51,
            "currency_read",
            text=C("amount_text"),
            currency=C("currency"),
        ),
        finding(
            "d",
            C("date_read").is_not_null(),
            WARNING,
            52,
            "date_read",
            text=C("date_text"),
            date=day("grant_date"),
            how=when,
        ),
    ]


__all__ = [
    "NOTE",
    "REASON",
    "EVERY",
    "WARNING",
    "Finding",
    "amount",
    "Plan",
    "by_lang",
    "day",
    "finding",
    "mapped",
    "money",
    "plural",
    "rate",
    "warnings",
]
