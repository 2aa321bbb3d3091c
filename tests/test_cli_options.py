"""The CLI's shortcuts for a plain --amount and an ISO --grant-date agree with the general rules."""

from __future__ import annotations

import random

import click
import polars as pl
import pytest

from deminimis import cli_options
from deminimis.money import amount_note_expr, amount_problem_expr
from deminimis.sources import tables

PLAIN = ["0", "1", "0012", "150000", "1.5", "1.55", "123456789012345", "999999999999999.99"]
NOT_PLAIN = ["1.555", "200.000", "1234567890123456", "1.", " 7", "-5", "１２", "1 234", "1,5"]
DAYS = ["2021-05-17", "1900-01-01", "2199-12-31", "1899-12-31", "2200-01-01", "2021-02-30", "0000-01-01"]


def test_a_plain_amount_has_no_problem_and_no_note_by_the_general_rules() -> None:
    random.seed(11)
    plain = PLAIN + [f"{random.randint(0, 10**12)}.{random.randint(0, 99)}" for _ in range(300)]
    assert all(cli_options._PLAIN_AMOUNT.fullmatch(v) for v in plain)
    assert not any(cli_options._PLAIN_AMOUNT.fullmatch(v) for v in NOT_PLAIN)
    frame = pl.DataFrame({"a": plain}, schema={"a": pl.Utf8})
    found = frame.select(p=amount_problem_expr(pl.col("a")), n=amount_note_expr(pl.col("a")))
    assert found["p"].null_count() == found["n"].null_count() == len(plain)


def test_an_iso_grant_date_is_accepted_exactly_when_the_date_rules_accept_it() -> None:
    frame = pl.DataFrame({"d": DAYS}).with_columns(p=tables.date_problem("d"))
    for day, problem in frame.iter_rows():
        assert cli_options._real_day(day, tables.DATE_RANGE) == (problem is None), day


@pytest.mark.parametrize("value", ["2021-02-30", "2200-01-01"])
def test_a_date_that_does_not_exist_is_still_a_usage_error(value: str) -> None:
    param = click.Option(["--grant-date"])
    with pytest.raises(SystemExit) as exc:
        cli_options.date_option(click.Context(click.Command("check")), param, value)
    assert exc.value.code == 2


CHECK = ["check", "--orgnr", "974760673", "--grant-date", "2021-05-17"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--amount", "abc"], "deminimis: feil: --amount «abc»: beløpet «abc» er ikke et tall"),
        (["--amount", "200.000"], "«200.000»: ett punktum foran tre sifre kan bety 200 eller 200 000"),
        (["--amount", "5", "--grant-date", "31.11.2026"], "--grant-date «31.11.2026»: datoen finnes ikke"),
        (["--amount", "abc", "--lang", "en"], "error: --amount 'abc': amount 'abc' is not a number"),
        (["--amount", "5", "--grant-date", "31.11.2026", "--lang", "en"], "'31.11.2026' is not a real date"),
    ],
)
def test_an_option_typo_is_said_in_the_commands_language(args: list[str], said: str) -> None:
    """Bokmål by default; ``--lang en`` anywhere on the line (it is read first) gives English."""
    from click.testing import CliRunner

    from deminimis.cli import main

    result = CliRunner().invoke(main, [*CHECK, *args])
    assert result.exit_code == 2 and said in result.output
    assert ("error" in result.output) == ("en" in args)  # no English word in the bokmål line
