"""The canonical tables, declared once: their columns as given (text) and as the engine types them.

Why one place: readers (:mod:`deminimis.sources.tables`), the input layer
(:mod:`deminimis.sources.inputs`), the ledger (:mod:`deminimis.ledger.prior`), the HTTP API,
the web page and tests all speak of the same columns. ``COLUMNS[kind]`` lists a table's
contract columns (required first); ``TYPED[kind]`` the engine's frame after validation, with
provenance: ``file`` and ``row`` where the row was read, ``origin`` (which input holds it, so
an award in two inputs is counted once) and ``source`` (``awards``, ``register:<id>``,
``application:<id>``; the decision's ``counted[].source``).

>>> COLUMNS["links"]
('orgnr', 'undertaking_id', 'link_type', 'valid_from', 'valid_to')
>>> list(TYPED["awards"])[:4]
['file', 'row', 'orgnr', 'granted_on']
"""

from __future__ import annotations

import polars as pl

from deminimis.sources.tables import ERRORS_SCHEMA, OPTIONAL, REQUIRED

KINDS = ("applications", "awards", "links", "firms", "employer_tax", "events")
"""The tables of contract §1 this layer reads (the register comes through its own source,
:mod:`deminimis.sources.register_evidence`)."""
COLUMNS: dict[str, tuple[str, ...]] = {k: (*REQUIRED[k], *OPTIONAL[k]) for k in KINDS}
PROVENANCE = {"file": pl.Utf8, "row": pl.Int64}
MONEY_COLUMNS = frozenset({"amount", "advantage_nok", "wage_base_nok", "nominal_amount", "gge"})
"""Text columns holding money: a float there is refused (it may have lost cents)."""

TYPED: dict[str, dict[str, type[pl.DataType] | pl.DataType]] = {
    "awards": {
        **PROVENANCE,
        "orgnr": pl.Utf8,
        "granted_on": pl.Date,
        "amount_cents": pl.Int64,
        "currency": pl.Utf8,
        "basis": pl.Utf8,
        "grantor": pl.Utf8,
        "reference": pl.Utf8,
        "origin": pl.Utf8,
        "source": pl.Utf8,
    },
    "links": {
        **PROVENANCE,
        "orgnr": pl.Utf8,
        "undertaking_id": pl.Utf8,
        "link_type": pl.Utf8,
        "valid_from": pl.Date,
        "valid_to": pl.Date,
    },
    "firms": {
        "orgnr": pl.Utf8,
        "name": pl.Utf8,
        "nace": pl.Utf8,
        "kommunenummer": pl.Utf8,
        "status": pl.Utf8,
    },
}
ERRORS = {**ERRORS_SCHEMA, "orgnr": pl.Utf8}
"""Row errors (file, row, field, message), with the row's orgnr when it is valid."""


def empty(kind: str) -> pl.DataFrame:
    """An empty typed table of ``kind``."""
    return pl.DataFrame(schema=TYPED[kind])


__all__ = ["COLUMNS", "ERRORS", "KINDS", "MONEY_COLUMNS", "PROVENANCE", "TYPED", "empty"]
