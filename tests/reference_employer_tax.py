"""The reference's employer tax, in plain Python (tests only; see :mod:`tests.reference_impl`).

Contract §4 and ``rules/employer_tax.toml`` read directly: the zone of a row from
``aga_zones.csv`` (:mod:`csv`), rates, fribeløp and sectors from ``employer_tax.toml``
(:mod:`tomllib`). The advantage of a legal entity's year is recomputed for each grant date from
its own definition, month by month as in the a-melding:

- a monthly row adds its month's potential, ``wage base x (full rate - local rate)`` half-up to
  the øre; a yearly row is read as twelve equal months (the ``[monthly_reading]`` convention):
  by month k it has added k/12 of its potential, half-up to the øre;
- the room in month k is ``fribeløp - other de minimis aid of the entity dated in months 1..k of
  the year and on or before the grant date`` (never below 0);
- the advantage is the largest ``min(potential so far, room)`` over the twelve months (what was
  enjoyed is never taken back), and at least 0;
- a declared ``advantage_nok`` is counted as given; outside the fribeløp scheme nothing counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "deminimis" / "rules"


def _tenths(percent: str) -> int:
    whole, _, frac = percent.partition(".")
    return int(whole) * 10 + int(frac or 0)


def _half_up(num: int, den: int) -> int:
    return (2 * num + den) // (2 * den)


@dataclass
class Tables:
    """Zones by (year, kommunenummer) -> {area ('' = whole/rest): zone}, rates, fribeløp, sectors."""

    zones: dict[tuple[int, str], dict[str, str]]
    local: dict[tuple[int, str], int]  # (year, zone) -> tenths of a percent
    full: int
    fribelop: dict[tuple[int, str], int]  # (year, general|road_freight) -> cents
    sectors: dict[str, tuple[list[str], str]]  # id -> (fribeløp zones, fribeløp key)


def load_tables(folder: Path = RULES) -> Tables:
    toml = tomllib.loads((folder / "employer_tax.toml").read_text(encoding="utf-8"))
    zones: dict[tuple[int, str], dict[str, str]] = {}
    with (folder / "aga_zones.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            for year in range(int(row["year_from"]), int(row["year_to"]) + 1):
                for area in (row["area"] or "").lower().split("|"):
                    zones.setdefault((year, row["kommunenummer"]), {})[area] = row["zone"]
    local = {
        (y, z): _tenths(p)
        for e in toml["rates"]
        for y in range(e["year_from"], e["year_to"] + 1)
        for z, p in e["zones"].items()
    }
    fribelop = {
        (y, key): (e.get(key) or e["general"]) * 100
        for e in toml["fribelop"]
        for y in range(e["year_from"], e["year_to"] + 1)
        for key in ("general", "road_freight")
    }
    sectors = {s["id"]: (s["fribelop_zones"], s.get("fribelop_key", "general")) for s in toml["sectors"]}
    return Tables(zones, local, _tenths(toml["full_rate_percent"]), fribelop, sectors)


@dataclass
class EntityYear:
    """One legal entity's employer-tax rows of one year."""

    declared: dict[int | None, int] = field(default_factory=dict)  # month (None: year) -> cents
    yearly: list[int] = field(default_factory=list)  # potential cents of yearly wage-base rows
    monthly: dict[int, int] = field(default_factory=dict)  # month -> potential cents
    fribelop: int = 0
    computed: bool = False  # has a wage-base row in the fribeløp scheme


