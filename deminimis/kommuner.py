"""Kommuner by name or number for ``deminimis zone``: names, former names and renumberings.

Why: an officer knows the place («Etne», «Finnøy») or an old number from an old firms file
(1211), not the kommunenummer of the year asked. Everything here is read from the zone table
(``rules/aga_zones.csv``: each year's kommunenummer and kommunenavn, and the former
municipalities inside merged ones as ``area``), so a new merger or renumbering needs only the
data: a name is looked up in the year asked, then as the latest kommune or area that had it;
a number not in use that year is explained by the kommune of that name in that year.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import polars as pl

from deminimis.aga_zones import EmployerTaxData
from deminimis.errors import InputError


@dataclass(frozen=True)
class Place:
    """Where to look a zone up: a kommunenummer of the year and its name, the former municipality
    inside it (``area``), and ``former``: the name asked when it is no longer a kommune."""

    kommunenummer: str
    kommunenavn: str
    area: str | None = None
    former: str | None = None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _base(name: pl.Expr) -> pl.Expr:
    """``Herøy (Nordland)`` -> ``herøy``: the name without its county."""
    return name.str.replace(r"\s*\(.*\)$", "").str.to_lowercase()


def _names(data: EmployerTaxData) -> pl.DataFrame:
    """year, kommunenummer, kommunenavn, name (lower case: full, without county, or one of its
    names in several languages), area (or '')."""
    z = data.zones
    own = z.select("year", "kommunenummer", "kommunenavn", name=pl.col("kommunenavn").str.to_lowercase())
    short = z.select(  # each language's name: «Guovdageaidnu - Kautokeino»
        "year", "kommunenummer", "kommunenavn", name=_base(pl.col("kommunenavn")).str.split(" - ")
    ).explode("name")
    areas = z.filter(pl.col("area_key") != "").select(
        "year", "kommunenummer", "kommunenavn", name=pl.col("area_key")
    )
    frames = [own.with_columns(area=pl.lit("")), short.with_columns(area=pl.lit(""))]
    frames.append(areas.with_columns(area=pl.col("name")))
    return pl.concat(frames).unique()


def _one(hits: pl.DataFrame, text: str, year: int) -> pl.DataFrame:
    found = hits.select("kommunenummer", "kommunenavn").unique().sort("kommunenummer")
    if found.height > 1:
        which = ", ".join(f"{k} {n}" for k, n in found.rows())
        raise InputError(f"'{text}' names more than one kommune in {year}: {which} (give the number)")
    return hits


def find_place(data: EmployerTaxData, text: str, year: int) -> Place:
    """A kommunenummer, or the name of a kommune or former kommune («Etne», «Finnøy»), as the
    kommunenummer in ``year``: the zone table's names and areas are the only source."""
    text = text.strip()
    if re.fullmatch(r"\d{1,4}", text):
        number = text.zfill(4)
        here = data.zones.filter((pl.col("year") == year) & (pl.col("kommunenummer") == number))
        if here.is_empty():
            raise InputError(renumbered(data, number, year))
        return Place(number, here.get_column("kommunenavn")[0])
    names = _names(data)
    key = _key(text)
    hits = names.filter((pl.col("name") == key) & (pl.col("year") == year))
    if not hits.is_empty():
        hit = _one(hits, text, year).row(0, named=True)
        return Place(hit["kommunenummer"], hit["kommunenavn"], text if hit["area"] else None)
    earlier = names.filter(pl.col("name") == key)
    if earlier.is_empty():
        close = difflib.get_close_matches(key, names.get_column("name").unique().to_list(), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise InputError(f"'{text}' is not a kommune or former kommune in the zone table{hint}")
    last = earlier.filter(pl.col("year") == earlier.get_column("year").max())
    number = _one(last, text, year).get_column("kommunenummer")[0]
    place = data.zones.filter((pl.col("year") == year) & (pl.col("kommunenummer") == number))
    if place.is_empty():
        raise InputError(f"'{text}' is not a kommune in {year} ({renumbered(data, number, year)})")
    return Place(number, place.get_column("kommunenavn")[0], area=text, former=text)


def renumbered(data: EmployerTaxData, number: str, year: int) -> str:
    """Why ``number`` is not a kommunenummer in ``year``, with the number to use if it changed
    (1211 Etne -> 4611 Etne from 2020; 1141 Finnøy -> part of 1103 Stavanger)."""
    lo, hi = data.years
    if not lo <= year <= hi:
        return f"year {year} is outside the employer-tax data ({lo}-{hi})"
    rows = data.zones.filter(pl.col("kommunenummer") == number)
    if rows.is_empty():
        return f"unknown kommunenummer '{number}' for {year}"
    nearest = rows.with_columns(d=(pl.col("year") - year).abs()).sort("d", "year").row(0, named=True)
    name = nearest["kommunenavn"]
    first, last = rows["year"].min(), rows["year"].max()
    span = f"{first}" if first == last else f"{first}-{last}"
    now = data.zones.filter((pl.col("year") == year) & (pl.col("kommunenavn") == name))
    if not now.is_empty():
        new = now.get_column("kommunenummer")[0]
        return f"kommunenummer {number} ({name}) is not in use in {year}: {name} has kommunenummer {new}"
    areas = _names(data).filter(pl.col("area") == _key(name)).sort("year", descending=True)
    inside = areas.join(
        data.zones.filter(pl.col("year") == year).select("kommunenummer").unique(), on="kommunenummer"
    )
    if not inside.is_empty():
        hit = inside.row(0, named=True)
        return (
            f"kommunenummer {number} ({name}) is not in use in {year}: {name} is part of "
            f"{hit['kommunenummer']} {hit['kommunenavn']} (give the name «{name}»)"
        )
    return f"kommunenummer {number} ({name}) is not in use in {year}; it was used in {span}"


__all__ = ["Place", "find_place", "renumbered"]
