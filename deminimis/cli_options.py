"""Option values checked where they are typed: a usage error (one line, exit 2), not a decision.

Why stricter than a file: in a declaration file the column settles what «200.000» means and the
reading is warned in the decision; on the command line a single ambiguous amount (200 or
200 000?) or a date that does not exist (31.11.2026) is a typing error to fix before anything
is decided. The rules themselves are the readers' (:mod:`deminimis.money`,
:mod:`deminimis.sources.tables`), so a value accepted here reads the same everywhere.

The error is said in the command's ``--lang`` (bokmål by default; the option is eager, so it is
read before the values it speaks about), the reader's message put in Norwegian by the row-error
catalogue (:func:`deminimis.render.row_errors.message_nb`), the one the decisions use.
"""

from __future__ import annotations

import datetime as dt
import re

import click

from deminimis.cli_errors import command_lang, fail

AMOUNT_HELP = (
    "A single dot before three digits ('200.000') is refused here: it may mean 200 or 200 000 "
    "(in a file it is read as 200 000, with a warning); '1.000.000' and '200.000,50' are read "
    "as thousands, with a warning."
)
_AMBIGUOUS = re.compile(r"^\D*\d{1,3}\.\d{3}\D*$")
"""One dot, three digits after it, no decimal comma: 200 with three decimals, or 200 000."""
_AMBIGUOUS_NB = (
    "ett punktum foran tre sifre kan bety 200 eller 200 000; skriv for eksempel 200000 eller «200 000,50»"
)
"""The bokmål of a refused ``200.000`` (the readers have no problem text for it: only a note)."""
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
"""Digits with at most two decimals: the readers take it with no problem and no note (their own
shortcut, ``sources.tables.with_amount``), so it needs no polars query here (about 30 ms of a
single check). tests/test_cli_options.py pins that the general rules agree."""
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def amount_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An amount by the declaration rules, stricter: a lone dotted ``200.000`` is refused."""
    import polars as pl

    from deminimis.money import amount_note_expr, amount_problem_expr

    if not value or _PLAIN_AMOUNT.fullmatch(value):
        return value
    frame = pl.DataFrame({"a": [value]}, schema={"a": pl.Utf8})
    problem, note = frame.select(amount_problem_expr(pl.col("a")), amount_note_expr(pl.col("a"))).row(0)
    if problem or (note and _AMBIGUOUS.match(value)):
        if command_lang(ctx) == "nb":
            why = _nb(problem) if problem else _AMBIGUOUS_NB
            fail(2, f"{param.opts[0]} «{value}»: {why}", "nb")
        why = problem or "a single dot before three digits is ambiguous here (200 or 200 000?)"
        fail(2, f"{param.opts[0]} '{value}': {why} (write e.g. 200000, '200 000' or '200 000,50')")
    return value


def date_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A date by the declaration rules: a date that does not exist is a usage error."""
    import polars as pl

    from deminimis.sources.tables import DATE_RANGE, date_problem

    if value is None or (_ISO_DAY.fullmatch(value) and _real_day(value, DATE_RANGE)):
        return value  # a real YYYY-MM-DD: the date rules accept it (no polars query)
    problem = pl.DataFrame({"d": [value]}).select(date_problem("d")).item()
    if problem and command_lang(ctx) == "nb":
        fail(
            2,
            f"{param.opts[0]} «{value}»: datoen finnes ikke; skriv for eksempel 2026-11-30 eller 30.11.2026",
            "nb",
        )
    if problem:
        fail(2, f"{param.opts[0]} '{value}' is not a real date (write e.g. 2026-11-30 or 30.11.2026)")
    return value


def _nb(problem: str) -> str:
    from deminimis.render.row_errors import message_nb

    return message_nb(problem)


def _real_day(iso: str, bounds: tuple[dt.date, dt.date]) -> bool:
    try:
        return bounds[0] <= dt.date.fromisoformat(iso) <= bounds[1]
    except ValueError:
        return False


__all__ = ["AMOUNT_HELP", "amount_option", "date_option"]
