"""The fixed parts of an .xlsx workbook (content types, relationships, workbook, styles) and
the names and references every part uses; the sheets' XML is built in :mod:`deminimis.render.xlsx`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MONEY_FORMAT = "#,##0.00"
"""Shown by a Norwegian Excel as ``1 234 567,89`` (the separators come from the locale)."""
DATE_FORMAT = "dd.mm.yyyy"
HEADER_STYLE, MONEY_STYLE, DATE_STYLE = 1, 2, 3
"""Cell styles (``styles.xml`` ``cellXfs``): bold, money, date."""

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (
    f'{DECL}<styleSheet {NS}><numFmts count="2"><numFmt numFmtId="164" formatCode="{{money}}"/>'
    '<numFmt numFmtId="165" formatCode="{date}"/></numFmts><fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


class Entry(NamedTuple):
    """A sheet as the workbook lists it: its name, whether it is hidden, its autofilter range."""

    name: str
    hidden: bool
    autofilter: str | None


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``26`` -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """XML text of one header cell or attribute (the cells are escaped by :func:`_escaped`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _absolute(ref: str) -> str:
    """``A1:Q5`` -> ``$A$1:$Q$5``."""
    return ":".join(re.sub(r"([A-Z]+)([0-9]+)", r"$\1$\2", part) for part in ref.split(":"))


def _workbook_xml(sheets: list[Entry]) -> str:
    hidden = ' state="hidden"'
    entries = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}"{hidden if s.hidden else ""} r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"'{escape(s.name).replace(chr(39), chr(39) * 2)}'!{_absolute(s.autofilter)}</definedName>"
        for i, s in enumerate(sheets)
        if s.autofilter
    )
    return (
        f'{DECL}<workbook {NS} xmlns:r="{REL_NS}"><bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{entries}</sheets>{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>"
    )


def package(sheets: list[Entry]) -> dict[str, str]:
    """Every part of the workbook but the sheets' own XML, by its name in the zip."""
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    pkg = "http://schemas.openxmlformats.org/package/2006"
    return {
        "[Content_Types].xml": f'{DECL}<Types xmlns="{pkg}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>{overrides}'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
        "_rels/.rels": f'{DECL}<Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": _workbook_xml(sheets),
        "xl/_rels/workbook.xml.rels": f'{DECL}<Relationships xmlns="{pkg}/relationships">{rels}'
        f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": _STYLES.format(money=escape(MONEY_FORMAT), date=escape(DATE_FORMAT)),
    }


__all__ = ["DATE_FORMAT", "MONEY_FORMAT", "Entry", "column_letter", "escape", "package"]
