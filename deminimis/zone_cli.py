"""``deminimis zone PLACE``: the employer-tax zone of a kommune and what it means for de minimis.

PLACE is a kommunenummer or the name of a kommune or former kommune (:mod:`deminimis.kommuner`);
the year is ``--year``, else the year of ``--grant-date``, else this year. The answer gives
the zone and rate of that year, the fribeløp of the year for the sector, and whether the
reduced rate is de minimis aid (every figure and name from the rules data, the words from
``messages.toml``). Exit 2 with one line for an unknown place, year or date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from deminimis.cli_errors import errors_to_exit
from deminimis.cli_usage import LangCommand
from deminimis.errors import InputError

EXAMPLES = """
\b
Examples:
  deminimis zone Etne                          # this year, in Norwegian
  deminimis zone 4611 --year 2024 --lang en
  deminimis zone Finnøy --grant-date 17.05.2021   # Finnøy was part of Stavanger, zone Ia then
  deminimis zone 1211 --year 2024              # an old number: says which number to use
  deminimis zone Tromsø --sector road_freight
"""


def _year(year: int | None, grant_date: str | None) -> int:
    if year is not None:
        return year
    if grant_date is None:
        return dt.date.today().year
    import polars as pl

    from deminimis.sources.tables import date_expr

    day = pl.DataFrame({"d": [grant_date]}).select(date_expr("d")).item()
    if day is None:
        raise InputError(
            f"--grant-date '{grant_date}' is not a real date (write e.g. 2026-11-30 or 30.11.2026)"
        )
    return day.year


def _text(key: str, lang: str, **values: object) -> str:
    from deminimis.render.messages import messages

    return messages()[key][lang].format(**values)


def _number(value: str, lang: str) -> str:
    return value.replace(".", ",") if lang == "nb" else value


def _nok(amount: int, lang: str) -> str:
    return f"{amount:,}".replace(",", "\u00a0" if lang == "nb" else ",")


@click.command(epilog=EXAMPLES, cls=LangCommand)
@click.argument("place", metavar="KOMMUNE")
@click.option(
    "--year", type=click.IntRange(1900, 2999), help="Calendar year of the wages (default: see --grant-date)."
)
@click.option(
    "--grant-date",
    "grant_date",
    help="Grant date (YYYY-MM-DD or DD.MM.YYYY): its year is used when --year is not given; "
    "without either, this year.",
)
@click.option(
    "--area",
    help="Former municipality inside a merged one (e.g. Finnøy in Stavanger); its name does the same.",
)
@click.option(
    "--sector",
    default="general",
    show_default=True,
    help="Employer type, as in an employer-tax file: general, road_freight, agriculture_fishery, "
    "state_health or excluded (sector-excluded employers, firms in difficulty).",
)
@click.option(
    "--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True, help="Language of the answer."
)
@click.option(
    "--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False), help="Another rules directory."
)
@errors_to_exit
def zone(
    place: str, year: int | None, grant_date: str | None, area: str | None, sector: str, lang: str,
    rules_dir: Path | None,
) -> None:  # fmt: skip
    """Show the employer-tax zone of a kommune (number or name) and what it means for de minimis.

    KOMMUNE is a kommunenummer (4611) or a name, also of a former kommune inside a merged one
    (Etne, Finnøy, Haram). An old number (1211) is answered with the number to use.
    """
    import polars as pl

    from deminimis import aga_zones, employer_tax, kommuner

    data = employer_tax.load(rules_dir)
    kind = data.sector(sector)
    if kind is None:
        ids = ", ".join(s.id for s in data.file.sectors)
        raise InputError(f"--sector '{sector}': use one of {ids}")
    when = _year(year, grant_date)
    lo, hi = data.years
    if not lo <= when <= hi:
        raise InputError(f"year {when} is outside the employer-tax data ({lo}-{hi}); give --year")
    found = kommuner.find_place(data, place, when)
    where = {"year": [when], "kommunenummer": [found.kommunenummer], "area": [area or found.area]}
    hit = employer_tax.zone_frame(pl.DataFrame(where), data).row(0, named=True)
    if hit["zone_problem"]:
        raise InputError(hit["zone_problem"])
    rate = next(r for r in data.file.rates if r.year_from <= when <= r.year_to).zones[hit["zone"]]
    from deminimis.render.messages import messages

    sector_name = messages()["employer_sector"].get(f"{sector}_{lang}", sector)
    shown_area = area or (found.area if found.former is None else None)
    lines = [
        _text(
            "zone_line",
            lang,
            kommunenummer=found.kommunenummer,
            kommunenavn=hit["kommunenavn"],
            year=when,
            area=_text("zone_area", lang, area=shown_area) if shown_area else "",
            zone=hit["zone"],
            rate=_number(rate, lang),
        )  # fmt: skip
    ]
    if found.former:
        lines.append(
            _text("zone_former", lang, name=found.former, year=when, kommunenummer=found.kommunenummer,
                  kommunenavn=hit["kommunenavn"])
        )  # fmt: skip
    amount = aga_zones.fribelop_nok(data, when, kind.fribelop_key)
    if hit["zone"] in kind.fribelop_zones and amount is not None:
        lines.append(_text("zone_fribelop", lang, year=when, sector=sector_name, amount=_nok(amount, lang)))
        lines.append(_text("zone_de_minimis", lang))
    else:
        lines.append(_text("zone_no_fribelop", lang, sector=sector_name, zone=hit["zone"]))
        lines.append(_text("zone_not_de_minimis", lang, sector=sector_name, zone=hit["zone"]))
    lines.append(kind.reason_nb if lang == "nb" else kind.reason_en)
    click.echo("\n".join(lines))


__all__ = ["zone"]
