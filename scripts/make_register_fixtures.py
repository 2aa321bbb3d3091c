"""Write fixtures/register/: a small Støtteregisteret bulk file and scheme file in the real shapes.

The shapes (UTF-16 LE with BOM, ``;``, ``dd.mm.yyyy``, decimal commas, the column names) are
those of register_and_law.md §2.2 (b); the rows are made up around three real-looking cases
(the 42 500 NOK municipal award of [K22], an Enova grant as in [K26], Skatteetaten's monthly
employer-tax de minimis under scheme 1000031862 [K20]). Run: ``python scripts/make_register_fixtures.py``.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "register"
HEADER = [
    "Støttetiltaksnummer", "Status", "Støttetiltakstype", "Organisasjonsnummer støttemottaker",
    "Spesifisert mottaker - Organisasjonsnummer", "Navn støttemottaker", "Organisasjonsnummer støttegiver",
    "Navn støttegiver", "Tildelingsdato", "Mottatt dato", "Tildelt beløp", "Tildelt beløp valuta",
    "Beløpsintervall fra beløp", "Beløpsintervall til beløp", "Beløpsintervall valuta", "Støtteinstrument",
    "Formål", "Primærrettslig grunnlag", "Næring", "Region", "Tilknyttet støtteordning",
]  # fmt: skip
DM = "Forordning (EU) 2023/2831 bagatellmessig støtte"
ROWS = [
    # id, status, type, orgnr, spec, name, giver orgnr, giver, date, received, amount, cur, ifrom, ito, icur,
    # instrument, purpose, legal basis, nace, region, scheme
    ["1000251908", "Registrert", "Bagatellmessig støtte", "934 189 698", "", "MOTTAKER AS", "983609155",
     "Enova SF", "09.04.2026", "25.08.2026", "60 000,00", "NOK", "", "", "", "Tilskudd", "Miljø", DM,
     "68.3", "50-Trøndelag", ""],
    ["1000252001", "Registrert", "Bagatellmessig støtte", "934189698", "", "MOTTAKER AS", "964982953",
     "Midtre Gauldal kommune", "16.09.2026", "20.09.2026", "42 500,00", "NOK", "", "", "", "Tilskudd",
     "Næringsutvikling", DM, "68.3", "50-Trøndelag", ""],
    ["1000252002", "Ulovlig støtte", "Støttetildeling med statsstøtte", "934189698", "", "MOTTAKER AS",
     "964982953", "Midtre Gauldal kommune", "01.03.2026", "02.03.2026", "90 000,00", "NOK", "", "", "",
     "Tilskudd", "Næringsutvikling", "", "68.3", "50-Trøndelag", ""],
    ["1000252003", "Registrert", "Bagatellmessig støtte", "934189701", "", "LÅNTAKER AS", "986399445",
     "Innovasjon Norge", "02.02.2026", "03.02.2026", "1 000 000,00", "NOK", "", "", "", "Lån",
     "Næringsutvikling", DM, "25.1", "50-Trøndelag", ""],
    ["1000252004", "Registrert", "Støttetildeling med statsstøtte", "934189701", "", "LÅNTAKER AS",
     "974761076", "Skatteetaten", "15.03.2026", "10.04.2026", "", "", "500 000,00", "1 500 000,00",
     "NOK", "Skatte- eller avgiftsfritak", "Forskning og utvikling", "", "25.1", "50-Trøndelag",
     "1000000472"],
    ["1000252005", "Registrert", "Støttetildeling med statsstøtte", "934189728", "", "FINNMARK FISK AS",
     "974761076", "Skatteetaten", "05.07.2026", "06.07.2026", "3 699 086,66", "NOK", "", "", "",
     "Skatte- eller avgiftsfritak", "Regionalstøtte", "", "10.209", "56-Finnmark", "1000029830"],
    ["1000252006", "Registrert", "Bagatellmessig støtte", "934189728", "", "FINNMARK FISK AS", "974761076",
     "Skatteetaten", "05.02.2026", "06.02.2026", "41 250,50", "NOK", "", "", "",
     "Skatte- eller avgiftsfritak", "Regionalstøtte", "", "10.209", "56-Finnmark", "1000031862"],
    ["1000252007", "Registrert", "Bagatellmessig støtte", "934189728", "", "FINNMARK FISK AS", "974761076",
     "Skatteetaten", "05.03.2026", "06.03.2026", "38 000,00", "NOK", "", "", "",
     "Skatte- eller avgiftsfritak", "Regionalstøtte", "", "10.209", "56-Finnmark", "1000031862"],
    ["1000252008", "Registrert", "Støttetildeling", "934189736", "", "UKJENT GRUNNLAG AS", "964982953",
     "Midtre Gauldal kommune", "10.05.2026", "11.05.2026", "25 000,00", "NOK", "", "", "", "Tilskudd",
     "Kultur", "", "90.0", "50-Trøndelag", ""],
    ["1000252009", "Registrert", "Bagatellmessig støtte", "934189752", "", "ANNEN FIRMA AS", "964982953",
     "Midtre Gauldal kommune", "31.02.2026", "11.05.2026", "25 000,00", "NOK", "", "", "", "Tilskudd",
     "Kultur", DM, "90.0", "50-Trøndelag", ""],
]  # fmt: skip
SCHEMES = [
    ["Støttetiltaksnummer", "Norsk navn støtteordning", "Nettadresse støtteordning"],
    ["1000031862", "Regionalt DA bagatellmessig 2026", "https://www.skatteetaten.no/"],
    ["1000029830", "Regionalt DA 2026-", "https://www.skatteetaten.no/"],
    ["1000000472", "SkatteFUNN", "https://www.forskningsradet.no/skattefunn/"],
]


def utf16(rows: list[list[str]]) -> bytes:
    text = "".join(";".join(r) + "\r\n" for r in rows)
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "stoettetildeling.csv").write_bytes(utf16([HEADER, *ROWS]))
    (OUT / "stoetteordning.csv").write_bytes(utf16(SCHEMES))


if __name__ == "__main__":
    main()
