"""Brreg's Norwegian field names translated to the facts deminimis uses (one place).

An enhet (v2 JSON, from the API or the bulk dump) becomes one row of :data:`ENHET_SCHEMA`;
an underenhet one row of :data:`UNDERENHET_SCHEMA`. :func:`status_expr` turns the raw
flags into one ``status``: ``deleted`` (``slettedato``) before ``bankrupt`` (``konkurs``)
before ``forced_liquidation`` (``underTvangsavviklingEllerTvangsopplosning``) before
``under_liquidation`` (``underAvvikling``), else ``active``. ``kommunenummer`` is the
forretningsadresse's, else the postadresse's.

>>> f = enhet_facts({"organisasjonsnummer": "912349039", "navn": "HAVBRUK NORD AS",
...     "naeringskode1": {"kode": "03.211"}, "postadresse": {"kommunenummer": "1868"},
...     "konkurs": True})
>>> f["nace"], f["kommunenummer"], f["konkurs"]
('03.211', '1868', True)
>>> pl.DataFrame([f], schema=ENHET_SCHEMA).select(status_expr())["status"].to_list()
['bankrupt']
"""

from __future__ import annotations

from typing import Any

import polars as pl

STATUSES = (
    "active", "deleted", "removed", "not_found", "bankrupt", "under_liquidation", "forced_liquidation",
    "unknown",
)  # fmt: skip
ENHET_SCHEMA: dict[str, pl.DataType] = {
    "orgnr": pl.Utf8(),
    "name": pl.Utf8(),
    "nace": pl.Utf8(),
    "kommunenummer": pl.Utf8(),
    "organisasjonsform": pl.Utf8(),
    "slettedato": pl.Utf8(),
    "konkurs": pl.Boolean(),
    "underAvvikling": pl.Boolean(),
    "underTvangsavviklingEllerTvangsopplosning": pl.Boolean(),
}
UNDERENHET_SCHEMA: dict[str, pl.DataType] = {
    "orgnr": pl.Utf8(),
    "parent_orgnr": pl.Utf8(),  # overordnetEnhet
    "kommunenummer": pl.Utf8(),  # beliggenhetsadresse.kommunenummer
    "slettedato": pl.Utf8(),
    "nedleggelsesdato": pl.Utf8(),
}


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _sub(record: dict[str, Any], key: str, field: str) -> str | None:
    part = record.get(key)
    return _text(part.get(field)) if isinstance(part, dict) else None


def enhet_facts(e: dict[str, Any]) -> dict[str, Any]:
    """One enhet's JSON object → a row of :data:`ENHET_SCHEMA`."""
    return {
        "orgnr": _text(e.get("organisasjonsnummer")),
        "name": _text(e.get("navn")),
        "nace": _sub(e, "naeringskode1", "kode"),
        "kommunenummer": _sub(e, "forretningsadresse", "kommunenummer")
        or _sub(e, "postadresse", "kommunenummer"),
        "organisasjonsform": _sub(e, "organisasjonsform", "kode"),
        "slettedato": _text(e.get("slettedato")),
        "konkurs": e.get("konkurs") is True,
        "underAvvikling": e.get("underAvvikling") is True,
        "underTvangsavviklingEllerTvangsopplosning": e.get("underTvangsavviklingEllerTvangsopplosning")
        is True,
    }


def underenhet_facts(u: dict[str, Any]) -> dict[str, Any]:
    """One underenhet's JSON object → a row of :data:`UNDERENHET_SCHEMA`."""
    return {
        "orgnr": _text(u.get("organisasjonsnummer")),
        "parent_orgnr": _text(u.get("overordnetEnhet")),
        "kommunenummer": _sub(u, "beliggenhetsadresse", "kommunenummer"),
        "slettedato": _text(u.get("slettedato")),
        "nedleggelsesdato": _text(u.get("nedleggelsesdato")),
    }


def status_expr() -> pl.Expr:
    """``status`` of an :data:`ENHET_SCHEMA` row (see the module docstring)."""
    return (
        pl.when(pl.col("slettedato").is_not_null()).then(pl.lit("deleted"))
        .when(pl.col("konkurs")).then(pl.lit("bankrupt"))
        .when(pl.col("underTvangsavviklingEllerTvangsopplosning")).then(pl.lit("forced_liquidation"))
        .when(pl.col("underAvvikling")).then(pl.lit("under_liquidation"))
        .otherwise(pl.lit("active"))
        .alias("status")
    )  # fmt: skip


def kommuner_expr() -> pl.Expr:
    """Distinct, sorted kommunenummer of the underenheter that are not deleted (in a group_by)."""
    live = pl.col("kommunenummer").filter(pl.col("slettedato").is_null())
    return live.drop_nulls().unique().sort().alias("underenhet_kommuner")


__all__ = [
    "ENHET_SCHEMA", "STATUSES", "UNDERENHET_SCHEMA", "enhet_facts", "kommuner_expr", "status_expr",
    "underenhet_facts",
]  # fmt: skip
