"""A finished batch run's applications: the list on its result page and each one's case note.

Why from the stored workbook: a run keeps one thing, its decisions workbook (in the ledger
database or in memory, :mod:`.store`), and that workbook's hidden sheet holds every whole
decision (:data:`deminimis.render.tables.JSON_SHEET`), the same the ``letter`` and ``report``
commands read. So the page lists every application and writes its case note
(:func:`deminimis.render.casefile.case_note`) with no second copy of the decisions and no
change to the stored run. The texts of the newest runs are kept parsed (:data:`CACHED`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from deminimis.models import Decision
from deminimis.render.tables import workbook_decision_texts

CACHED = 4
"""Runs whose decisions stay read in memory (a note page after the list page reads nothing)."""
PAGE_SIZE = 500
"""Applications listed per page of a run's result (20,000 rows would be a 5 MB page)."""


@lru_cache(maxsize=CACHED)
def decision_texts(workbook: bytes) -> tuple[str, ...]:
    """Each decision's JSON text, in the order of the run (one per application)."""
    return tuple(workbook_decision_texts(workbook))


@dataclass(frozen=True)
class Item:
    """One application of the run, as its list row shows it (``n`` counts from 1)."""

    n: int
    application_id: str
    orgnr: str
    name: str
    route: str


def items(workbook: bytes, page: int = 1) -> tuple[list[Item], int]:
    """The applications of one page of the list, and the number of pages."""
    texts = decision_texts(workbook)
    pages = max(1, -(-len(texts) // PAGE_SIZE))
    start = (min(max(page, 1), pages) - 1) * PAGE_SIZE
    chunk = pl.Series("doc", texts[start : start + PAGE_SIZE], dtype=pl.Utf8)

    def field(name: str) -> list[str]:
        return [v or "" for v in chunk.str.json_path_match(f"$.{name}").to_list()]

    columns = zip(field("application_id"), field("orgnr"), field("name"), field("route"), strict=True)
    return [Item(start + i, *values) for i, values in enumerate(columns, start=1)], pages


def decision(workbook: bytes, n: int) -> Decision | None:
    """The ``n``-th decision of the run (from 1), or None when there is none."""
    texts = decision_texts(workbook)
    return Decision.model_validate_json(texts[n - 1]) if 1 <= n <= len(texts) else None


__all__ = ["CACHED", "PAGE_SIZE", "Item", "decision", "decision_texts", "items"]
