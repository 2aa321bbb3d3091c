"""The law as data: load and query the rules files in this folder.

Each ``*.toml`` file here holds dated entries with their citation and confidence tag.
The loader is strict (pydantic over frozen dataclasses, ``extra="forbid"``:
:mod:`deminimis.rule_model`): an unknown key, a missing citation, an unsorted list, or a gap
or overlap in validity raises
:class:`~deminimis.errors.RuleDataError` naming the file, the entry and the problem.
The checks across entries and files (timelines, the Covid caps, the files agreeing) are in
:mod:`deminimis.rules.checks`, the polars join tables built from the rules in
:mod:`deminimis.rules.frames`. Lookups are by date only; no Python code names a year.

An alternative rules directory (``--rules DIR``) replaces the shipped one as a whole,
so a new ceiling is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from deminimis import rules_cache
from deminimis.errors import RuleDataError
from deminimis.rule_model import check, rule
from deminimis.rules import frames
from deminimis.rules.checks import check_agreement, check_entries, read
from deminimis.rules.gge_model import GgeFile

RULES_DIR = Path(__file__).parent
SCHEMES = ("ad_hoc", "de_minimis_scheme", "covid_tf_3_1", "sgei")
"""Application schemes of the contract (§1, applications.scheme)."""
EMPLOYER_TAX = "employer_tax"
"""Pseudo-basis naming the zone Ia employer-tax advantage in a limit's ``counts``."""

Confidence = Literal["V", "V-sec", "D", "UNVERIFIED"]


@rule
class Citation:
    title: str
    article: str
    href: str
    nb: str | None = None
    """The citation as a Norwegian vedtak writes it («kommisjonsforordning (EU) 2023/2831
    artikkel 3 nr. 2»); the nb texts use it, the ``citation`` key keeps title and article."""


@rule
class Dated:
    id: str
    valid_from: dt.date
    valid_to: dt.date
    confidence: Confidence
    citation: Citation

    def __post_init__(self) -> None:
        check(
            self.valid_to >= self.valid_from,
            f"valid_to {self.valid_to} is before valid_from {self.valid_from}",
        )

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


@rule
class Limit:
    id: str
    counts: list[str]
    ceiling_eur: int
    sector_ceilings_eur: dict[str, int] = field(default_factory=dict)
    confidence: Confidence
    citation: Citation


