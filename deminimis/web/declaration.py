"""The applicant's declaration form (egenerklæring), as XLSX and CSV, made in memory.

Why here: the officer's page offers it for download (``/egenerklaering.xlsx``), and
``scripts/make_templates.py`` writes the same bytes to ``fixtures/templates/``; one text.

The first sheet is the prior-aid table in the columns ``deminimis`` reads as an awards file
(contract §1; the NFD declaration form's columns, rules.md §5.2), under a title and an
instruction row (the reader finds the header row, row 4). The sheet «Foretaket og underskrift»
asks for the applicant's name and organisation number, the other firms of ett enkelt foretak
(artikkel 2 nr. 2) and the signed statement; «Veiledning» explains each column. The CSV holds
the table only (a CSV cannot be signed): its instruction names what the signed form adds.
"""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

TITLE = "Egenerklæring om bagatellmessig støtte og annen offentlig støtte"
SIGNED_SHEET = "Foretaket og underskrift"
INSTRUCTION = (
    "Før opp all offentlig støtte som søkeren og de andre foretakene i ett enkelt foretak har fått "
    "tilsagn om i inneværende og de to foregående regnskapsårene (for støtte gitt fra og med "
    "11.11.2024: de siste tre årene). Én rad per tilsagn. Fyll også ut arket «Foretaket og "
    "underskrift» og skriv under. Se arket «Veiledning»."
)
CSV_INSTRUCTION = (
    "Før opp all offentlig støtte som søkeren og de andre foretakene i ett enkelt foretak har fått "
    "tilsagn om i inneværende og de to foregående regnskapsårene (for støtte gitt fra og med "
    "11.11.2024: de siste tre årene). Én rad per tilsagn. Send med en underskrevet erklæring med "
    "foretakets navn og organisasjonsnummer og de andre foretakene i ett enkelt foretak "
    "(se arket «Foretaket og underskrift» i XLSX-malen)."
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
ROWS = 50
LINKED_ROWS = 12
"""Lines for the other firms of ett enkelt foretak on the signed sheet."""
SINGLE_UNDERTAKING = (
    "Foretak som er knyttet sammen, regnes som ett enkelt foretak (kommisjonsforordning (EU) "
    "2023/2831 artikkel 2 nr. 2). Det gjelder blant annet når ett foretak eier flertallet av "
    "stemmene i et annet, kan utnevne eller avsette flertallet av styret, har bestemmende "
    "innflytelse etter avtale eller vedtekter, eller kontrollerer flertallet av stemmene alene "
    "etter avtale med andre eiere, også gjennom ett eller flere andre foretak. Før opp alle "
    "slike foretak i Norge: morselskap, datterselskap "
    "og søsterselskap. Skriv «ingen» på første linje hvis søkeren ikke er knyttet til andre foretak."
)
STATEMENT = (
    "Jeg bekrefter at opplysningene i denne egenerklæringen er fullstendige og riktige, at all "
    "offentlig støtte til søkeren og de andre foretakene i ett enkelt foretak i perioden er ført "
    "opp, og at listen over foretak som hører til ett enkelt foretak, er fullstendig. Jeg er kjent "
    "med at uriktige eller mangelfulle opplysninger kan føre til at støtten må betales tilbake "
    "med renter."
)
SIGNATURE = ("Sted og dato", "Underskrift", "Navn med blokkbokstaver", "Stilling (f.eks. daglig leder)")
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
    (
        SIGNED_SHEET,
        "Søkerens navn og organisasjonsnummer, de andre foretakene i ett enkelt foretak og "
        "erklæringen med underskrift. Skriv ut arket og skriv under, eller send det med "
        "elektronisk signatur.",
    ),
    ("Merk", "La linjene over overskriftsraden stå. Ikke legg inn sumrader; én rad per tilsagn."),
)


