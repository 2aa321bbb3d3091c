"""Employer-tax zones, rates and fribeløp as data (``rules/aga_zones.csv``, ``rules/employer_tax.toml``).

The zone of every kommunenummer by year 2019-2026, with the former municipalities inside
merged ones as ``area`` (Finnøy in Stavanger, Haram in Ålesund …); the rates per zone and
the fribeløp per year and sector. Loaded strictly: unknown keys, a zone missing from a rate
entry, a year not covered, or a kommune in two zones at once fail loudly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl

from deminimis import rules_cache
from deminimis.errors import RuleDataError
from deminimis.rule_model import rule, validate
from deminimis.rules import RULES_DIR, Citation

ZONES = ("I", "Ia", "II", "III", "IV", "IVa", "V")
Confidence = Literal["V", "V-sec", "D", "UNVERIFIED"]


@rule
class RateEntry:
    id: str
    year_from: int
    year_to: int
    confidence: Confidence
    zones: dict[str, str]
    citation: Citation


@rule
class FribelopEntry:
    id: str
    year_from: int
    year_to: int
    general: int
    road_freight: int | None = None
    confidence: Confidence
    citation: Citation


@rule
class EmployerSector:
    id: str
    fribelop_zones: list[str]
    fribelop_key: str = "general"
    reason_en: str
    reason_nb: str


@rule
class MonthlyReading:
    """The convention for a yearly row that meets other aid of its year (a reading: the note)."""

    id: str
    confidence: Confidence
    citation: Citation
    officer_note_nb: str
    officer_note_en: str


@rule
class EmployerTaxFile:
    description: str
    unit: Literal["NOK"]
    full_rate_percent: str
    full_rate_zone: str
    de_minimis_zones: list[str]
    citation: Citation
    rates: list[RateEntry]
    fribelop: list[FribelopEntry]
    sectors: list[EmployerSector]
    monthly_reading: MonthlyReading


@dataclass(frozen=True, kw_only=True)
class EmployerTaxData:
    """The validated file and the zone table (built here, never read from a user's dict)."""

    file: EmployerTaxFile
    zones: pl.DataFrame
    """year, kommunenummer, kommunenavn, zone, area_key ('' = whole/rest), area (display)."""
    years: tuple[int, int]

    def sector(self, sector_id: str) -> EmployerSector | None:
        return next((s for s in self.file.sectors if s.id == sector_id), None)


def tenths(percent: str) -> int:
    """'10.6' -> 106 (tenths of a percent), exact."""
    whole, _, frac = percent.partition(".")
    if len(frac) > 1 or not whole.isdigit() or (frac and not frac.isdigit()):
        raise RuleDataError(f"employer_tax.toml: rate '{percent}' must have at most one decimal")
    return int(whole) * 10 + int(frac or 0)


def _years(entries: list, label: str) -> set[int]:
    covered: list[int] = [y for e in entries for y in range(e.year_from, e.year_to + 1)]
    if dupes := sorted({y for y in covered if covered.count(y) > 1}):
        raise RuleDataError(f"employer_tax.toml: [{label}] covers year(s) {dupes} twice")
    return set(covered)


def load(directory: Path | str | None = None) -> EmployerTaxData:
    """Load and validate ``employer_tax.toml`` and ``aga_zones.csv`` of a rules directory (a copy
    validated before from the same files is read from :mod:`deminimis.rules_cache`)."""
    return _load(Path(directory) if directory else RULES_DIR)


@lru_cache(maxsize=8)
def _load(folder: Path) -> EmployerTaxData:
    """:func:`load`, once per folder (the default and the shipped folder named are one)."""
    files = [folder / "employer_tax.toml", folder / "aga_zones.csv"]
    modules = (__name__, "deminimis.rules", "deminimis.rule_model")
    return rules_cache.cached("employer_tax", files, modules, lambda: _validated(folder))


def _validated(folder: Path) -> EmployerTaxData:
    path = folder / "employer_tax.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleDataError(f"{path}: {exc}") from exc
    file = validate(EmployerTaxFile, data, lambda problems: RuleDataError(f"{path}: {problems}"))
    zones = pl.read_csv(folder / "aga_zones.csv", comment_prefix="#", infer_schema=False)
    years_z = zones.select(
        pl.col("year_from").cast(pl.Int64).min(), pl.col("year_to").cast(pl.Int64).max()
    ).row(0)
    expanded = (
        zones.with_columns(
            year=pl.int_ranges(pl.col("year_from").cast(pl.Int64), pl.col("year_to").cast(pl.Int64) + 1)
        )
        .explode("year")
        .with_columns(area_key=pl.col("area").fill_null("").str.to_lowercase().str.split("|"))
        .explode("area_key")
        .select("year", "kommunenummer", "kommunenavn", "zone", "area_key", pl.col("area").fill_null(""))
    )
    if bad := sorted(set(expanded["zone"].unique()) - set(ZONES)):
        raise RuleDataError(f"{folder / 'aga_zones.csv'}: unknown zone(s) {bad}")
    clash = expanded.group_by("year", "kommunenummer", "area_key").agg(pl.col("zone").n_unique().alias("n"))
    if not (clash := clash.filter(pl.col("n") > 1)).is_empty():
        first = clash.row(0, named=True)
        raise RuleDataError(
            f"{folder / 'aga_zones.csv'}: kommunenummer {first['kommunenummer']} is in two zones "
            f"in {first['year']} (area '{first['area_key']}')"
        )
    span = set(range(years_z[0], years_z[1] + 1))
    for label, entries in (("rates", file.rates), ("fribelop", file.fribelop)):
        if missing := sorted(span - _years(entries, label)):
            raise RuleDataError(f"{path}: [{label}] does not cover year(s) {missing} of the zone table")
    for rate in file.rates:
        if set(rate.zones) != set(ZONES):
            raise RuleDataError(f"{path}: rates '{rate.id}' must give every zone {list(ZONES)}")
    return EmployerTaxData(file=file, zones=expanded.unique(), years=years_z)


def rate_frame(data: EmployerTaxData) -> pl.DataFrame:
    rows = [
        {"year": y, "zone": z, "local_tenths": tenths(p)}
        for e in data.file.rates
        for y in range(e.year_from, e.year_to + 1)
        for z, p in e.zones.items()
    ]
    return pl.DataFrame(rows)


def fribelop_frame(data: EmployerTaxData) -> pl.DataFrame:
    rows = [
        {"year": y, "fribelop_key": key, "fribelop_cents": amount * 100, "fribelop_id": e.id}
        for e in data.file.fribelop
        for y in range(e.year_from, e.year_to + 1)
        for key, amount in (("general", e.general), ("road_freight", e.road_freight or e.general))
    ]
    return pl.DataFrame(rows)


def zone_frame(frame: pl.DataFrame, data: EmployerTaxData) -> pl.DataFrame:
    """Add ``zone`` and ``zone_problem`` from ``year``, ``kommunenummer`` and optional ``area``."""
    keyed = frame.with_row_index("_z").with_columns(
        _area=pl.col("area").fill_null("").str.strip_chars().str.to_lowercase()
    )
    cands = keyed.select("_z", "year", "kommunenummer", "_area").join(
        data.zones, on=["year", "kommunenummer"]
    )
    exact = cands.filter((pl.col("_area") != "") & (pl.col("area_key") == pl.col("_area")))
    default = cands.filter(pl.col("area_key") == "")
    chosen = (
        pl.concat([exact.with_columns(_p=pl.lit(0)), default.with_columns(_p=pl.lit(1))])
        .sort("_z", "_p")
        .group_by("_z", maintain_order=True)
        .agg(pl.col("zone", "kommunenavn").first())
    )
    areas = (
        cands.filter(pl.col("area_key") != "")
        .group_by("_z")
        .agg(pl.col("area").unique().sort().str.join(", ").alias("_areas"))
    )
    known = data.zones.select("year", "kommunenummer").unique().with_columns(_known=pl.lit(True))
    lo, hi = data.years
    out = (
        keyed.join(chosen, on="_z", how="left")
        .join(areas, on="_z", how="left")
        .join(known, on=["year", "kommunenummer"], how="left")
    )
    problem = (
        pl.when(pl.col("year").is_null())
        .then(pl.lit(None))
        .when(~pl.col("year").is_between(lo, hi))
        .then(pl.format(f"year {{}} is outside the employer-tax data ({lo}-{hi})", pl.col("year")))
        .when(pl.col("kommunenummer").is_null())
        .then(pl.lit("kommunenummer is missing"))
        .when(pl.col("_known").is_null())
        .then(pl.format("unknown kommunenummer '{}' for {}", pl.col("kommunenummer"), pl.col("year")))
        .when(pl.col("zone").is_null())
        .then(
            pl.format(
                "kommunenummer {} has different zones by area in {}; give area (one of: {})",
                pl.col("kommunenummer"),
                pl.col("year"),
                pl.col("_areas"),
            )
        )
    )
    return out.with_columns(zone_problem=problem).drop("_z", "_area", "_areas", "_known")


def fribelop_nok(data: EmployerTaxData, year: int, key: str) -> int | None:
    """The fribeløp of ``year`` for a sector's ``fribelop_key`` (``general``, ``road_freight``)."""
    entry = next((e for e in data.file.fribelop if e.year_from <= year <= e.year_to), None)
    if entry is None:
        return None
    return entry.road_freight or entry.general if key == "road_freight" else entry.general


__all__ = [
    "ZONES",
    "EmployerTaxData",
    "fribelop_frame",
    "fribelop_nok",
    "load",
    "rate_frame",
    "tenths",
    "zone_frame",
]
