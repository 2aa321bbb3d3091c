"""Every command turns a deminimis error into one line on stderr and contract §2's exit code."""

from __future__ import annotations

import pytest

from deminimis.cli_errors import errors_to_exit
from deminimis.errors import DeminimisError, InputError, InvalidOrgNr, RuleDataError, SourceError
from deminimis.ledger.errors import Busy, Conflict, NotFound


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("awards.csv: no such file"), 2),
        (InvalidOrgNr("123: not 9 digits"), 2),
        (RuleDataError("de_minimis.toml: gap"), 2),
        (DeminimisError("other"), 2),
        (SourceError("Brreg is down", method="GET", url="https://x", status=503), 1),
        (Conflict("reservation 7 is released"), 4),
        (NotFound("no reservation 9"), 2),
        (Busy("ledger locked"), 2),
    ],
)
def test_each_error_gives_its_exit_code_and_one_line(error: Exception, code: int, capsys) -> None:
    @errors_to_exit
    def command() -> None:
        raise error

    with pytest.raises(SystemExit) as stopped:
        command()
    assert stopped.value.code == code
    assert capsys.readouterr().err == f"deminimis: error: {error}\n"


def _run(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from deminimis.cli import main

    done = CliRunner().invoke(main, list(args))
    return done.exit_code, done.stderr


CHECK = ("check", "--orgnr", "974760673", "--amount", "1000", "--grant-date", "2025-01-01")


def test_check_says_a_missing_file_in_bokmal_by_default_and_english_when_asked(tmp_path) -> None:
    missing = tmp_path / "nope.csv"
    code, err = _run(*CHECK, "--awards", str(missing))
    assert (code, err) == (2, f"deminimis: feil: {missing}: fila finnes ikke (tidligere støtte)\n")
    code, err = _run(*CHECK, "--lang", "en", "--firms", str(missing))
    assert (code, err) == (2, f"deminimis: error: {missing}: file not found (firms)\n")


def test_missing_columns_in_bokmal_name_the_norwegian_columns(tmp_path) -> None:
    links = tmp_path / "links.csv"
    links.write_text("orgnr,undertaking_id\n974760673,G1\n", encoding="utf-8")
    code, err = _run(*CHECK, "--awards", str(links))
    assert code == 2
    assert err == (
        f"deminimis: feil: {links}: mangler kolonnene «tildelingsdato», «beløp», «støttegrunnlag» "
        "for tidligere støtte (fant: organisasjonsnummer, konsern)\n"
    )
    for english in ("granted_on", "amount", "basis", "missing", "found", "awards"):
        assert english not in err.removeprefix(f"deminimis: feil: {links}")


def test_an_error_without_a_bokmal_text_stays_english_under_lang_nb(capsys) -> None:
    import click

    @click.command()
    @click.option("--lang", default="nb")
    @errors_to_exit
    def command(lang: str) -> None:
        raise InputError("x.csv: not a readable spreadsheet (BadZipFile)")

    with pytest.raises(SystemExit) as stopped:
        command.main([], standalone_mode=False)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "deminimis: error: x.csv: not a readable spreadsheet (BadZipFile)\n"


@pytest.mark.parametrize(
    ("content", "nb", "en"),
    [
        (b"", "fila er tom (tidligere støtte)", "the file is empty (awards)"),
        (
            b"orgnr,Org.nr,granted_on,amount,basis\n",
            "kolonnene «orgnr» og «Org.nr» betyr begge organisasjonsnummer; behold én av dem",
            "columns 'orgnr' and 'Org.nr' both mean orgnr; keep one of them",
        ),
    ],
)
def test_an_empty_file_and_a_doubled_column_in_bokmal(tmp_path, content: bytes, nb: str, en: str) -> None:
    path = tmp_path / "awards.csv"
    path.write_bytes(content)
    assert _run(*CHECK, "--awards", str(path)) == (2, f"deminimis: feil: {path}: {nb}\n")
    assert _run(*CHECK, "--lang", "en", "--awards", str(path)) == (2, f"deminimis: error: {path}: {en}\n")


def test_a_damaged_spreadsheet_in_bokmal_leaves_the_technical_detail_to_english(tmp_path) -> None:
    path = tmp_path / "awards.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    assert _run(*CHECK, "--awards", str(path)) == (
        2,
        f"deminimis: feil: {path}: fila kan ikke leses som regneark\n",
    )
    code, err = _run(*CHECK, "--lang", "en", "--awards", str(path))
    assert code == 2 and err.startswith(f"deminimis: error: {path}: not a readable spreadsheet (")
