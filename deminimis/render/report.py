"""Reporting export: the grants as the ministry asks for them (``deminimis report``).

``--format kmd`` gives one row per granted aid with the columns of the KMD reporting for
the municipal compensation scheme (seed letter of 15 April 2021: «foretakets navn og
orgnr, tilskuddsbeløp, hjemmel»): ``navn, orgnr, tilskuddsbeløp, valuta, hjemmel,
vedtaksdato``. ``hjemmel`` names the route and the regulation in Norwegian words, e.g.
«Bagatellmessig støtte, forordning (EU) 2023/2831».

Only decisions that can be granted as decided (routes ``de_minimis`` and ``covid_tf``) are
reported by default; the others have no legal basis yet and are returned separately so the
caller can list them (``include_all`` reports them too, with a ``hjemmel`` saying so).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from deminimis.errors import InputError
from deminimis.models import Decision
from deminimis.render import outputs
from deminimis.render.tables import write_sheet

KMD_COLUMNS = ("navn", "orgnr", "tilskuddsbeløp", "valuta", "hjemmel", "vedtaksdato")
REPORT_FORMATS = ("kmd", "register")
GRANTED = ("de_minimis", "covid_tf")
SGEI = "Bagatellmessig støtte til tjenester av allmenn økonomisk betydning"
REGULATIONS = {
    "EU-1407/2013": "Bagatellmessig støtte, forordning (EU) nr. 1407/2013",
    "EU-2023/2831": "Bagatellmessig støtte, forordning (EU) 2023/2831",
    "EU-360/2012": f"{SGEI}, forordning (EU) nr. 360/2012",
    "EU-2023/2832": f"{SGEI}, forordning (EU) 2023/2832",
}
ROUTES = {
    "covid_tf": "Kommunal kompensasjonsordning, midlertidig rammeverk for statsstøtte (covid-19) punkt 3.1, "
    "ESA-vedtak 031/21/COL",
    "gber": "Ikke avgjort: ikke bagatellmessig støtte (gruppeunntaksforordningen (EU) nr. 651/2014, "
    "notifisert ordning eller avslag)",
    "manual_review": "Ikke avgjort: manuell vurdering",
    "error": "Ikke avgjort: feil i inndata",
}


def hjemmel(decision: Decision) -> str:
    """The legal basis of a decision in Norwegian words."""
    if decision.route == "de_minimis":
        return REGULATIONS.get(decision.regime or "", f"Bagatellmessig støtte, {decision.regime}")
    return ROUTES[decision.route]


def report_rows(
    decisions: list[Decision], *, include_all: bool = False
) -> tuple[pl.DataFrame, list[Decision]]:
    """(the KMD rows, the decisions left out because they are not granted as decided)."""
    chosen = [d for d in decisions if include_all or d.route in GRANTED]
    left_out = [d for d in decisions if not (include_all or d.route in GRANTED)]
    rows = [
        {
            "navn": d.name,
            "orgnr": d.orgnr,
            "tilskuddsbeløp": d.amount,
            "valuta": d.currency,
            "hjemmel": hjemmel(d),
            "vedtaksdato": d.grant_date,
        }
        for d in chosen
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(KMD_COLUMNS, pl.Utf8)), left_out


def write_report(
    decisions: list[Decision], out: Path, fmt: str = "kmd", *, include_all: bool = False
) -> list[Decision]:
    """Write the report to ``out`` (.csv UTF-8 with BOM, or .xlsx); return the decisions left out."""
    out = Path(out)
    if fmt not in REPORT_FORMATS:
        raise InputError(f"report format '{fmt}': use one of {', '.join(REPORT_FORMATS)}")
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{out}: unknown report file type '{suffix}' (use .csv or .xlsx)")
    if fmt == "register":
        from deminimis.render.register_report import register_rows

        frame, left_out = register_rows(decisions, include_all=include_all)
        money, dates = ("tildelt beløp", "tildelt beløp i euro"), ("tildelingsdato", "frist for registrering")
    else:
        frame, left_out = report_rows(decisions, include_all=include_all)
        money, dates = ("tilskuddsbeløp",), ("vedtaksdato",)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        outputs.write_csv(frame, out)
    else:
        with outputs.atomic_path(out) as tmp, outputs.workbook(tmp) as workbook:
            write_sheet(workbook, "rapport", frame, money=money, dates=dates)
    return left_out


__all__ = ["KMD_COLUMNS", "REPORT_FORMATS", "hjemmel", "report_rows", "write_report"]
