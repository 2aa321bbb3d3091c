"""An award held by two sources is counted once (contract §3).

Why: the applicant's declaration, the ledger, the request body and Støtteregisteret often hold
the same grant. Rows of *different* origins (``origin``: a file, ``ledger``, ``request``,
``register``, ``application``) are the same award when they have the same orgnr and basis and

- the same grant date, amount in cents and currency (an exact match), or
- the same non-empty reference, or
- the same grant date and EUR amounts within 1 % of the larger (a near match).

One row is kept (the larger EUR amount; on a tie the first given); its ``sources`` list every
row that holds it (``file:row``), and ``near`` names the other rows when the
amounts or dates differ, for the warning. Two equal rows of one origin stay two awards (they
may be two grants; the duplicate warning asks the officer). A different basis is never merged:
keeping the wrong one could under-count. Only orgnrs present in two origins are looked at, so
a plain awards file costs one group-by.

>>> import datetime as dt
>>> d = dt.date(2021, 1, 4)
>>> aw = pl.DataFrame({"aw_idx": [0, 1, 2], "origin": ["decl.csv", "ledger", "decl.csv"],
...     "file": ["decl.csv", "ledger:awards", "decl.csv"], "row": [2, 17, 3],
...     "source": ["awards"] * 3, "orgnr": ["912346803"] * 3, "granted_on": [d, d, d],
...     "basis": ["de_minimis"] * 3, "amount_cents": [100_00, 100_00, 500_00],
...     "currency": ["EUR"] * 3, "eur_cents": [100_00, 100_00, 500_00], "reference": [None] * 3})
>>> out = merge_sources(aw)
>>> out["aw_idx"].to_list(), [len(s) for s in out["sources"]], out["near"].to_list()
([0, 2], [2, 1], [None, None])
"""

from __future__ import annotations

import functools

import polars as pl

SOURCE_ITEM = pl.Utf8
"""A source is named ``file:row`` (``register:<id>`` for the register, as in its ``file``)."""
NEAR = 0.01
"""Amounts within 1 % of the larger one are a near match."""


@functools.cache
def _label_expr() -> pl.Expr:
    row = pl.col("row").cast(pl.Utf8)
    return pl.when(row.is_null()).then(pl.col("file")).otherwise(pl.format("{}:{}", pl.col("file"), row))


def _own_sources(aw: pl.DataFrame) -> pl.DataFrame:
    """Each row's own ``sources`` (kept when an earlier step, the register's, named them)."""
    own = pl.concat_list(_label_expr())
    if "sources" in aw.columns:
        own = pl.when(pl.col("sources").list.len() > 0).then(pl.col("sources")).otherwise(own)
    return aw.with_columns(sources=own, near=pl.lit(None, pl.Utf8))


def _candidates(aw: pl.DataFrame) -> pl.DataFrame:
    """Rows that may match a row of another origin (same orgnr and basis, and date or reference)."""
    by_date = pl.col("origin").n_unique().over("orgnr", "basis", "granted_on") > 1
    ref = pl.col("reference").fill_null("")
    by_ref = (pl.col("origin").n_unique().over("orgnr", "basis", ref) > 1) & (ref != "")
    own = pl.col("source").fill_null("").str.starts_with("application:")  # two grants, never one award
    return aw.filter((by_date | by_ref) & pl.col("eur_cents").is_not_null() & ~own)


def _match(a: dict, b: dict) -> tuple[int, float] | None:
    """(priority, relative difference) when ``a`` and ``b`` are one award, else None."""
    if a["origin"] == b["origin"] or a["orgnr"] != b["orgnr"] or a["basis"] != b["basis"]:
        return None
    same_day = a["granted_on"] == b["granted_on"]
    if same_day and a["amount_cents"] == b["amount_cents"] and a["currency"] == b["currency"]:
        return 0, 0.0
    if a["reference"] and a["reference"] == b["reference"]:
        return 1, 0.0
    high = max(a["eur_cents"], b["eur_cents"])
    diff = abs(a["eur_cents"] - b["eur_cents"])
    if same_day and high > 0 and diff <= NEAR * high:
        return 2, diff / high
    return None


def _clusters(rows: list[dict]) -> list[list[int]]:
    """Groups of row positions that are one award; at most one row per origin in a group."""
    pairs = []
    for i, a in enumerate(rows):
        for j in range(i + 1, len(rows)):
            if (m := _match(a, rows[j])) is not None:
                pairs.append((*m, i, j))
    group = list(range(len(rows)))
    members = {i: [i] for i in group}
    for _, _, i, j in sorted(pairs):
        gi, gj = group[i], group[j]
        if gi == gj or {rows[k]["origin"] for k in members[gi]} & {rows[k]["origin"] for k in members[gj]}:
            continue
        for k in members[gj]:
            group[k] = gi
        members[gi] += members.pop(gj)
    return [sorted(m) for m in members.values() if len(m) > 1]


def _label(r: dict) -> str:
    return f"{r['file']}:{r['row']}" if r["row"] is not None else str(r["file"])


def merge_sources(aw: pl.DataFrame) -> pl.DataFrame:
    """``aw`` with each award held by several origins once (see the module docstring).

    Needs ``aw_idx, origin, file, row, source, orgnr, granted_on, basis, amount_cents,
    currency, eur_cents, reference`` (and ``sources`` when known); adds ``sources`` and ``near``.
    """
    out = _own_sources(aw)
    if out.get_column("origin").n_unique() < 2:  # one input: no award can be held twice
        return out
    cand = _candidates(out)
    if cand.is_empty():
        return out
    rows = cand.sort("orgnr", "aw_idx").to_dicts()
    dropped: list[int] = []
    kept: list[dict] = []
    by_orgnr: dict[str, list[dict]] = {}
    for r in rows:
        by_orgnr.setdefault(r["orgnr"], []).append(r)
    for group in by_orgnr.values():
        for cluster in _clusters(group):
            held = [group[k] for k in cluster]
            keep = max(held, key=lambda r: (r["eur_cents"], -r["aw_idx"]))
            exact = all(
                (r["granted_on"], r["amount_cents"], r["currency"])
                == (keep["granted_on"], keep["amount_cents"], keep["currency"])
                for r in held
            )
            others = [r for r in held if r is not keep]
            dropped += [r["aw_idx"] for r in others]
            kept.append(
                {
                    "aw_idx": keep["aw_idx"],
                    "sources": list(dict.fromkeys(x for r in held for x in r["sources"])),
                    "near": None if exact else ", ".join(_label(r) for r in others),
                }
            )
    if not kept:
        return out
    update = pl.DataFrame(
        kept, schema={"aw_idx": aw.schema["aw_idx"], "sources": pl.List(SOURCE_ITEM), "near": pl.Utf8}
    )
    out = out.filter(~pl.col("aw_idx").is_in(dropped))
    return out.update(update, on="aw_idx")


__all__ = ["NEAR", "SOURCE_ITEM", "merge_sources"]
