"""One place that turns deminimis errors into the CLI's exit codes (contract §2).

2: unusable input or rules data, one line naming the file and what is wrong;
1: an online source failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import click

from deminimis.errors import DeminimisError, InputError, RuleDataError, SourceError


def fail(code: int, message: str) -> NoReturn:
    click.echo(f"deminimis: error: {message}", err=True)
    sys.exit(code)


def errors_to_exit(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command so a DeminimisError becomes one line and an exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (InputError, RuleDataError) as exc:
            fail(2, str(exc))
        except SourceError as exc:
            fail(1, str(exc))
        except DeminimisError as exc:  # pragma: no cover - every subclass is handled above
            fail(2, str(exc))

    return wrapper


__all__ = ["errors_to_exit", "fail"]
