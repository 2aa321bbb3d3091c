"""Values that depend only on one rules object, computed once per object.

Why: a ``Rules`` object is long-lived (:func:`deminimis.rules.load_rules` keeps it) and frozen,
while a single check rebuilt the frames and expressions derived from it on every call (about a
third of the renderer's time). Keyed by the object's identity (a frozen pydantic model hashes
every nested field) and holding the object, so a key is never reused by another one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
LIMIT = 256
"""Entries kept before the cache starts again (a few rules objects × a few functions)."""
_MEMO: dict[tuple, tuple[object, object]] = {}


def per_rules(fn: Callable[..., T], rules: object, *args: Hashable) -> T:
    """``fn(rules, *args)``, computed once per rules object (and ``args``)."""
    key = (fn, id(rules), *args)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is rules:
        return hit[1]  # type: ignore[return-value]
    if len(_MEMO) >= LIMIT:
        _MEMO.clear()
    value = fn(rules, *args)
    _MEMO[key] = (rules, value)
    return value


__all__ = ["per_rules"]