@rule
class RegimeEntry(Dated):
    schemes: list[str]
    in_force: bool
    regime: str | None = None
    window: Literal["three_fiscal_years", "rolling_three_years"] | None = None
    window_years: int | None = None
    limits: list[Limit] = field(default_factory=list)
    reason_en: str | None = None
    reason_nb: str | None = None
    note: str | None = None
    name_nb: str | None = None
    """The regulation's name in a Norwegian sentence («kommisjonsforordning (EU) 2023/2831»)."""
    officer_note_nb: str | None = None
    officer_note_en: str | None = None
    """An open legal point for the officer (never in a sentence for the applicant)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        complete = self.regime and self.window and self.window_years and self.limits
        check(
            not self.in_force or bool(complete),
            "an entry in force needs regime, window, window_years and limits",
        )
        check(
            self.in_force or bool(self.reason_en and self.reason_nb),
            "an entry not in force needs reason_en and reason_nb",
        )
        unknown = set(self.schemes) - set(SCHEMES)
        check(not unknown, f"unknown scheme(s) {sorted(unknown)}; known: {list(SCHEMES)}")


@rule
class RegimeFile:
    description: str
    unit: Literal["EUR"]
    entries: list[RegimeEntry]


@rule
class CapEntry(Dated):
    cap_eur: int


@rule
class CovidFile:
    description: str
    unit: Literal["EUR"]
    counts: list[str]
    counts_from: dt.date
    difficulty_date: dt.date
    difficulty_citation: Citation
    framework: list[CapEntry]
    scheme: list[CapEntry]


@rule
class Sector:
    id: str
    nace_prefixes: list[str]
    treatment: Literal["manual_review", "sector_ceiling"]
    confidence: Confidence
    reason_en: str
    reason_nb: str
    citation: Citation
    officer_note_nb: str | None = None
    officer_note_en: str | None = None


@rule
class SectorFile:
    description: str
    sectors: list[Sector]


@rule
class Basis:
    id: str
    label_en: str
    label_nb: str
    aliases: list[str] = field(default_factory=list)


@rule
class BasisFile:
    description: str
    bases: list[Basis]

    def __post_init__(self) -> None:
        words = [b.id for b in self.bases] + [a.lower() for b in self.bases for a in b.aliases]
        dupes = sorted({w for w in words if words.count(w) > 1})
        check(not dupes, f"basis ids/aliases used twice: {dupes}")


@rule
class Rules:
    """All rule files of one directory, validated together."""

    directory: Path
    regimes: RegimeFile
    covid: CovidFile
    sectors: SectorFile
    bases: BasisFile
    gge: GgeFile

    def regime_at(self, day: dt.date, scheme: str = "ad_hoc") -> RegimeEntry | None:
        """The regime entry governing a grant on ``day`` under ``scheme`` (None if no data)."""
        return next((e for e in self.regimes.entries if scheme in e.schemes and e.covers(day)), None)

    def scheme_cap_at(self, day: dt.date) -> CapEntry | None:
        """The municipal Covid scheme entry for a grant on ``day`` (None when closed)."""
        return next((e for e in self.covid.scheme if e.covers(day)), None)

    def basis_ids(self) -> list[str]:
        return [b.id for b in self.bases.bases]

    def basis_aliases(self) -> dict[str, str]:
        """Every lower-case word that names a basis -> the basis id."""
        out = {b.id: b.id for b in self.bases.bases}
        out.update({a.lower(): b.id for b in self.bases.bases for a in b.aliases})
        return out

    def regime_frame(self) -> pl.DataFrame:
        """One row per (scheme, entry, limit): the join table of the pipeline."""
        return frames.regime_frame(self)

    def sector_frame(self) -> pl.DataFrame:
        return frames.sector_frame(self)

    def sector(self, sector_id: str) -> Sector | None:
        return next((s for s in self.sectors.sectors if s.id == sector_id), None)

    def __post_init__(self) -> None:
        """The files agree with each other: every basis, sector and regime named is defined."""
        check_agreement(self, known=set(self.basis_ids()) | {EMPLOYER_TAX})


_FILES = {
    "regimes": ("de_minimis.toml", RegimeFile),
    "covid": ("covid_tf.toml", CovidFile),
    "sectors": ("sectors.toml", SectorFile),
    "bases": ("bases.toml", BasisFile),
    "gge": ("gge.toml", GgeFile),
}


@lru_cache(maxsize=8)
def load_rules(directory: Path | str | None = None) -> Rules:
    """Load and validate every rules file of ``directory`` (default: the shipped rules); a copy
    validated before from the same files is read from :mod:`deminimis.rules_cache`."""
    folder = Path(directory) if directory else RULES_DIR
    files = [folder / name for name, _ in _FILES.values()]
    modules = (__name__, GgeFile.__module__, "deminimis.rules.checks", "deminimis.rule_model")
    return rules_cache.cached("rules", files, modules, lambda: _validated(folder))


def _validated(folder: Path) -> Rules:
    parts = {key: read(folder / name, model) for key, (name, model) in _FILES.items()}
    regimes: RegimeFile = parts["regimes"]  # type: ignore[assignment]
    covid: CovidFile = parts["covid"]  # type: ignore[assignment]
    check_entries(folder, regimes, covid, SCHEMES)
    try:
        return Rules(directory=folder, **parts)  # type: ignore[arg-type]
    except ValueError as exc:
        raise RuleDataError(str(exc)) from exc


__all__ = ["EMPLOYER_TAX", "SCHEMES", "Citation", "CovidFile", "Limit", "RegimeEntry", "Rules", "load_rules"]
