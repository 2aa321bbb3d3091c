"""click's own usage errors in the command's --lang: bokmål by default for check, ledger reserve,
letter and zone; English with --lang en; English (click's text) where no bokmål text exists."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from deminimis.cli import main
from deminimis.cli_usage import LangCommand, args_lang, usage_nb

ENGLISH = ("Usage", "Error", "Try", "No such option", "Missing", "Invalid", "is not")


def _run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(main, list(args))
    return done.exit_code, done.stderr


def _bokmal(err: str, error: str) -> None:
    assert err.splitlines()[-1] == f"Feil: {error}"
    assert err.startswith("Bruk: ") and "--help» for hjelp." in err
    assert not [word for word in ENGLISH if word in err], err


def test_an_unknown_option_in_bokmal_by_default_in_english_when_asked() -> None:
    code, err = _run("check", "--orgnr", "974760673", "--amont", "1000")
    assert code == 2
    _bokmal(err, "ukjent valg «--amont» (mente du «--amount», «--lang» eller «--payments»?)")
    code, err = _run("check", "--lang", "en", "--orgnr", "974760673", "--amont", "1000")
    assert code == 2 and "Error: No such option '--amont'." in err and "Feil" not in err


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("check", "--amount", "1000"), "mangler valget «--orgnr»"),
        (("ledger", "reserve", "--amount", "1"), "mangler valget «--orgnr»"),
        (
            ("check", "--orgnr", "974760673", "--format", "pdf"),
            "«--format» kan ikke være «pdf»; velg «text», «json» eller «letter»",
        ),
        (
            ("check", "--orgnr", "974760673", "--lang", "xx"),
            "«--lang» kan ikke være «xx»; velg «nb» eller «en»",
        ),
        (
            ("zone", "Oslo", "--year", "1800"),
            "«--year» kan ikke være «1800»: verdien er utenfor det tillatte området",
        ),
        (("zone", "Oslo", "--year", "abc"), "«--year» må være et heltall, ikke «abc»"),
        (("zone",), "mangler KOMMUNE"),
        (("letter", "decisions.jsonl", "--bogus"), "ukjent valg «--bogus» (mente du «--out»?)"),
        (("check", "--orgnr", "974760673", "extra"), "uventet argument: extra"),
    ],
)
def test_each_kind_of_usage_error_in_bokmal(args: tuple[str, ...], error: str) -> None:
    code, err = _run(*args)
    assert code == 2
    _bokmal(err, error)


def test_a_usage_error_without_a_bokmal_text_stays_as_click_says_it() -> None:
    def refuse(ctx: click.Context, param: click.Parameter, value: str) -> str:
        raise click.UsageError("something click-specific", ctx)

    command = LangCommand(
        "demo", params=[click.Option(["--lang"], default="nb"), click.Option(["--x"], callback=refuse)]
    )
    done = CliRunner().invoke(command, ["--x", "1"])
    assert done.exit_code == 2 and "Error: something click-specific" in done.stderr
    assert usage_nb(click.UsageError("something click-specific")) is None


def test_the_language_is_read_from_the_raw_arguments() -> None:
    command = LangCommand("demo", params=[click.Option(["--lang"], default="nb")])
    assert args_lang(command, []) == "nb"
    assert args_lang(command, ["--lang", "en"]) == "en"
    assert args_lang(command, ["--lang=en", "--lang", "nb"]) == "nb"
    assert args_lang(command, ["--lang", "xx"]) == "nb"  # not a language: the default
    assert args_lang(LangCommand("plain"), ["--lang", "xx"]) == "en"