def _table_sheet(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet("Egenerklæring")
    ws.write(0, 0, TITLE, fmt["title"])
    ws.merge_range(1, 0, 1, len(HEADERS) - 1, INSTRUCTION, fmt["wrap"])
    ws.set_row(1, 60)
    header_row = 3
    ws.write_row(header_row, 0, HEADERS, fmt["head"])
    widths = (20, 28, 40, 16, 9, 16, 18)
    formats = (fmt["text"], None, None, fmt["money"], None, fmt["day"], fmt["text"])
    for col, (width, cell) in enumerate(zip(widths, formats, strict=True)):
        ws.set_column(col, col, width, cell)
    first, last = header_row + 1, header_row + ROWS
    ws.data_validation(
        first, 2, last, 2, {"validate": "list", "source": list(BASES), "error_type": "information"}
    )
    ws.data_validation(first, 4, last, 4, {"validate": "list", "source": list(CURRENCIES)})
    after = {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1)}
    ws.data_validation(first, 5, last, 5, {**after, "error_message": "Skriv datoen som DD.MM.ÅÅÅÅ."})
    ws.freeze_panes(header_row + 1, 0)


def _signed_sheet(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(SIGNED_SHEET)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22, fmt["text"])
    ws.set_column(2, 2, 44)
    ws.write(0, 0, TITLE, fmt["title"])
    ws.write(2, 0, "Søkeren", fmt["bold"])
    for row, label in enumerate(("Foretakets navn", "Organisasjonsnummer"), start=3):
        ws.write(row, 0, label)
        ws.merge_range(row, 1, row, 2, "", fmt["field"])
    ws.write(6, 0, "Ett enkelt foretak", fmt["bold"])
    ws.merge_range(7, 0, 7, 2, SINGLE_UNDERTAKING, fmt["wrap"])
    ws.set_row(7, 95)
    ws.write_row(
        8,
        0,
        ("Foretakets navn", "Organisasjonsnummer", "Tilknytning (morselskap, datterselskap …)"),
        fmt["head"],
    )
    for row in range(9, 9 + LINKED_ROWS):
        ws.write_row(row, 0, ("", "", ""), fmt["field"])
    top = 10 + LINKED_ROWS
    ws.write(top, 0, "Erklæring", fmt["bold"])
    ws.merge_range(top + 1, 0, top + 1, 2, STATEMENT, fmt["wrap"])
    ws.set_row(top + 1, 80)
    for i, label in enumerate(SIGNATURE, start=top + 3):
        ws.write(i, 0, label)
        ws.merge_range(i, 1, i, 2, "", fmt["sign"])
        ws.set_row(i, 30 if label == "Underskrift" else 20)
    ws.fit_to_pages(1, 1)


def xlsx_bytes() -> bytes:
    """The declaration workbook (the same bytes on every call: a fixed creation date)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.set_properties({"title": TITLE, "author": "deminimis", "created": dt.datetime(2025, 1, 1)})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 13}),
        "bold": wb.add_format({"bold": True, "font_size": 11}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "text": wb.add_format({"num_format": "@"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
        "day": wb.add_format({"num_format": "dd.mm.yyyy"}),
        "field": wb.add_format({"border": 1, "num_format": "@"}),
        "sign": wb.add_format({"bottom": 1}),
    }
    _table_sheet(wb, fmt)
    _signed_sheet(wb, fmt)
    guide = wb.add_worksheet("Veiledning")
    guide.set_column(0, 0, 28)
    guide.set_column(1, 1, 90, fmt["wrap"])
    for row, (left, right) in enumerate(GUIDE):
        guide.write(row, 0, left, fmt["head"] if row == 0 else None)
        guide.write(row, 1, right, fmt["head"] if row == 0 else fmt["wrap"])
    wb.close()
    return out.getvalue()


def csv_bytes() -> bytes:
    """The table as CSV for Norwegian Excel (UTF-8 with BOM, semicolons, CRLF)."""
    lines = [TITLE, f'"{CSV_INSTRUCTION}"', ";".join(HEADERS)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


__all__ = ["HEADERS", "SIGNED_SHEET", "STATEMENT", "TITLE", "csv_bytes", "xlsx_bytes"]
