"""Norwegian organisation numbers (organisasjonsnummer), via python-stdnum.

Nine digits, the last a MOD11 check digit (weights 3 2 7 6 5 4 3 2). Spaces are
allowed on input. Links: https://www.brreg.no/om-oss/registrene-vare/om-enhetsregisteret/organisasjonsnummeret/

>>> validate("974 760 673")
'974760673'
>>> is_valid("974760674")
False
>>> validate("12345")
Traceback (most recent call last):
...
deminimis.errors.InvalidOrgNr: orgnr '12345' must be 9 digits
"""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.no import orgnr as _orgnr

from deminimis.errors import InvalidOrgNr


def compact(number: str) -> str:
    """Remove spaces and separators."""
    return _orgnr.compact(str(number))


def problem(number: str | None) -> str | None:
    """Why ``number`` is not a valid orgnr, or None when it is."""
    if number is None or not str(number).strip():
        return "orgnr is missing"
    try:
        _orgnr.validate(str(number))
    except InvalidChecksum:
        return f"orgnr '{number}' has a wrong check digit (MOD11)"
    except ValidationError:
        return f"orgnr '{number}' must be 9 digits"
    return None


def validate(number: str) -> str:
    """Return the compact orgnr or raise :class:`InvalidOrgNr` with the reason."""
    if reason := problem(number):
        raise InvalidOrgNr(reason)
    return compact(number)


def is_valid(number: str) -> bool:
    return problem(number) is None


def format(number: str) -> str:  # noqa: A001 - the stdnum name
    """``974760673`` -> ``974 760 673``."""
    return _orgnr.format(number)


__all__ = ["compact", "format", "is_valid", "problem", "validate"]
