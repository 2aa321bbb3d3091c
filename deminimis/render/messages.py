"""The texts of reasons and warnings (``messages.toml``, nb and en), loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

MESSAGES = Path(__file__).with_name("messages.toml")


@cache
def messages() -> dict[str, dict[str, str]]:
    """``code -> {"nb": template, "en": template, ...}``."""
    with MESSAGES.open("rb") as fh:
        return tomllib.load(fh)


__all__ = ["MESSAGES", "messages"]
