"""The GGE rules file (``gge.toml``): safe harbours and the citations of Art 1, 3(6), 4, 6(5), 7(4).

Loaded with the other rules files by :func:`deminimis.rules.load_rules` (same strictness:
unknown keys, missing citations, unsorted harbours or overlapping entries are refused).
:meth:`GgeFile.frame` flattens it to one row per entry for the pipeline's join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from typing import Literal

import polars as pl

from deminimis.rule_model import check, rule

Confidence = Literal["V", "V-sec", "D", "UNVERIFIED"]


@rule
class GgeCitation:
    title: str
    article: str
    article_nb: str
    """The article in Norwegian citation style (``artikkel 4 nr. 3 bokstav b``)."""
    href: str


@rule
class Harbour:
    years: int
    amount_eur: int

    def __post_init__(self) -> None:
        check(self.years > 0 and self.amount_eur > 0, "years and amount_eur must be greater than 0")


@rule
class Cited:
    confidence: Confidence
    citation: GgeCitation


@rule
class HarbourRule(Cited):
    officer_citation: GgeCitation
    harbours: list[Harbour]

    def __post_init__(self) -> None:
        years = [h.years for h in self.harbours]
        check(bool(years), "harbours must name at least one safe harbour")
        check(years == sorted(set(years)), f"harbours must be sorted by years, each term once (got {years})")


def _percent(value: int, name: str) -> None:
    check(0 <= value <= 100, f"{name} must be between 0 and 100 (got {value})")


@rule
class LoanRule(HarbourRule):
    collateral_min_pct: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _percent(self.collateral_min_pct, "collateral_min_pct")


@rule
class GuaranteeRule(HarbourRule):
    cover_max_pct: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _percent(self.cover_max_pct, "cover_max_pct")


@rule
class GgeEntry(Cited):
    id: str
    regime: str
    valid_from: dt.date
    valid_to: dt.date
    ceiling_eur: int
    sector_ceilings_eur: dict[str, int] = field(default_factory=dict)
    term_prorated: bool
    loan: LoanRule | None = None
    guarantee: GuaranteeRule | None = None
    capital_injection: Cited | None = None
    insolvency: Cited | None = None
    instalments: Cited | None = None
    fixed_sum: Cited | None = None
    export: Cited | None = None
    domestic: Cited | None = None
    intermediary: Cited | None = None

    def __post_init__(self) -> None:
        check(self.ceiling_eur > 0, f"entry '{self.id}': ceiling_eur must be greater than 0")
        check(
            self.valid_to >= self.valid_from,
            f"entry '{self.id}': valid_to {self.valid_to} is before valid_from",
        )
        needs = (self.loan or self.guarantee) and not self.insolvency
        check(not needs, f"entry '{self.id}': loan/guarantee safe harbours need the insolvency rule")


PARTS = ("loan", "guarantee", "capital_injection", "insolvency", "instalments", "fixed_sum", "export",
         "domestic", "intermediary")  # fmt: skip


def _cite(row: dict, key: str, c: GgeCitation | None) -> None:
    """``cite_<key>`` (title, article: the findings' citation) and ``art_<key>_en|nb``."""
    row[f"cite_{key}"] = f"{c.title}, {c.article}" if c else None
    row[f"art_{key}_en"] = c.article if c else None
    row[f"art_{key}_nb"] = c.article_nb if c else None


def _harbours_text(harbours: list[Harbour], lang: str) -> str:
    """``EUR 1 500 000 over 5 år eller EUR 750 000 over 10 år`` (nb) / ``… years or …`` (en)."""
    sep, unit, word = ("\u00a0", "år", " eller ") if lang == "nb" else (",", "years", " or ")
    return word.join(f"EUR {h.amount_eur:,}".replace(",", sep) + f" over {h.years} {unit}" for h in harbours)


def _harbour_rows(rule: HarbourRule | None) -> list[dict[str, int]]:
    """The safe harbours as rows."""
    return [{"years": h.years, "amount_eur": h.amount_eur} for h in rule.harbours] if rule else []


@rule
class GgeFile:
    description: str
    unit: Literal["EUR"]
    entries: list[GgeEntry]

    def __post_init__(self) -> None:
        ids = [e.id for e in self.entries]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"gge.toml: entry ids used twice: {dupes}")
        for regime in {e.regime for e in self.entries}:
            mine = sorted((e for e in self.entries if e.regime == regime), key=lambda e: e.valid_from)
            for a, b in zip(mine, mine[1:], strict=False):
                if b.valid_from <= a.valid_to:
                    raise ValueError(f"gge.toml: '{b.id}' overlaps '{a.id}' for {regime}")

    def frame(self) -> pl.DataFrame:
        """One row per entry: thresholds in cents / percent and every citation (en and nb)."""
        rows = []
        for e in self.entries:
            row: dict = {
                "gge_entry": e.id,
                "regime": e.regime,
                "gge_from": e.valid_from,
                "gge_to": e.valid_to,
                "gge_ceiling_cents": e.ceiling_eur * 100,
                "gge_sector_ceilings": [
                    {"sector": k, "cents": v * 100} for k, v in e.sector_ceilings_eur.items()
                ],
                "term_prorated": e.term_prorated,
                "collateral_min_pct": e.loan.collateral_min_pct if e.loan else None,
                "cover_max_pct": e.guarantee.cover_max_pct if e.guarantee else None,
                "loan_harbours": _harbour_rows(e.loan),
                "guarantee_harbours": _harbour_rows(e.guarantee),
            }
            for part in PARTS:
                rule = getattr(e, part)
                _cite(row, part, rule.citation if rule else None)
                row[f"conf_{part}"] = rule.confidence if rule else None
                if part in ("loan", "guarantee"):
                    _cite(row, f"{part}_officer", rule.officer_citation if rule else None)
                    for lang in ("en", "nb"):
                        row[f"{part}_harbours_{lang}"] = _harbours_text(rule.harbours, lang) if rule else None
            _cite(row, "entry", e.citation)
            rows.append(row)
        harbour = pl.List(pl.Struct({"years": pl.Int64, "amount_eur": pl.Int64}))
        return pl.DataFrame(
            rows,
            schema_overrides={
                "gge_sector_ceilings": pl.List(pl.Struct({"sector": pl.Utf8, "cents": pl.Int64})),
                "loan_harbours": harbour,
                "guarantee_harbours": harbour,
                "collateral_min_pct": pl.Int64,
                "cover_max_pct": pl.Int64,
            },
            infer_schema_length=None,
        )


__all__ = ["GgeCitation", "GgeEntry", "GgeFile", "Harbour"]
