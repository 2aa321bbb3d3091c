"""Row errors in bokmål (``message_nb``): the readers' English messages matched to the
Norwegian texts of ``row_errors.toml``, and the column by its Norwegian name.

The readers keep one English message per problem (the contract's ``message``); this module is
the one place that says it in Norwegian, as a polars expression (every error of a batch at
once) with a scalar twin for texts built outside a frame.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import polars as pl

from deminimis.errors_nb import column_nb
from deminimis.render.messages import messages

CATALOGUE = Path(__file__).with_name("row_errors.toml")


@cache
def _catalogue() -> dict:
    with CATALOGUE.open("rb") as fh:
        return tomllib.load(fh)


def message_nb_expr(message: pl.Expr) -> pl.Expr:
    """The Norwegian text of each English row-error message (the fallback when none matches)."""
    cat = _catalogue()
    # The first pattern that matches: a flat coalesce, not a chain of 24 when-thens (a polars
    # plan costs more the deeper it nests); a matched pattern's text is never null.
    texts = [
        pl.when(message.str.contains(p["en"])).then(message.str.replace(p["en"], p["nb"]))
        for p in cat["patterns"]
    ]
    return pl.when(message.is_not_null()).then(pl.coalesce(*texts, pl.lit(cat["fallback"])))


def message_nb(message: str) -> str:
    """Scalar twin of :func:`message_nb_expr`."""
    return pl.select(message_nb_expr(pl.lit(message, pl.Utf8))).item()


def column_nb_expr(field: pl.Expr) -> pl.Expr:
    names = {k.removesuffix("_nb"): v for k, v in messages()["column_name"].items()}
    return field.replace_strict(names, default=field, return_dtype=pl.Utf8)


__all__ = ["column_nb", "column_nb_expr", "message_nb", "message_nb_expr"]
