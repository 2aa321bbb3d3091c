"""Plain cells by a cheap expression, the others by the general rules once per distinct value.

Why: a national file has a million cells already in the contract's plain form (``974760673``,
``150000.00``) and a few thousand that are not (``974 760 673``, ``kr 1 234,50``, a wrong
check digit). The general rules (regular expressions, python-stdnum, the messages) run only
on the distinct other values, and their answers are put back at those rows by position (a
scatter, not a join of the whole table). ``tests/test_fast_parsing.py`` pins that both ways
give the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

Rules = Callable[[pl.DataFrame], pl.DataFrame]
"""The general rules: a frame of text cells -> the same rows with the answer columns added."""


def plain_or_general(
    frame: pl.DataFrame, plain: pl.Expr, fast: dict[str, pl.Expr], general: Rules, on: str | list[str]
) -> pl.DataFrame:
    """``frame`` with the columns of ``fast`` where ``plain`` holds and the same columns from
    ``general`` elsewhere, run once per distinct value of the column(s) ``on`` of those rows."""
    computed = frame.select(plain.fill_null(False).alias("_plain"), **fast)
    odd = computed.get_column("_plain").not_().arg_true()
    columns = [computed.get_column(name) for name in fast]
    if odd.len():
        rows = frame.select(pl.col(on).gather(odd))
        answers = general(rows.unique())
        found = rows.join(answers, on=on, how="left", nulls_equal=True, maintain_order="left")
        columns = [c.scatter(odd, found.get_column(c.name).cast(c.dtype)) for c in columns]
    return frame.with_columns(columns)


SMALL = 1_000
"""Up to this many rows a table takes the shortcuts of small tables (a plain table by one
query, its cells tested in Python: each polars step costs 30-200 us, whatever the size)."""


def all_plain(frame: pl.DataFrame, tests: dict[str, Callable[[Any], bool]]) -> bool:
    """A small ``frame`` whose every value of each text column of ``tests`` passes its test
    (a column of another type is not plain: the general rules cast it)."""
    if frame.height > SMALL:
        return False
    present = [c for c in tests if c in frame.columns]
    if any(frame.schema[c] != pl.Utf8 for c in present):
        return False
    return all(all(map(tests[c], frame.get_column(c).to_list())) for c in present)


def per_distinct(frame: pl.DataFrame, on: str, general: Rules) -> pl.DataFrame:
    """``frame`` with the answer columns of ``general`` run once per distinct value of ``on``."""
    keys = frame.select(on)
    answers = general(keys.unique())
    found = keys.join(answers, on=on, how="left", nulls_equal=True, maintain_order="left")
    return frame.with_columns(found.drop(on))


__all__ = ["SMALL", "Rules", "all_plain", "per_distinct", "plain_or_general"]
