"""One place that turns deminimis errors into the CLI's exit codes (contract §2).

2: unusable input or rules data, one line naming the file and what is wrong;
1: an online source failed; 4: the ledger refused (each error's ``exit_code``).

A command with ``--lang nb`` says an input error in bokmål when the error has a bokmål text
(``InputError.nb``, :mod:`deminimis.errors_nb`: a missing file, missing columns …); any other
stays English, prefixed ``error`` rather than ``feil``, so no line mixes the two languages.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import click

from deminimis.errors import DeminimisError


def fail(code: int, message: str, lang: str = "en") -> NoReturn:
    """One line on stderr, ``deminimis: error: …`` (``deminimis: feil: …`` in bokmål), and exit."""
    click.echo(f"deminimis: {'feil' if lang == 'nb' else 'error'}: {message}", err=True)
    sys.exit(code)


def errors_to_exit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command so a DeminimisError becomes one line and an exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DeminimisError as exc:
            nb = getattr(exc, "nb", None) if command_lang() == "nb" else None
            fail(exc.exit_code, nb or str(exc), "nb" if nb else "en")  # no bokmål text: English

    return wrapper


def command_lang(ctx: click.Context | None = None) -> str:
    """The ``--lang`` of ``ctx`` (default: the running command), English for a command without
    one; an eager ``--lang`` is already read when the other options' callbacks run."""
    ctx = ctx or click.get_current_context(silent=True)
    return str(ctx.params.get("lang") or "en") if ctx is not None else "en"


__all__ = ["command_lang", "errors_to_exit", "fail"]