def read(
    path: Path,
    tables: Tables,
    compact: Callable[[str], str],
    orgnr_ok: Callable[[str], bool],
    parse_cents: Callable[[str], int | None],
) -> tuple[dict[tuple[str, int], EntityYear], set[str]]:
    """Entity-years by (orgnr, year), and the orgnr with a row that cannot be used."""
    years: dict[tuple[str, int], EntityYear] = {}
    broken: set[str] = set()
    seen: set[tuple[str, int, int | None]] = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]
    for row in rows:
        o = compact(row["orgnr"])
        if not orgnr_ok(o):
            continue
        year = int(row["year"]) if re.fullmatch(r"\d+", row["year"]) else None
        text = row.get("month", "")
        month = int(text) if re.fullmatch(r"\d+", text) else None
        sector = (row.get("sector") or "general").lower()
        adv_text, base_text = row.get("advantage_nok", ""), row.get("wage_base_nok", "")
        adv = parse_cents(adv_text) if adv_text else None
        base = parse_cents(base_text) if base_text else None
        key = (o, year, month)
        bad = (
            year is None
            or not 2019 <= year <= 2026
            or (text and (month is None or not 1 <= month <= 12))
            or bool(adv_text) == bool(base_text)
            or (adv_text and adv is None)
            or (base_text and base is None)
            or sector not in tables.sectors
            or key in seen
        )
        seen.add(key)
        zone = None
        if not bad and base is not None:
            knr = row.get("kommunenummer", "").zfill(4)
            by_area = tables.zones.get((year, knr), {})
            area = row.get("area", "").lower()
            zone = by_area.get(area) if area else None
            zone = zone or by_area.get("")
            bad = zone is None
        if bad:
            broken.add(o)
            continue
        ey = years.setdefault((o, year), EntityYear())
        if adv is not None:
            ey.declared[month] = ey.declared.get(month, 0) + adv
            continue
        scheme_zones, fkey = tables.sectors[sector]
        if zone not in scheme_zones:
            continue  # regional aid or no aid: nothing counts
        potential = _half_up(base * (tables.full - tables.local[(year, zone)]), 1000)
        ey.computed, ey.fribelop = True, tables.fribelop[(year, fkey)]
        if month is None:
            ey.yearly.append(potential)
        else:
            ey.monthly[month] = ey.monthly.get(month, 0) + potential
    for o, year, month in seen:  # a year given both whole and by month cannot be used
        if month is None and any(k[:2] == (o, year) and k[2] is not None for k in seen):
            broken.add(o)
    return years, broken


def other_aid_nok(award, rates) -> int:
    """Other de minimis aid in NOK øre: NOK as given, else its EUR at its own date x the NOK rate."""
    if award.currency == "NOK":
        return award.cents
    eur = rates.to_eur_cents(award.cents, award.currency, award.day)
    return int((Decimal(eur) * rates.rate("NOK", award.day)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def row_advantages(
    ey: EntityYear, other: list[tuple[dt.date, int]], grant: dt.date
) -> list[tuple[int | None, int]]:
    """``(month or None for the year, advantage in NOK øre)`` of each row of the entity-year
    for a grant on ``grant``; ``other``: (date, NOK øre) of the entity's other de minimis aid in
    that year. A monthly row holds the growth of the year's advantage in its month."""
    out = list(ey.declared.items())
    if not ey.computed:
        return out
    best, by_month = 0, {}
    for k in range(1, 13):
        so_far = sum(_half_up(p * k, 12) for p in ey.yearly)
        so_far += sum(p for m, p in ey.monthly.items() if m <= k)
        used = sum(c for day, c in other if day.month <= k and day <= grant)
        best = by_month[k] = max(best, min(so_far, max(ey.fribelop - used, 0)))
    if ey.yearly:  # (a yearly and monthly rows of one year are not generated)
        return [*out, (None, best)]
    before = 0
    for m in sorted(ey.monthly):
        out.append((m, by_month[m] - before))
        before = by_month[m]
    return out


def advantage(ey: EntityYear, other: list[tuple[dt.date, int]], grant: dt.date) -> int:
    """The year's advantage in NOK øre for a grant on ``grant``."""
    return sum(cents for _, cents in row_advantages(ey, other, grant))


__all__ = ["EntityYear", "Tables", "advantage", "load_tables", "other_aid_nok", "read", "row_advantages"]
