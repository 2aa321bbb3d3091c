"""The officer's own columns of an applications file (``Saksbehandler``, ``Kommentar`` …).

Why: a case system's export has columns deminimis does not use, and the officer works from
the batch output with them; dropping them meant pasting them back by hand. The reader keeps
every applications column whose header is not a contract column, under its header as written
(:func:`names`), and the batch writers put each back in its place: after the output column of
the nearest input column before it that the output has (first, when none is), in the .csv
and .xlsx, and as an ``extra`` object (header -> text) in the .json/.jsonl decisions.

In the read frame such a column is named ``extra:<anchors>|<header>``, where ``<anchors>``
are the contract names of the input columns before it, nearest first; :func:`of` turns
those back into an :class:`Extra` for the writers.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

PREFIX = "extra:"


@dataclass(frozen=True)
class Extra:
    """The officer's columns (``frame``: one text column per header, one row per application,
    in input order) and, per header, the contract columns before it in the input, nearest first."""

    frame: pl.DataFrame
    after: dict[str, tuple[str, ...]]


def names(headers: list, names_: list[str], known: set[str]) -> dict[str, str]:
    """Read name -> ``extra:…`` name of each column whose header is not a contract column."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    before: list[str] = []
    for header, name in zip(headers, names_, strict=True):
        if name in known:
            before.insert(0, name)
            continue
        label = " ".join(str(header).split()) if header is not None else ""
        if not label:
            continue
        unique, n = label, 2
        while unique.lower() in seen:
            unique, n = f"{label} ({n})", n + 1
        seen.add(unique.lower())
        out[name] = f"{PREFIX}{','.join(before)}|{unique}"
    return out


def of(raw: pl.DataFrame) -> Extra | None:
    """The officer's columns of a read applications frame, or None when it has none."""
    cols = [c for c in raw.columns if c.startswith(PREFIX)]
    if not cols:
        return None
    split = {c: c.removeprefix(PREFIX).split("|", 1) for c in cols}
    frame = raw.select(pl.col(c).alias(label) for c, (_, label) in split.items())
    after = {label: tuple(a for a in anchors.split(",") if a) for anchors, label in split.values()}
    return Extra(frame, after)


__all__ = ["PREFIX", "Extra", "names", "of"]
