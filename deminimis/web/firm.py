"""Firm facts for the page's orgnr field: name, kommune, NACE, status and employer-tax zone.

Why here and not only in the decision: the officer should see *which* firm the number is
before entering the grant. The facts come from the same place the checks use
(:func:`deminimis.firms.firm_facts`: the server's ``--firms`` file, the local Brreg
snapshot, ``--online`` lookups); the zone from the employer-tax tables of the year asked.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from deminimis import aga_zones
from deminimis import orgnr as orgnr_mod
from deminimis.errors import DeminimisError
from deminimis.firms import firm_facts
from deminimis.sources import tables


@cache
def _firms_frame(path: Path) -> pl.DataFrame:
    frame, _ = tables.canonical_firms(tables.read_table(path, "firms"))
    return frame


def load_firms(path: Path | None) -> pl.DataFrame | None:
    """The server's firms file, read once (its broken rows are left out, as in a check)."""
    return None if path is None else _firms_frame(Path(path))


def _zone(kommunenummer: str | None, year: int, rules_dir: Path | None) -> dict[str, Any]:
    if not kommunenummer:
        return {}
    data = aga_zones.load(rules_dir)
    lo, hi = data.years
    year = min(max(year, lo), hi)
    frame = pl.DataFrame(
        {"year": [year], "kommunenummer": [kommunenummer.zfill(4)], "area": [None]},
        schema={"year": pl.Int64, "kommunenummer": pl.Utf8, "area": pl.Utf8},
    )
    hit = aga_zones.zone_frame(frame, data).row(0, named=True)
    return {
        "zone_year": year,
        "zone": hit["zone"],
        "kommune": hit["kommunenavn"],
        "zone_problem": hit["zone_problem"],
    }


def lookup(orgnr: str, settings: Any, year: int | None = None) -> dict[str, Any]:
    """Facts of one orgnr as JSON-ready text; ``problem`` says why there are none."""
    problem = orgnr_mod.problem(orgnr)
    if problem:
        return {"orgnr": orgnr, "found": False, "problem": problem}
    number = orgnr_mod.compact(orgnr)
    try:
        facts = firm_facts(load_firms(settings.firms_file), [number], online=settings.online)
    except DeminimisError as exc:  # a failed online lookup: say so, do not break the page
        return {"orgnr": number, "found": False, "problem": str(exc)}
    if facts is None:
        return {"orgnr": number, "found": False, "problem": None, "no_source": True}
    rows = facts.filter(pl.col("orgnr") == number).to_dicts()
    if not rows or not rows[0].get("name"):
        why = rows[0].get("problem") if rows else "not in the firms file"
        return {"orgnr": number, "found": False, "problem": why or "not found"}
    row = rows[0]
    out = {
        "orgnr": number,
        "found": True,
        "formatted": orgnr_mod.format(number),
        "name": row["name"],
        "nace": row["nace"],
        "kommunenummer": row["kommunenummer"],
        "status": row["status"] or None,
        "source": row["source"],
        "problem": row.get("problem"),
    }
    out.update(_zone(row["kommunenummer"], year or dt.date.today().year, settings.rules_dir))
    return out


__all__ = ["load_firms", "lookup"]
