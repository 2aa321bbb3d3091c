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
    """A frozen, keyword-only dataclass that refuses unknown keys when validated.

    Its ``__init__``, ``__eq__``, ``__hash__``, ``__repr__`` and the frozen ``__setattr__`` are
    the shared functions below, not code that ``dataclasses`` writes and compiles for every class:
    that was about 3 million instructions a class, some 90 million (6 %) of a single check's
    start-up for the thirty rules classes. pydantic fills a validated instance's ``__dict__``
    itself and calls ``__post_init__``; ``__init__`` serves the few direct constructions."""
    cls.__pydantic_config__ = STRICT  # type: ignore[attr-defined]
    for name, method in _METHODS.items():
        setattr(cls, name, method)
    return dataclasses.dataclass(init=False, repr=False, eq=False, kw_only=True)(cls)


def _init(self: Any, **values: Any) -> None:
    for f in dataclasses.fields(self):
        if f.name in values:
            value = values.pop(f.name)
        elif f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            raise TypeError(f"{type(self).__name__}: missing field {f.name!r}")
        object.__setattr__(self, f.name, value)
    if values:
        raise TypeError(f"{type(self).__name__}: unexpected field(s) {sorted(values)}")
    if hasattr(self, "__post_init__"):
        self.__post_init__()


def _repr(self: Any) -> str:
    return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


def _frozen(self: Any, name: str, *_: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


_METHODS: dict[str, Callable[..., Any]] = {
    "__init__": _init,
    "__eq__": lambda self, other: type(self) is type(other) and self.__dict__ == other.__dict__,
    "__hash__": lambda self: hash((type(self), *self.__dict__.values())),
    "__repr__": _repr,
    "__setattr__": _frozen,
    "__delattr__": _frozen,
}


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
