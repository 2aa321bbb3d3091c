"""The single undertaking: firms linked by control form one undertaking, on the grant date.

Reg. 1407/2013 Art 2(2) and 2023/2831 Art 2(2): entities linked by majority voting
rights (a), board control (b), a dominant-influence contract (c) or a shareholder agreement
(d) — directly or through other entities — are one "single undertaking". Brreg has no group
data, so the links come from the user: rows of ``links`` sharing an ``undertaking_id`` are
one undertaking, and chains (A–B in one group, B–C in another) merge into one, however long
(connected components of the orgnr–group graph, found by label propagation in polars).
A firm with no link is its own undertaking.

A row's optional ``link_type`` and ``valid_from``/``valid_to`` decide whether it links:
``public_body`` never does (a link only through the same public body does not make one
undertaking: 2831 recital 5, 2832 Art 2(2)); ``natural_person`` does, with a warning (a
judgement); a row links only on days inside its validity. The undertaking therefore depends
on the grant date: the components are computed once per *epoch* (a span of days in which
the same rows are valid) that holds a grant date.
"""

from __future__ import annotations

import bisect

import polars as pl

from deminimis.plan import steps

LINK_TYPES = ("a", "b", "c", "d", "public_body", "natural_person")
"""``link_type`` values (contract §1 links); empty means a control link of unstated type."""
LINK_SCHEMA = {
    "file": pl.Utf8,
    "row": pl.Int64,
    "orgnr": pl.Utf8,
    "undertaking_id": pl.Utf8,
    "link_type": pl.Utf8,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
}


def undertaking_map(links: pl.DataFrame) -> pl.DataFrame:
    """``orgnr -> undertaking_key`` for every orgnr named in ``links`` (every row links).

    The key is the smallest orgnr of the component, so it is stable and readable.

    >>> links = pl.DataFrame({"orgnr": ["3", "2", "2", "1", "9"],
    ...                       "undertaking_id": ["a", "a", "b", "b", "c"]})
    >>> undertaking_map(links).sort("orgnr").rows()
    [('1', '1'), ('2', '1'), ('3', '1'), ('9', '9')]
    """
    schema = {"orgnr": pl.Utf8, "undertaking_key": pl.Utf8}
    edges = links.select("orgnr", "undertaking_id").drop_nulls().unique()
    if edges.is_empty():
        return pl.DataFrame(schema=schema)
    # Label propagation on the orgnr-group graph: every group takes the smallest key of its
    # firms, every firm the smallest key of its groups, then the key of its key (a key is a firm
    # of the same component: pointer jumping, so a chain of n links takes about log2(n) rounds),
    # until no key changes. The fixed point is the smallest orgnr of each component.
    keys = edges.select("orgnr").unique().with_columns(key=pl.col("orgnr"))
    while True:
        groups = edges.join(keys, on="orgnr").group_by("undertaking_id").agg(pl.col("key").min())
        hop = edges.join(groups, on="undertaking_id").group_by("orgnr").agg(pl.col("key").min())
        jumped = hop.join(hop.rename({"orgnr": "key", "key": "of_key"}), on="key", how="left").select(
            "orgnr", key=pl.min_horizontal("key", "of_key")
        )
        if jumped.join(keys, on=["orgnr", "key"], how="anti").is_empty():
            return jumped.select("orgnr", undertaking_key="key")
        keys = jumped


def _typed(links: pl.DataFrame) -> pl.DataFrame:
    """``links`` with every optional column present (older callers give orgnr, undertaking_id)."""
    return _typed_plan(links).collect(**steps())


def _typed_plan(links: pl.DataFrame) -> pl.LazyFrame:
    missing = {c: pl.lit(None, t) for c, t in LINK_SCHEMA.items() if c not in links.columns}
    return links.lazy().with_columns(**missing).select(*LINK_SCHEMA)


def _valid_on(day: pl.Expr) -> pl.Expr:
    return (pl.col("valid_from").is_null() | (pl.col("valid_from") <= day)) & (
        pl.col("valid_to").is_null() | (day <= pl.col("valid_to"))
    )


def perimeters(apps: pl.DataFrame, links: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The single undertaking of each application on its grant date.

    ``apps``: ``idx``, ``orgnr``, ``grant_date``. Returns ``apps`` with ``undertaking_key``
    and ``members`` (sorted orgnr, the applicant alone when unlinked), and the long table
    ``idx, orgnr`` of every member (the join key for awards and employer-tax rows).
    """
    links = _typed(links)
    linking = links.filter(pl.col("link_type").fill_null("") != "public_body")
    if linking.is_empty():  # every applicant is its own undertaking (most single checks)
        out = apps.with_columns(undertaking_key=pl.col("orgnr"), members=pl.concat_list(pl.col("orgnr")))
        return out, apps.select("idx", "orgnr").drop_nulls("orgnr")
    bounds = sorted(
        {d for d in linking["valid_from"].drop_nulls()}
        | {d for d in linking.select(pl.col("valid_to").dt.offset_by("1d"))["valid_to"].drop_nulls()}
    )
    day = pl.col("grant_date")
    dates = apps.select(day).drop_nulls().unique()["grant_date"].to_list()
    epochs = pl.DataFrame(
        {"grant_date": dates, "_epoch": [bisect.bisect_right(bounds, d) for d in dates]},
        schema={"grant_date": pl.Date, "_epoch": pl.UInt32},
    )
    a = apps.join(epochs, on="grant_date", how="left")
    maps = []
    for (e,), part in a.filter(day.is_not_null()).group_by("_epoch"):
        on = part["grant_date"][0]  # every day of an epoch sees the same rows
        m = undertaking_map(linking.filter(_valid_on(pl.lit(on))))
        maps.append(m.with_columns(_epoch=pl.lit(e, pl.UInt32)))
    umap = (
        pl.concat(maps)
        if maps
        else pl.DataFrame(schema={"orgnr": pl.Utf8, "undertaking_key": pl.Utf8, "_epoch": pl.UInt32})
    )
    groups = umap.group_by("_epoch", "undertaking_key").agg(pl.col("orgnr").sort().alias("members"))
    out = (
        a.join(umap, on=["_epoch", "orgnr"], how="left")
        .with_columns(undertaking_key=pl.coalesce("undertaking_key", "orgnr"))
        .join(groups, on=["_epoch", "undertaking_key"], how="left")
        .with_columns(members=pl.coalesce("members", pl.concat_list(pl.col("orgnr"))))
        .drop("_epoch")
    )
    member = out.select("idx", orgnr=pl.col("members")).explode("orgnr").drop_nulls("orgnr")
    return out, member


def perimeter_links(apps: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """``idx`` and every link row of a member of its undertaking, with whether it links on the
    grant date (``counted``) and why: ``linked``, ``public_body`` or ``not_valid_on_grant_date``."""
    rows = (
        apps.lazy()
        .select("idx", "grant_date", orgnr=pl.col("members"))
        .explode("orgnr")
        .join(_typed_plan(links), on="orgnr")
        .with_columns(
            why=pl.when(pl.col("link_type") == "public_body")
            .then(pl.lit("public_body"))
            .when(~_valid_on(pl.col("grant_date")))
            .then(pl.lit("not_valid_on_grant_date"))
            .otherwise(pl.lit("linked"))
        )
    )
    return (
        rows.with_columns(counted=pl.col("why") == "linked")
        .sort("idx", "orgnr", "undertaking_id", "row")
        .collect(**steps())
    )


__all__ = ["LINK_SCHEMA", "LINK_TYPES", "perimeter_links", "perimeters", "undertaking_map"]
