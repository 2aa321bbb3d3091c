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
