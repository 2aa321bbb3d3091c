"""The legal basis of a prior award, read from free text (``Gruppeunntak art. 22``).

Why per distinct value in Python: a national file has a few hundred basis texts in a
million rows, and the reading (whole words, the longest match, the safe reading) is not
an expression.
"""

from __future__ import annotations

import difflib
import re

import polars as pl


def _has_word(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


UNRECOGNISED_BASIS = ("count", "exclude")
"""A basis text that names no known basis: ``count`` it as de minimis with a warning (the safe
reading, default) or ``exclude`` it (read as ``other``, not counted, as before issue 15)."""


def nearest_basis(text: str, aliases: dict[str, str]) -> str | None:
    """The known basis word closest to ``text`` (difflib), for the warning that names it.

    >>> nearest_basis("bagatelmessig støtte", {"bagatellmessig støtte": "de_minimis", "gruppeunntak": "gber"})
    'bagatellmessig støtte'
    """
    words = [a for a in aliases if "_" not in a] or list(aliases)
    found = difflib.get_close_matches(" ".join(text.lower().split()), words, n=1, cutoff=0.0)
    return found[0] if found else None


def read_basis(
    text: str | None, aliases: dict[str, str], unrecognised: str = "count"
) -> tuple[str | None, str | None, str | None]:
    """One free-text legal basis -> (contract id, error, warning).

    An exact alias wins; else the longest alias found as whole words in the text; else the
    text names no known basis: counted as ``de_minimis`` with a warning naming the nearest
    known basis (``unrecognised="count"``, the safe reading), or read as ``other`` (not
    counted) with ``"exclude"``. Text with no letter or digit (or none at all) is an error.

    >>> al = {"gruppeunntak": "gber", "de minimis": "de_minimis", "sgei": "de_minimis_sgei"}
    >>> read_basis("Gruppeunntak art. 22", al)
    ('gber', None, None)
    >>> b, _, w = read_basis("Tilskudd fra fylket", al); print(b, w)
    de_minimis basis 'Tilskudd fra fylket' is not a known legal basis; counted as de minimis aid ...
    >>> read_basis("Tilskudd fra fylket", al, "exclude")[0]
    'other'
    >>> print(read_basis("SGEI de minimis", al)[2])
    basis 'SGEI de minimis' names several legal bases (de_minimis, de_minimis_sgei); read as de_minimis ...
    >>> print(read_basis("???", al)[1])
    basis '???' is not a legal basis (use one of de_minimis, de_minimis_sgei, gber, ...)
    """
    key = " ".join((text or "").lower().split())
    if not key:
        return None, "basis is missing", None
    if not re.search(r"\w", key):
        known = ", ".join(sorted(set(aliases.values())))
        words = "«bagatellmessig støtte», «gruppeunntak»"
        return (
            None,
            f"basis '{text}' is not a legal basis (use one of {known}, or words such as {words})",
            None,
        )
    if key in aliases:
        return aliases[key], None, None
    found = [a for a in aliases if _has_word(key, a)]
    if not found:
        if unrecognised == "exclude":
            why = "not counted as de minimis aid): check whether it was de minimis aid"
            return "other", None, f"basis '{text}' is not a known legal basis; read as 'other' ({why}"
        near = nearest_basis(key, aliases)
        return (
            "de_minimis",
            None,
            f"basis '{text}' is not a known legal basis; counted as de minimis aid (the safe reading); "
            f"nearest known basis: '{near}' ({aliases.get(near or '', '?')})",
        )
    best = min(found, key=lambda a: (-len(a), a))
    rest = key.replace(best, " ", 1)
    others = sorted({aliases[a] for a in found if aliases[a] != aliases[best] and _has_word(rest, a)})
    if not others:
        return aliases[best], None, None
    named = ", ".join([aliases[best], *others])
    safe = [b for b in (aliases[best], *others) if b.startswith("de_minimis")]
    if safe and safe[0] != aliases[best]:  # one of them is de minimis: the safe reading counts it
        return (
            safe[0],
            None,
            f"basis '{text}' names several legal bases ({named}); read as {safe[0]} "
            "(the safe reading): check it",
        )
    return (
        aliases[best],
        None,
        (
            f"basis '{text}' names several legal bases ({named}); read as {aliases[best]} "
            "(the longest match): check it"
        ),
    )


def with_basis(
    frame: pl.DataFrame, aliases: dict[str, str], col: str = "basis", unrecognised: str = "count"
) -> pl.DataFrame:
    """Add ``_basis`` (contract id), ``_basis_problem`` (a row error), ``_basis_warning`` and
    ``_basis_nearest`` (set when the text names no known basis and is counted as de minimis)
    to ``frame``, reading ``col`` with :func:`read_basis` once per distinct value."""
    table = basis_table(frame.get_column(col).unique().to_list(), aliases, col, unrecognised)
    return frame.join(table, on=col, how="left", nulls_equal=True)


BASIS_COLUMNS = ("_basis", "_basis_problem", "_basis_warning", "_basis_nearest")
"""The columns :func:`with_basis` adds, in order (all text)."""


def basis_readings(
    values: list[str | None], aliases: dict[str, str], unrecognised: str = "count"
) -> list[tuple[str | None, ...]]:
    """The :data:`BASIS_COLUMNS` of each of the distinct ``values`` (:func:`read_basis`)."""
    read = [read_basis(v, aliases, unrecognised) for v in values]
    return [
        (*r, nearest_basis(v, aliases) if r[2] and "counted as de minimis" in r[2] else None)  # type: ignore[arg-type]
        for v, r in zip(values, read, strict=True)
    ]


def basis_table(
    values: list[str | None], aliases: dict[str, str], col: str = "basis", unrecognised: str = "count"
) -> pl.DataFrame:
    """The columns of :func:`with_basis` for each of the distinct ``values`` of ``col``."""
    read = basis_readings(values, aliases, unrecognised)
    columns = {col: values, **{name: [r[i] for r in read] for i, name in enumerate(BASIS_COLUMNS)}}
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))
