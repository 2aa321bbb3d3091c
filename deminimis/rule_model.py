"""The shape of a rules file: frozen dataclasses, validated strictly by pydantic when read.

Why dataclasses and not pydantic models: a single ``deminimis check`` reads the rules from the
validated copy in :mod:`deminimis.rules_cache`, and unpickling a pydantic model imports pydantic
(about 45–70 ms, a quarter of ``import polars``) only to rebuild objects that were checked
already. A dataclass needs no import; pydantic is imported only when a rules file is read and
validated (a changed file or a new cache), through :func:`validate`.

The checks a pydantic validator would hold live in ``__post_init__`` (pydantic calls it after
the fields are validated) and raise ``ValueError``; :func:`validate` reports them, and every
field error, as one :class:`~deminimis.errors.RuleDataError` naming the path and the problem.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

STRICT = {"extra": "forbid"}
"""pydantic's configuration of every rules dataclass: an unknown key is an error."""


def rule(cls: type[T]) -> type[T]:
    """A frozen, keyword-only dataclass that refuses unknown keys when validated."""
    cls.__pydantic_config__ = STRICT  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


def validate(model: type[T], data: Any, fail: Callable[[str], Exception]) -> T:
    """``data`` (parsed TOML) as ``model``, or ``fail(problems)`` raised: ``loc: message; …``."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        raise fail(problems(exc)) from exc


def problems(exc: Any) -> str:
    """A pydantic ``ValidationError`` as ``loc: message; …`` (the locations joined by dots)."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())


def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``ok``: a rule of ``__post_init__``."""
    if not ok:
        raise ValueError(message)


__all__ = ["check", "problems", "rule", "validate"]
