"""Write the declaration templates in fixtures/templates/ (run from the repository root).

    python scripts/make_templates.py

``egenerklaering.xlsx`` and ``egenerklaering.csv`` are what an officer sends an applicant to
collect its prior aid (the NFD declaration form's columns, rules.md §5.2) in the columns
``deminimis`` reads as an awards file (contract §1): Organisasjonsnummer, Støttegiver,
Støtteordning / hjemmel, Støttebeløp, Valuta, Dato for tilsagn om støtte, Referanse. A
title and an instruction row sit above the header (the reader finds the header row); the
XLSX also has a «Veiledning» sheet, number/date formats and pick lists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
TITLE = "Egenerklæring om bagatellmessig støtte og annen offentlig støtte"
INSTRUCTION = (
    "Før opp all offentlig støtte foretaket og andre foretak i samme konsern (ett og samme foretak) har "
    "fått tilsagn om i inneværende og de to foregående regnskapsårene (fra 11.11.2024: de siste tre år). "
    "Én rad per tilsagn. Se arket «Veiledning»."
)
HEADERS = (
    "Organisasjonsnummer",
    "Støttegiver",
    "Støtteordning / hjemmel",
    "Støttebeløp",
    "Valuta",
    "Dato for tilsagn om støtte",
    "Referanse",
)
BASES = (
    "Bagatellmessig støtte",
    "Bagatellmessig støtte til tjenester av allmenn økonomisk betydning",
    "Bagatellmessig støtte i landbruket",
    "Bagatellmessig støtte i fiskeri",
    "Gruppeunntak (forordning 651/2014)",
    "Kompensasjonsordning (covid-19)",
    "Notifisert ordning",
    "Annen støtte",
)
CURRENCIES = ("NOK", "EUR", "SEK", "DKK", "USD", "GBP")
GUIDE = (
    ("Kolonne", "Hva du skal fylle inn"),
    ("Organisasjonsnummer", "Organisasjonsnummeret (9 siffer) til foretaket som fikk støtten."),
    ("Støttegiver", "Hvem som ga støtten (kommune, fylkeskommune, Innovasjon Norge …)."),
    (
        "Støtteordning / hjemmel",
        "Hva støtten ble gitt etter, slik det står i tilsagnsbrevet: bagatellmessig støtte, gruppeunntak, "
        "kompensasjonsordning, notifisert ordning eller annet. Velg fra listen eller skriv teksten "
        "fra brevet.",
    ),
    ("Støttebeløp", "Beløpet i tilsagnet (for lån og garantier: bruttotilskuddsekvivalenten)."),
    ("Valuta", "Valutaen beløpet er oppgitt i (NOK hvis tomt)."),
    (
        "Dato for tilsagn om støtte",
        "Datoen foretaket fikk rett til støtten (vedtaks- eller tilsagnsdato), DD.MM.ÅÅÅÅ.",
    ),
    ("Referanse", "Saksnummer eller referanse i tilsagnsbrevet (valgfritt)."),
    ("", ""),
    ("Merk", "La linjene over overskriftsraden stå. Ikke legg inn sumrader; én rad per tilsagn."),
)
ROWS = 50


def write_xlsx(path: Path) -> None:
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"title": TITLE, "author": "deminimis", "created": dt.datetime(2025, 1, 1)})
    bold = wb.add_format({"bold": True, "font_size": 13})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = wb.add_format({"num_format": "@"})
    money = wb.add_format({"num_format": "#,##0.00"})
    day = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws = wb.add_worksheet("Egenerklæring")
    ws.write(0, 0, TITLE, bold)
    ws.merge_range(1, 0, 1, len(HEADERS) - 1, INSTRUCTION, wrap)
    ws.set_row(1, 45)
    header_row = 3
    ws.write_row(header_row, 0, HEADERS, head)
    widths = (20, 28, 40, 16, 9, 16, 18)
    formats = (text, None, None, money, None, day, text)
    for col, (width, fmt) in enumerate(zip(widths, formats, strict=True)):
        ws.set_column(col, col, width, fmt)
    first, last = header_row + 1, header_row + ROWS
    ws.data_validation(
        first, 2, last, 2, {"validate": "list", "source": list(BASES), "error_type": "information"}
    )
    ws.data_validation(first, 4, last, 4, {"validate": "list", "source": list(CURRENCIES)})
    ws.data_validation(
        first,
        5,
        last,
        5,
        {
            "validate": "date",
            "criteria": ">",
            "value": dt.date(2000, 1, 1),
            "error_message": "Skriv datoen som DD.MM.ÅÅÅÅ.",
        },
    )
    ws.freeze_panes(header_row + 1, 0)
    guide = wb.add_worksheet("Veiledning")
    guide.set_column(0, 0, 28)
    guide.set_column(1, 1, 90, wrap)
    for row, (left, right) in enumerate(GUIDE):
        guide.write(row, 0, left, head if row == 0 else None)
        guide.write(row, 1, right, head if row == 0 else wrap)
    wb.close()


def write_csv(path: Path) -> None:
    lines = [TITLE, f'"{INSTRUCTION}"', ";".join(HEADERS)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_xlsx(OUT / "egenerklaering.xlsx")
    write_csv(OUT / "egenerklaering.csv")


if __name__ == "__main__":
    main()
