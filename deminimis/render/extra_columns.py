"""The officer's own applications columns in the batch outputs (see
:mod:`deminimis.sources.extra_columns` for how they are read and where they go)."""

from __future__ import annotations

import json

import polars as pl

from deminimis.errors import InputError
from deminimis.sources.extra_columns import Extra

SUFFIX = {"en": " (input)", "nb": " (søknad)"}
"""Added to an officer's header that is already the name of an output column."""
EXTRA_KEY = "extra"
"""The key of the officer's columns in each .json/.jsonl decision (header -> text)."""


def _aligned(extra: Extra, height: int) -> None:
    if extra.frame.height != height:  # one decision per application row, in input order
        raise InputError(f"{extra.frame.height} rows of own columns for {height} decisions")


def placed(frame: pl.DataFrame, extra: Extra | None, final: dict[str, str] | None = None) -> pl.DataFrame:
    """``frame`` (one row per decision, contract column names) with the officer's columns in
    their place: each after the output column of the nearest input column before it, first when
    there is none, in input order. ``final``: the names the output's columns will get (nb)."""
    if extra is None:
        return frame
    _aligned(extra, frame.height)
    final = final or {}
    taken = {c.lower() for c in frame.columns} | {final.get(c, c).lower() for c in frame.columns}
    order = list(frame.columns)
    last: dict[str | None, str] = {}
    columns = {}
    for label in extra.frame.columns:
        name = label
        while name.lower() in taken:
            name += SUFFIX["nb" if final else "en"]
        taken.add(name.lower())
        anchor = next((a for a in extra.after[label] if a in frame.columns), None)
        at = order.index(last[anchor]) + 1 if anchor in last else (order.index(anchor) + 1 if anchor else 0)
        order.insert(at, name)
        last[anchor] = name
        columns[name] = extra.frame.get_column(label)
    return frame.with_columns(pl.Series(n, s, pl.Utf8) for n, s in columns.items()).select(order)


def json_expr(text: pl.Expr, extra: Extra | None, height: int) -> tuple[pl.Expr, pl.DataFrame | None]:
    """Each decision's JSON text with ``"extra": {header: text}`` added as its last key, over
    the frame returned with it (a ``_extra`` struct column to add to the decisions' frame)."""
    if extra is None:
        return text, None
    _aligned(extra, height)
    own = extra.frame.select(pl.struct(pl.all()).alias("_extra"))
    added = pl.concat_str(
        text.str.head(-1), pl.lit(f',"{EXTRA_KEY}":'), pl.col("_extra").struct.json_encode(), pl.lit("}")
    )
    return added, own


def json_text(text: str, extra: Extra | None, i: int) -> str:
    """One decision's JSON text (``text``) with the officer's columns of row ``i`` added."""
    if extra is None:
        return text
    values = extra.frame.row(i, named=True)
    return f'{text[:-1]},"{EXTRA_KEY}":{json.dumps(values, ensure_ascii=False, separators=(",", ":"))}}}'


__all__ = ["EXTRA_KEY", "SUFFIX", "json_expr", "json_text", "placed"]
