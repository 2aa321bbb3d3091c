"""Placeholder values of the GGE texts (:mod:`deminimis.render.gge`), per language.

Each returns an expression, or a function of the language giving one (the findings' ``Value``):
the regulation named as Norwegian or English law cites it, amounts with their conversion,
percentages and terms as people write them, the safe-harbour formula.
"""

from __future__ import annotations

import polars as pl

from deminimis.render import fmt

C = pl.col


def regulation(lang: str) -> pl.Expr:
    number = C("regime").str.strip_prefix("EU-")
    long = number.str.contains(r"^20\d{2}/")  # 2023/2831; older acts are "nr." 1407/2013
    if lang == "nb":
        return (
            pl.when(long)
            .then(pl.format("forordning (EU) {}", number))
            .otherwise(pl.format("forordning (EU) nr. {}", number))
        )
    return (
        pl.when(long)
        .then(pl.format("Regulation (EU) {}", number))
        .otherwise(pl.format("Regulation (EU) No {}", number))
    )


def art(col: str) -> object:
    """An article column (``art_<part>``) with its regulation, per language."""

    def pick(lang: str) -> pl.Expr:
        joiner = " i " if lang == "nb" else " of "
        art = C(f"{col}_{lang}")
        return pl.when(art.is_not_null()).then(pl.concat_str(art, pl.lit(joiner), regulation(lang)))

    return pick


def number(hundredths: str) -> object:
    """Hundredths (a percentage or a term) as people write them: ``60``, ``52,5`` (nb)."""

    def pick(lang: str) -> pl.Expr:
        text = fmt.human(C(hundredths), lang).str.replace(r"[.,]00$", "").str.replace(r"([.,]\d)0$", "$1")
        return text.str.replace_all("\u00a0", " ") if lang == "nb" else text

    return pick


def money_text(cents: str, eur: str) -> object:
    """``1 000 000,00 NOK = EUR 86 000,00 (kurs 11,6 av 01.03.2026)`` or ``EUR 1 000 000,00``."""

    def pick(lang: str) -> pl.Expr:
        amount, eur_text = fmt.human(C(cents), lang), fmt.human(C(eur), lang)
        r, on = fmt.rate(C("app_rate"), lang), fmt.day(C("app_rate_date"), lang)
        if lang == "nb":
            foreign = pl.format("{} {} = EUR {} (kurs {} av {})", amount, C("currency"), eur_text, r, on)
        else:
            foreign = pl.format("{} {} = EUR {} (rate {} of {})", C("currency"), amount, eur_text, r, on)
        return pl.when(C("currency") == "EUR").then(pl.format("EUR {}", amount)).otherwise(foreign)

    return pick


def word(col: str, words: dict[str, str], lower: bool = False) -> object:
    def pick(lang: str) -> pl.Expr:
        keys = {k[: -len(lang) - 1]: v for k, v in words.items() if k.endswith(f"_{lang}")}
        out = C(col).replace_strict(keys, default=pl.lit(""), return_dtype=pl.Utf8)
        return out.str.to_lowercase() if lower else out

    return pick


def formula(lang: str) -> pl.Expr:
    h = fmt.human
    base = pl.format(
        "EUR {} × {} / {}",
        h(C("gge_ceiling_cents"), lang),
        h(C("nominal_eur_cents"), lang),
        h(C("h_cents"), lang),
    )
    term = pl.format(" × {} / {}", number("term_hundredths")(lang), C("h_years"))  # type: ignore[operator]
    return pl.when(C("term_prorated")).then(pl.concat_str(base, term)).otherwise(base)


def missing(words: dict[str, str]) -> object:
    def pick(lang: str) -> pl.Expr:
        keys = {k[: -len(lang) - 1]: v for k, v in words.items() if k.endswith(f"_{lang}")}
        named = C("gge_missing").list.eval(pl.element().replace_strict(keys, default="?"))
        n = named.list.len()
        last = pl.lit(" og " if lang == "nb" else " and ")
        joined = (
            pl.when(n > 1)
            .then(pl.concat_str(named.list.slice(0, n - 1).list.join(", "), last, named.list.last()))
            .otherwise(named.list.first())
        )
        return pl.when(C("instrument") == "other").then(pl.lit(keys["gge"])).otherwise(joined)

    return pick


def officer_nominal() -> object:
    def pick(lang: str) -> pl.Expr:
        text = money_text("nominal_cents", "nominal_eur_cents")(lang)  # type: ignore[operator]
        word = " på " if lang == "nb" else " of "
        return (
            pl.when(C("nominal_cents").is_not_null())
            .then(pl.concat_str(pl.lit(word), text))
            .otherwise(pl.lit(""))
        )

    return pick


def years(lang: str) -> pl.Expr:
    text = C("years").str.replace(r"\.?0+$", "")
    return text.str.replace(".", ",", literal=True) if lang == "nb" else text


def harbour_art(lang: str) -> pl.Expr:
    loan = art("art_loan")(lang)  # type: ignore[operator]
    return pl.when(C("instrument") == "loan").then(loan).otherwise(art("art_guarantee")(lang))  # type: ignore[operator]


__all__ = [
    "art",
    "formula",
    "harbour_art",
    "missing",
    "money_text",
    "number",
    "officer_nominal",
    "regulation",
    "word",
    "years",
]
