"""One place that turns deminimis errors into the CLI's exit codes (contract §2).

2: unusable input or rules data, one line naming the file and what is wrong;
1: an online source failed; 4: the ledger refused (each error's ``exit_code``).
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
            fail(exc.exit_code, str(exc))

    return wrapper


__all__ = ["errors_to_exit", "fail"]
