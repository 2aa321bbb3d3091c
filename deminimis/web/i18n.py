"""The page's words and number formats in Norwegian bokmål (default) and English.

Why a data file: officers and translators change wording in ``texts.toml`` without touching
code; a test keeps both languages' keys equal. Money is shown as people read it in each
language (``1 234 567,89`` in nb), always from the decision's exact two-decimal strings.

>>> money("1234567.89", "nb"), money("1234567.89", "en"), money(None, "nb")
('1\\xa0234\\xa0567,89', '1,234,567.89', '–')
>>> day("2021-05-17", "nb"), day("2021-05-17", "en")
('17.05.2021', '2021-05-17')
>>> Texts("en")("bar_summary", used="1", ceiling="2", left="3")
'Used 1 of EUR 2; after this grant EUR 3 remains.'
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import InvalidOperation
from functools import cache
from pathlib import Path

from deminimis.money import contract_cents, format_cents_human

LANGS = ("nb", "en")
DEFAULT_LANG = "nb"
TEXTS = Path(__file__).with_name("texts.toml")


@cache
def all_texts() -> dict[str, dict[str, str]]:
    with TEXTS.open("rb") as fh:
        return tomllib.load(fh)


def pick_lang(value: str | None) -> str:
    """``value`` when it is a known language, else bokmål."""
    return value if value in LANGS else DEFAULT_LANG


def cents(text: str | None) -> int | None:
    """A two-decimal money string as integer cents (None when absent or not a number)."""
    if text is None:
        return None
    try:
        return contract_cents(text)
    except InvalidOperation:
        return None


def money(text: str | None, lang: str) -> str:
    """A money string for people; an en dash when there is none."""
    value = cents(text)
    return "–" if value is None else format_cents_human(value, lang)


def day(iso: str | None, lang: str) -> str:
    """An ISO date as ``DD.MM.YYYY`` (nb) or ISO (en, as in the decision's English texts)."""
    if not iso:
        return "–"
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return d.strftime("%d.%m.%Y") if lang == "nb" else d.isoformat()


class Texts:
    """``t("key", name=value)``: the text of ``key`` in one language, with values filled in."""

    def __init__(self, lang: str):
        self.lang = pick_lang(lang)
        self._texts = all_texts()[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key, key)
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def has(self, key: str) -> bool:
        return key in self._texts


__all__ = ["DEFAULT_LANG", "LANGS", "Texts", "all_texts", "cents", "day", "money", "pick_lang"]
