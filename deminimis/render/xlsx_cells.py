"""The cells of a sheet as polars expressions: each column's cell XML, the scan of which special
cases (``&<>``, CR, characters XML cannot hold, blanks at either end, empty texts, all dates or
numbers) each column holds, and the column widths.

Its own module because it is the per-column half of :mod:`deminimis.render.xlsx`: pure polars
expressions over one :class:`~deminimis.render.xlsx.Sheet`, with no zip, no threads and no
module state; :mod:`deminimis.render.xlsx` streams the rows they build (and keeps ``SLICE`` and
``MAX_ROWS``, which tests patch there). ``MAX_CHARS`` and ``MAX_WIDTH`` are re-exported there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from deminimis.render.xlsx_package import DATE_STYLE, MONEY_STYLE

if TYPE_CHECKING:  # only for the hints: xlsx imports this module
    from deminimis.render.xlsx import Sheet

MAX_CHARS = 32_767
MAX_WIDTH = 60
"""Characters; longer cells (reason texts) are cut off in view, not in content."""
_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$"
_BAD_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EPOCH = 25_569
"""The Excel serial number of 1970-01-01."""


def _escaped(expr: pl.Expr, found: set[str]) -> pl.Expr:
    """XML text of a text column; ``found``: the characters to replace that it holds (``&<>``;
    CR as a reference, which XML keeps; ``_x`` for the characters XML cannot hold at all,
    written as Excel's ``_xHHHH_``)."""
    expr = expr.str.slice(0, MAX_CHARS)
    if "_x" in found:
        expr = expr.str.replace_all(r"_(x[0-9A-Fa-f]{4}_)", "_x005F_$1")
        for code in [*range(0x20), 0xFFFE, 0xFFFF]:
            if chr(code) not in "\t\n\r":
                expr = expr.str.replace_all(chr(code), f"_x{code:04X}_", literal=True)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        if char in found:
            expr = expr.str.replace_all(char, entity, literal=True)
    return expr


def _ref(letter: str, style: int, kind: str = "") -> list[pl.Expr]:
    attrs = (f' s="{style}"' if style else "") + (f' t="{kind}"' if kind else "")
    return [pl.lit(f'<c r="{letter}'), pl.col("_r"), pl.lit(f'"{attrs}>')]


def _edge(text: pl.Expr) -> pl.Expr:
    """A blank (space, tab, line end) at either end."""
    return text.str.strip_chars().str.len_bytes() != text.str.len_bytes()


def _text_open(text: pl.Expr, spaced: bool) -> pl.Expr:
    """``<is><t>``, keeping the blanks at either end of a text that has them."""
    if not spaced:
        return pl.lit("<is><t>")
    return pl.when(_edge(text)).then(pl.lit('<is><t xml:space="preserve">')).otherwise(pl.lit("<is><t>"))


def _day(sheet: Sheet, name: str) -> pl.Expr | None:
    """The date of a date column's cells (null where the text is not an ISO date), else None."""
    col, dtype = pl.col(name), sheet.frame.schema[name]
    if dtype.is_temporal():
        return col.cast(pl.Date)
    if name in sheet.dates:
        return col.cast(pl.Utf8).str.to_date("%Y-%m-%d", strict=False)
    return None


def _numeric(sheet: Sheet, name: str) -> bool:
    dtype = sheet.frame.schema[name]
    return (dtype.is_numeric() or name in sheet.money) and dtype != pl.Boolean


def _cell(sheet: Sheet, name: str, letter: str, found: set[str]) -> pl.Expr:
    """The XML of one column's cells (null for an empty cell). ``found`` (:func:`_found`) says
    which special cases the column has, so the others cost nothing."""
    col, dtype = pl.col(name), sheet.frame.schema[name]
    if dtype == pl.Boolean:
        flag = col.cast(pl.Int8).cast(pl.Utf8)
        return pl.concat_str([*_ref(letter, 0, "b"), pl.lit("<v>"), flag, pl.lit("</v></c>")])
    if dtype.is_integer():
        return pl.concat_str([*_ref(letter, 0), pl.lit("<v>"), col.cast(pl.Utf8), pl.lit("</v></c>")])
    text = col.cast(pl.Utf8)
    parts = [*_ref(letter, 0, "inlineStr"), _text_open(text, " " in found), _escaped(text, found)]
    inline = pl.concat_str([*parts, pl.lit("</t></is></c>")])
    if "" in found:  # an empty text is an empty cell
        inline = pl.when(text != "").then(inline)
    if (day := _day(sheet, name)) is not None:
        serial = (day.cast(pl.Int32) + _EPOCH).cast(pl.Utf8)
        date = pl.concat_str([*_ref(letter, DATE_STYLE), pl.lit("<v>"), serial, pl.lit("</v></c>")])
        return date if "all" in found else pl.when(day.is_not_null()).then(date).otherwise(inline)
    if _numeric(sheet, name):
        style = MONEY_STYLE if name in sheet.money else 0
        number = pl.concat_str([*_ref(letter, style), pl.lit("<v>"), text, pl.lit("</v></c>")])
        return (
            number if "all" in found else pl.when(text.str.contains(_NUMBER)).then(number).otherwise(inline)
        )
    return inline


def _widths(sheet: Sheet) -> list[float]:
    """Widths from the longest cell of each column (header included; in bytes, so «ø» counts
    twice), capped at :data:`MAX_WIDTH`: the reason texts are cut off in view, not in content."""
    frame = sheet.frame
    fixed = {c: 10 for c in frame.columns if _day(sheet, c) is not None}
    fixed |= {c: 16 for c in frame.columns if c in sheet.money and c not in fixed}
    measured = [c for c in frame.columns if c not in fixed]
    longest = {}
    if frame.height and measured:
        row = frame.select(pl.col(c).cast(pl.Utf8).str.len_bytes().max() for c in measured).row(0)
        longest = dict(zip(measured, row, strict=True))
    chars = [max(len(c), fixed.get(c) or int(longest.get(c) or 0)) for c in frame.columns]
    return [float(min(n + 2, MAX_WIDTH)) for n in chars]


def _found(sheet: Sheet) -> dict[str, set[str]]:
    """Per text column, which of ``&<>``, CR, ``_x`` (a character XML cannot hold, or a literal
    ``_xHHHH_``) and `` `` (a blank at either end) it holds: most columns hold none, and each
    replacement is a pass over the text."""
    frame = sheet.frame
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    if not frame.height:
        return {}
    needles = ["&", "<", ">", "\r", "_x"]
    # Long texts (the decisions' JSON) are searched needle by needle (memchr), the others for
    # any needle at once (Aho-Corasick), then needle by needle only where one was found.
    long = [c for c in text if c in sheet.plain]
    checks = {(c, n): pl.col(c).str.contains(n, literal=True).any() for c in long for n in needles}
    checks |= {(c, "?"): pl.col(c).str.contains_any(needles).any() for c in text if c not in sheet.plain}
    checks |= {(c, "_x"): pl.col(c).str.contains(_BAD_XML).any() for c in text if c not in sheet.plain}
    checks |= {(c, " "): _edge(pl.col(c)).any() for c in text if c not in sheet.plain}
    checks |= {(c, ""): (pl.col(c) == "").any() for c in text}
    for c in frame.columns:  # "all": every value is a date (a number): no text cells to build
        if (day := _day(sheet, c)) is not None:
            checks[(c, "all")] = (day.is_not_null() | pl.col(c).is_null()).all()
        elif _numeric(sheet, c):
            checks[(c, "all")] = (pl.col(c).cast(pl.Utf8).str.contains(_NUMBER) | pl.col(c).is_null()).all()
    found = _hits(frame, checks)
    which = {
        (c, n): pl.col(c).str.contains(n, literal=True).any()
        for c in text
        if "?" in found[c]
        for n in needles
    }
    for column, hits in _hits(frame, which).items():
        found[column] = (found[column] | hits) - {"?"}
    return found


def _hits(frame: pl.DataFrame, checks: dict[tuple[str, str], pl.Expr]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {c: set() for c in frame.columns}
    if checks:
        row = frame.select(e.alias(str(i)) for i, e in enumerate(checks.values())).row(0)
        for (column, needle), hit in zip(checks, row, strict=True):
            if hit:
                found[column].add(needle)
    return found
