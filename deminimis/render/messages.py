"""The texts of reasons and warnings (``messages.toml``, nb and en), loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from deminimis import rules_cache

MESSAGES = Path(__file__).with_name("messages.toml")


@cache
def messages() -> dict[str, dict[str, str]]:
    """``code -> {"nb": template, "en": template, ...}`` (the parsed copy of an unchanged file
    from :mod:`deminimis.rules_cache`: parsing the TOML costs about 5 ms of a single check)."""
    return rules_cache.cached("messages", [MESSAGES], (__name__,), _parse)


def _parse() -> dict[str, dict[str, str]]:
    with MESSAGES.open("rb") as fh:
        return tomllib.load(fh)


__all__ = ["MESSAGES", "messages"]
