"""The law as data: load and query the rules files in this folder.

Each ``*.toml`` file here holds dated entries with their citation and confidence tag.
The loader is strict (pydantic over frozen dataclasses, ``extra="forbid"``:
:mod:`deminimis.rule_model`): an unknown key, a missing citation, an unsorted list, or a gap
or overlap in validity raises
:class:`~deminimis.errors.RuleDataError` naming the file, the entry and the problem.
Lookups are by date only; no Python code names a year.

An alternative rules directory (``--rules DIR``) replaces the shipped one as a whole,
so a new ceiling is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from deminimis import rules_cache
from deminimis.errors import RuleDataError
from deminimis.rule_model import check, rule, validate
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


def _timeline(entries: list[Dated], label: str) -> None:
    """Entries must be sorted, contiguous and non-overlapping."""
    for before, after in zip(entries, entries[1:], strict=False):
        if after.valid_from <= before.valid_to:
            raise RuleDataError(
                f"{label}: '{after.id}' (from {after.valid_from}) overlaps "
                f"'{before.id}' (to {before.valid_to})"
            )
        if after.valid_from != before.valid_to + dt.timedelta(days=1):
            raise RuleDataError(
                f"{label}: gap between '{before.id}' (to {before.valid_to}) and "
                f"'{after.id}' (from {after.valid_from}); add an entry with "
                "in_force = false to say why"
            )


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
        rows = []
        for e in self.regimes.entries:
            for scheme in e.schemes:
                for order, lim in enumerate(e.limits or [None]):
                    rows.append(
                        {
                            "scheme": scheme,
                            "entry_id": e.id,
                            "valid_from": e.valid_from,
                            "valid_to": e.valid_to,
                            "in_force": e.in_force,
                            "regime": e.regime,
                            "window_kind": e.window,
                            "window_years": e.window_years,
                            "limit_order": order,
                            "limit_id": lim.id if lim else None,
                            "limit_counts": lim.counts if lim else [],
                            "ceiling_cents": lim.ceiling_eur * 100 if lim else None,
                            "sector_ceilings": [
                                {"sector": k, "cents": v * 100}
                                for k, v in (lim.sector_ceilings_eur if lim else {}).items()
                            ],
                        }
                    )
        return pl.DataFrame(
            rows,
            schema_overrides={
                "sector_ceilings": pl.List(pl.Struct({"sector": pl.Utf8, "cents": pl.Int64})),
                "limit_counts": pl.List(pl.Utf8),
                "regime": pl.Utf8,
                "window_kind": pl.Utf8,
                "window_years": pl.Int64,
                "limit_id": pl.Utf8,
                "ceiling_cents": pl.Int64,
            },
        )

    def sector_frame(self) -> pl.DataFrame:
        rows = [
            {"sector": s.id, "prefix": p, "treatment": s.treatment}
            for s in self.sectors.sectors
            for p in s.nace_prefixes
        ]
        return pl.DataFrame(rows, schema={"sector": pl.Utf8, "prefix": pl.Utf8, "treatment": pl.Utf8})

    def sector(self, sector_id: str) -> Sector | None:
        return next((s for s in self.sectors.sectors if s.id == sector_id), None)

    def __post_init__(self) -> None:
        """The files agree with each other: every basis, sector and regime named is defined."""
        known = set(self.basis_ids()) | {EMPLOYER_TAX}
        sectors = {s.id for s in self.sectors.sectors}
        for e in self.regimes.entries:
            for lim in e.limits:
                if bad := set(lim.counts) - known:
                    raise ValueError(
                        f"de_minimis.toml: entry '{e.id}' limit '{lim.id}' counts unknown basis {sorted(bad)}"
                    )
                if bad := set(lim.sector_ceilings_eur) - sectors:
                    raise ValueError(
                        f"de_minimis.toml: entry '{e.id}' limit '{lim.id}' names unknown sector {sorted(bad)}"
                    )
        if bad := set(self.covid.counts) - known:
            raise ValueError(f"covid_tf.toml: counts unknown basis {sorted(bad)}")
        regimes = {e.regime for e in self.regimes.entries if e.regime}
        for g in self.gge.entries:
            if g.regime not in regimes:
                raise ValueError(f"gge.toml: entry '{g.id}' names unknown regime '{g.regime}'")
            if bad := set(g.sector_ceilings_eur) - sectors:
                raise ValueError(f"gge.toml: entry '{g.id}' names unknown sector {sorted(bad)}")


_FILES = {
    "regimes": ("de_minimis.toml", RegimeFile),
    "covid": ("covid_tf.toml", CovidFile),
    "sectors": ("sectors.toml", SectorFile),
    "bases": ("bases.toml", BasisFile),
    "gge": ("gge.toml", GgeFile),
}


def _read(path: Path, model: type) -> object:
    if not path.is_file():
        raise RuleDataError(f"{path}: rules file is missing")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"{path}: not valid TOML: {exc}") from exc
    return validate(model, data, lambda problems: RuleDataError(f"{path}: {problems}"))


@lru_cache(maxsize=8)
def load_rules(directory: Path | str | None = None) -> Rules:
    """Load and validate every rules file of ``directory`` (default: the shipped rules); a copy
    validated before from the same files is read from :mod:`deminimis.rules_cache`."""
    folder = Path(directory) if directory else RULES_DIR
    files = [folder / name for name, _ in _FILES.values()]
    modules = (__name__, GgeFile.__module__, "deminimis.rule_model")
    return rules_cache.cached("rules", files, modules, lambda: _validated(folder))


def _validated(folder: Path) -> Rules:
    parts = {key: _read(folder / name, model) for key, (name, model) in _FILES.items()}
    regimes: RegimeFile = parts["regimes"]  # type: ignore[assignment]
    covid: CovidFile = parts["covid"]  # type: ignore[assignment]
    ids = [e.id for e in regimes.entries]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise RuleDataError(f"{folder / 'de_minimis.toml'}: entry ids used twice: {dupes}")
    for scheme in SCHEMES:
        entries = [e for e in regimes.entries if scheme in e.schemes]
        if not entries:
            raise RuleDataError(f"{folder / 'de_minimis.toml'}: no entry for scheme '{scheme}'")
        _timeline(entries, f"{folder / 'de_minimis.toml'} (scheme {scheme})")
    _timeline(covid.framework, f"{folder / 'covid_tf.toml'} [framework]")
    _timeline(covid.scheme, f"{folder / 'covid_tf.toml'} [scheme]")
    for cap in covid.scheme:
        for day in (cap.valid_from, cap.valid_to):
            frame = next((f for f in covid.framework if f.covers(day)), None)
            if frame is None or cap.cap_eur > frame.cap_eur:
                raise RuleDataError(
                    f"{folder / 'covid_tf.toml'}: scheme entry '{cap.id}' on {day} "
                    "is outside the framework or above its cap"
                )
    try:
        return Rules(directory=folder, **parts)  # type: ignore[arg-type]
    except ValueError as exc:
        raise RuleDataError(str(exc)) from exc


__all__ = ["EMPLOYER_TAX", "SCHEMES", "Citation", "CovidFile", "Limit", "RegimeEntry", "Rules", "load_rules"]
